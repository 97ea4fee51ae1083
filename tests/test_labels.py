"""French a catalogue manager trusts: one title per field, no English, fournisseur wording, help texts
true to each field, short units and defaults that fit the product."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from tests.conftest import real_schema_files, sample_schema_files
from transpiler.compiler.loading import load_product_type
from transpiler.emit.productlive import render_table, sorted_types
from transpiler.emit.structure import build_structure
from transpiler.mapping.builder import build_mapping
from transpiler.mapping.labels import default_unit
from transpiler.workspace import Workspace

#: English words that have no business in a French label (French homographs left out: type, guide…).
ENGLISH = {"the", "and", "of", "with", "for", "value", "values", "name", "size", "weight", "color", "colour",
           "item", "items", "product", "unit", "number", "other", "black", "white", "phone", "case", "wireless",
           "battery", "screen", "brand", "yes", "no", "true", "false", "inches", "centimeters", "grams",
           "kilograms", "pounds", "ounces", "feet", "hours", "seller", "vendor", "not", "required", "allowed",
           "missing", "rule"}
LABELLED = ("Field", "Option", "Suffix", "Section", "Screen", "Status", "Default-Status", "Category", "Identifier",
            "Partition", "Level", "Classification", "Conditional-Formatting", "Rule-Condition")


@pytest.fixture(scope="module")
def table(workspace: Workspace) -> etree._Element:
    types = [load_product_type(p, workspace=workspace) for p in sample_schema_files()]
    structure = build_structure(sorted_types(types))
    return etree.fromstring(render_table(structure.table).encode())


def _labels(root: etree._Element) -> list[tuple[str, str, str]]:
    out = []
    for element in root.iter(*LABELLED):
        for tag in ("Title", "Title-Local"):
            text = element.findtext(tag)
            if text:
                out.append((element.tag, element.get("key") or "", text))
    return out


def test_every_field_has_its_own_title(table: etree._Element) -> None:
    titles = [f.findtext("Title") for f in table.iterfind("Schema/Fields/Field")]
    duplicates = sorted({t for t in titles if titles.count(t) > 1})
    assert not duplicates
    fields = {f.get("key"): f for f in table.iterfind("Schema/Fields/Field")}
    assert fields["other_product_image_locator_3_media_location"].findtext("Title") == "Image secondaire 3"
    assert fields["main_product_image_locator_media_location"].findtext("Title") == "Image principale"
    assert not any(f.findtext("Title").startswith("URL") for f in fields.values() if f.get("type") == "IMAGE")


def test_no_english_in_french_labels(table: etree._Element) -> None:
    found = [(tag, key, text) for tag, key, text in _labels(table) if _words(text) & ENGLISH]
    assert not found, found[:10]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def test_the_word_list_catches_english() -> None:
    assert _words("Battery weight (Téléphone)") & ENGLISH == {"battery", "weight"}


def test_modelabs_is_a_fournisseur(table: etree._Element) -> None:
    texts = [t for _, _, t in _labels(table)] + [d.text or "" for d in table.iter("Description")]
    assert not [t for t in texts if re.search(r"\bvendeurs?\b", t, re.IGNORECASE)]
    asin = table.find("Schema/Fields/Field[@key='merchant_suggested_asin']")
    assert asin.findtext("Title") == "ASIN suggéré par le fournisseur"


def test_help_texts_are_true_to_each_field(table: etree._Element) -> None:
    fields = {f.get("key"): f for f in table.iterfind("Schema/Fields/Field")}
    for key, f in fields.items():
        description = f.findtext("Description") or ""
        assert "par ligne" not in description or f.get("type") == "LONG-TEXT", key
    assert "principal" in fields["material_1"].findtext("Description")
    assert "principal" not in fields["material_2"].findtext("Description")
    assert "Valeur 2 sur 5" in fields["material_2"].findtext("Description")
    image = fields["other_product_image_locator_1_media_location"].findtext("Description")
    assert not image.startswith("URL") and "fichier" in image


def test_short_unit_titles_and_defaults_that_fit(table: etree._Element) -> None:
    def units(key: str) -> dict[str, tuple[str, bool]]:
        f = table.find(f"Schema/Fields/Field[@key='{key}']")
        return {s.get("key"): (s.findtext("Title"), s.get("default") == "true") for s in f.iterfind("Suffixes/Suffix")}

    assert units("memory_storage_capacity")["GB"] == ("Go", True)
    assert units("battery_capacity")["milliamp_hours"] == ("mAh", True)
    assert units("lithium_battery_energy_content")["watt_hours"] == ("Wh", True)
    assert units("display_size")["inches"] == ("pouces", True)
    assert units("item_weight")["grams"] == ("g", True)
    long = table.find("Schema/Fields/Field[@key='memory_storage_capacity']/Suffixes/Suffix[@key='GB']")
    assert long.findtext("Description") == "Gigaoctets"
    assert all(len(s.findtext("Title")) <= 8 for s in table.iter("Suffix") if s.findtext("Title"))


def test_default_units_per_product_type(corpus_guard: None) -> None:
    assert default_unit("CELLULAR_PHONE", "item_weight.value", ["kilograms", "grams"]) == "grams"
    assert default_unit("LUGGAGE", "item_weight.value", ["grams", "kilograms"]) == "kilograms"
    for path in real_schema_files():
        mapping = build_mapping(load_product_type(path))
        weights = [f for f in mapping.fields if "weight" in f.path and f.default_suffix]
        assert all(f.default_suffix in ("kilograms", "pounds") or "kilograms" not in {s.key for s in f.suffixes}
                   for f in weights), path
