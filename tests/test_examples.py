"""examples/items.xml is shaped like a real `table-export-items` file of the generated table (models
with their colours and articles nested inside), and its refusals are ones such a file can carry."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import REPO
from transpiler.productlive.items import Item, read_items
from transpiler.productlive.readiness import judge, judge_listing
from transpiler.productlive.table_rules import TableRules, read_table
from transpiler.publish.family import articles_of, merge_levels

EXAMPLES = REPO / "examples"
IMAGE_ATTRIBUTES = ["width-px", "height-px", "size-kb", "mime-type", "file-key", "file-hash", "original-file-name",
                    "color-space", "color-profile"]
ORDER = ["Identifier", "Classification", "Conditional-Formatting", "Field", "Item"]


@pytest.fixture(scope="module")
def table() -> TableRules:
    return read_table(REPO / "generated" / "productlive" / "AMAZON_FR.xml")


@pytest.fixture(scope="module")
def root() -> etree._Element:
    return etree.parse(str(EXAMPLES / "items.xml")).getroot()


def _level(element: etree._Element, table: TableRules) -> str:
    return next(table.identifier_levels[i.get("key")] for i in element.iterfind("Identifier"))


def _every(items: list[Item]) -> list[Item]:
    return [one for top in items for one in (top, *top.descendants())]


def test_items_have_the_shape_of_a_product_live_export(root: etree._Element, table: TableRules) -> None:
    assert root.tag == "Table" and root.get("key") == "AMAZON_FR"
    for top in root.iterfind("Items/Item"):
        assert top.get("partition") == "ACTIVE" and _level(top, table) == "MODEL"
        assert top.find("Classification[@key='AMAZON_PRODUCT_TYPE']") is not None
        for element in top.iter("Item"):
            if element is not top:  # nested items carry no partition and no classification
                assert element.get("partition") is None and element.find("Classification") is None
            assert element.get("created", "").endswith(".000Z") and element.get("updated") > element.get("created")
            tags = [c.tag for c in element]
            assert tags == sorted(tags, key=ORDER.index), tags  # the export's element order
            level = _level(element, table)
            assert {c.get("key") for c in element.iterfind("Conditional-Formatting")} == {
                i.key for i in table.indicators if i.level == level}
            for field in element.iterfind("Field"):
                info = table.fields[field.get("key")]  # only fields of the table
                if info.type == "IMAGE":
                    assert list(field.attrib)[1:] == IMAGE_ATTRIBUTES
                    assert field.text.startswith("https://asset.prod.product-live.com/")
                    assert field.get("file-key").endswith(field.get("file-hash"))
    levels = [[_level(e, table) for e in top.iter("Item")] for top in root.iterfind("Items/Item")]
    assert all(chain[0] == "MODEL" and set(chain[1:]) <= {"COLOR", "ARTICLE"} for chain in levels)


def test_exported_statuses_are_what_the_tables_rules_give(table: TableRules) -> None:
    for item in _every(list(read_items(EXAMPLES / "items.xml"))):
        assert item.statuses
        for key, status in item.statuses.items():
            assert status == judge(item, table, key).status, (item.identifiers, key)


def test_values_are_ones_product_live_can_hold(table: TableRules) -> None:
    """No unknown key, no text in a number, no option or unit the field lacks, a known category."""
    for top in read_items(EXAMPLES / "items.xml"):
        categories = table.categories["AMAZON_PRODUCT_TYPE"]
        assert top.classifications["AMAZON_PRODUCT_TYPE"] in categories
        for item in (top, *top.descendants()):
            for key, entries in item.fields.items():
                info = table.fields[key]
                for entry in entries:
                    if info.type == "NUMBER":
                        Decimal(entry.value)
                        assert entry.suffix is None or entry.suffix in info.suffixes
                    if info.options:
                        assert entry.value in info.options, (key, entry.value)


def test_the_family_is_one_model_in_three_colours_and_two_capacities(table: TableRules) -> None:
    model = next(m for m in read_items(EXAMPLES / "items.xml") if m.identifier("PARENT_SKU") == "MDL-S24FE")
    assert model.first("variation_theme_name") == "COLOR/MEMORY_STORAGE_CAPACITY"
    assert [c.identifier("COLOR_CODE") for c in model.children] == ["GRAPHITE", "MENTHE", "BLEU"]
    combos = [(merge_levels(model, path, a).first("color"), a.first("memory_storage_capacity"))
              for a, path in articles_of(model)]
    assert combos[:6] == [(c, n) for c in ("Graphite", "Menthe", "Bleu") for n in ("128", "256")]
    assert combos[6] == ("Bleu", "256")  # the broken child: a combination the family already has


def test_the_demo_refusals_are_the_four_kinds_a_real_export_carries(table: TableRules) -> None:
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    refused = {sku for sku, status in expected.items() if status == "INVALID"}
    verdicts = {article.identifier("SKU"): judge_listing(merge_levels(model, path, article), table)
                for model in read_items(EXAMPLES / "items.xml") for article, path in articles_of(model)}
    shown = {sku: (v.status, " ".join(f.message for f in v.findings)) for sku, v in verdicts.items() if sku in refused}
    assert shown["MDL-S24-SANS-TITRE"][0] == "INCOMPLETE"  # a required value missing
    assert shown["MDL-COQUE-S24-SANS-ID"][0] == "INCOMPLETE" and "EAN" in shown["MDL-COQUE-S24-SANS-ID"][1]
    assert shown["MDL-WF1000XM5-NOIR"][0] == "INVALID" and "200 au plus" in shown["MDL-WF1000XM5-NOIR"][1]
    assert shown["MDL-LEGION-Y70-GRIS"][0] == "READY"  # only Amazon knows the ASIN belongs to another EAN
    assert shown["MDL-S24-BAD-EAN"][0] == "INVALID"
    accepted = [sku for sku, status in expected.items() if status == "ACCEPTED" and sku in verdicts]
    assert all(verdicts[sku].status == "READY" for sku in accepted)


def test_the_export_is_rebuilt_identically(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(EXAMPLES / "build_sample_items.py"), str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for name in ("items.xml", "expected.json"):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name
