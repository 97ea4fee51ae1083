"""The Product-Live table emitter: format rules, references, XSD, snapshots, scale, reproducibility."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import REPO, real_schema_files, sample_schema_files
from transpiler.compiler.loading import load_product_type
from transpiler.compiler.model import ProductType
from transpiler.emit.productlive import render_table, sorted_types
from transpiler.emit.regenerate import EmitterSpec, regenerate
from transpiler.emit.report import build_report, render_report
from transpiler.emit.structure import build_table
from transpiler.mapping import publication
from transpiler.workspace import Workspace

XSD = REPO / "transpiler" / "emit" / "schemas" / "productlive-table.xsd"
TWELVE = {
    "SINGLE-LINE-TEXT", "LONG-TEXT", "HTML-TEXT", "NUMBER", "SINGLE-SELECT", "MULTIPLE-SELECT",
    "MULTIPLE-SELECT-QUANTIFIED", "MULTIPLE-SELECT-QUANTIFIED-WITH-COMMENTS", "DATE", "DATE-TIME", "IMAGE",
    "ATTACHMENT",
}
SCHEMA_ORDER = ["Levels", "Partitions", "Identifiers", "Classifications", "Fields", "Matrix",
                "Conditional-Formattings", "Sections", "Screens"]


def _samples(workspace: Workspace) -> list[ProductType]:
    return [load_product_type(p, workspace=workspace) for p in sample_schema_files()]


def _corpus(workspace: Workspace) -> list[ProductType]:
    return [load_product_type(p, workspace=workspace) for p in sample_schema_files() + real_schema_files()]


@pytest.fixture(scope="module")
def sample_xml(workspace: Workspace) -> str:
    return render_table(build_table(sorted_types(_samples(workspace))))


@pytest.fixture(scope="module")
def corpus_xml(corpus_guard, workspace: Workspace) -> str:
    return render_table(build_table(sorted_types(_corpus(workspace))))


def _doc(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode("utf-8"))


def check_structure(root: etree._Element) -> None:
    """Every rule of the format the issue lists; raises AssertionError with the culprit."""
    assert root.tag == "Table" and list(root.attrib) == ["key"]
    assert [c.tag for c in root] == ["Title", "Title-Local", "Description", "Description-Local", "Color",
                                     "Position", "Schema"]
    schema = root.find("Schema")
    assert [c.tag for c in schema if c.tag != "Formulas"] == SCHEMA_ORDER
    if schema.find("Formulas") is not None:  # Product-Live's documented place: after the Matrix
        assert [c.tag for c in schema].index("Formulas") == SCHEMA_ORDER.index("Matrix") + 1
    # keys: non-empty, <= 255, no surrounding spaces, unique per list
    for parent in root.iter():
        keyed = [c for c in parent if c.get("key") is not None]
        for c in keyed:
            k = c.get("key")
            assert k and len(k) <= 255 and k == k.strip(), (c.tag, k)
        if parent.tag in ("Levels", "Partitions", "Identifiers", "Categories", "Fields", "Options", "Suffixes",
                          "Sections", "Screens", "Statuses", "Common", "Specific"):
            keys = Counter((c.tag, c.get("key")) for c in parent if c.get("key") is not None)
            dupes = [k for k, n in keys.items() if n > 1]
            assert not dupes, (parent.tag, dupes)
    level_keys = {e.get("key") for e in schema.iterfind("Levels/Level")}
    field_keys = {e.get("key") for e in schema.iterfind("Fields/Field")}
    identifier_keys = {e.get("key") for e in schema.iterfind("Identifiers/Identifier")}
    classification_keys = {e.get("key") for e in schema.iterfind("Classifications/Classification")}
    categories = {e.get("key") for e in schema.iterfind("Classifications/Classification/Categories/Category")}
    section_keys = {e.get("key") for e in schema.iterfind("Sections/Section")}
    cf_keys = {e.get("key") for e in schema.iterfind("Conditional-Formattings/Conditional-Formatting")}
    options = {
        f.get("key"): {o.get("key") for o in f.iterfind("Options/Option")} for f in schema.iterfind("Fields/Field")
    }
    assert 1 <= len(identifier_keys) <= 5
    for f in schema.iterfind("Fields/Field"):
        assert f.get("type") in TWELVE, f.get("key")
        assert f.get("level") in level_keys
        assert (f.findtext("Title") or "").strip(), f.get("key")
        assert len(f.findtext("Title")) <= 255
        if "SELECT" in f.get("type"):
            assert options[f.get("key")], f"select without options: {f.get('key')}"
        if f.find("Suffixes") is not None:
            assert f.get("type") == "NUMBER"
            assert sum(1 for s in f.iterfind("Suffixes/Suffix") if s.get("default") == "true") == 1, f.get("key")
    for e in schema.iter("Identifier"):
        if e.getparent().tag == "Identifiers":
            assert e.get("level") in level_keys
    # Matrix, rules, screens and sections point at declared things
    for spec in schema.iter("Specific"):
        assert spec.get("classification") in classification_keys
        assert spec.get("category") in categories
    for ref in schema.iterfind("Matrix//Field"):
        assert ref.get("key") in field_keys
    for cf in schema.iterfind("Conditional-Formattings/Conditional-Formatting"):
        assert cf.get("level") in level_keys
        for target in cf.iterfind("Statuses/Status/Rules/*/*"):
            declared = {"Field": field_keys, "Identifier": identifier_keys, "Classification": classification_keys}
            assert target.get("key") in declared[target.tag], (target.tag, target.get("key"))
            for rule in target:
                assert rule.tag.startswith("Rule-")
                other = rule.get("field")
                if other is not None:
                    assert other in field_keys, other
                    for o in rule.iterfind("Option"):
                        assert o.get("key") in options[other], (other, o.get("key"))
    for screen in schema.iterfind("Screens/Screen"):
        assert screen.get("level") in level_keys
        for section in screen.iter("Section"):
            assert section.get("key") in section_keys
        declared = {"Column-Field": field_keys, "Column-Identifier": identifier_keys,
                    "Column-Classification": classification_keys, "Column-Conditional-Formatting": cf_keys}
        for column in screen.iter(*declared):
            assert column.get("key") in declared[column.tag], (column.tag, column.get("key"))
    # Matrix: every field applies somewhere
    applied = {e.get("key") for e in schema.iterfind("Matrix//Field")}
    assert applied == field_keys


def test_sample_table_follows_the_format(sample_xml: str) -> None:
    check_structure(_doc(sample_xml))


def test_sample_table_validates_against_the_project_xsd(sample_xml: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(_doc(sample_xml)), schema.error_log


def test_xsd_rejects_an_unknown_field_type(sample_xml: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    broken = sample_xml.replace('type="SINGLE-LINE-TEXT"', 'type="BOOLEAN"', 1)
    assert not schema.validate(_doc(broken))


def test_structure_check_catches_a_dangling_reference(sample_xml: str) -> None:
    broken = sample_xml.replace('<Field key="item_name"/>', '<Field key="no_such_field"/>', 1)
    with pytest.raises(AssertionError):
        check_structure(_doc(broken))


def test_sample_table_snapshot(sample_xml: str, snapshot) -> None:
    assert sample_xml == snapshot


def test_sample_table_meaning(sample_xml: str) -> None:
    root = _doc(sample_xml)
    schema = root.find("Schema")
    fields = {f.get("key"): f for f in schema.iterfind("Fields/Field")}
    assert [c.get("key") for c in schema.iterfind(".//Category")] == ["CELLULAR_PHONE", "CELLULAR_PHONE_CASE",
                                                                       "HEADPHONES"]
    assert schema.find(".//Category[@key='HEADPHONES']/Title").text == "Casque audio"
    # levels: model ▸ colour ▸ article (a theme varies the colour with the capacity), identifiers per level
    assert [(lv.get("key"), lv.get("index")) for lv in schema.iterfind("Levels/Level")] == [
        ("MODEL", "1"), ("COLOR", "2"), ("ARTICLE", "3")]
    assert [(i.get("key"), i.get("index"), i.get("level")) for i in schema.iterfind("Identifiers/Identifier")] == [
        ("PARENT_SKU", "1", "MODEL"), ("COLOR_CODE", "1", "COLOR"), ("SKU", "1", "ARTICLE"), ("EAN", "2", "ARTICLE")]
    level = {k: f.get("level") for k, f in fields.items()}
    assert (level["item_name"], level["brand"], level["variation_theme_name"]) == ("MODEL",) * 3  # shared
    assert (level["color"], level["main_product_image_locator_media_location"]) == ("COLOR",) * 2
    assert (level["memory_storage_capacity"], level["compatible_phone_models_1"], level["list_price"]) == (
        "ARTICLE",) * 3  # the themes' other axes and the price vary per article
    assert level["merchant_suggested_asin"] == "ARTICLE" and level[publication.ASIN] == "ARTICLE"
    assert level[publication.parent_key(publication.ASIN)] == "MODEL"  # the parent listing's answer
    assert "parentage_level" not in fields and "child_parent_sku_relationship_parent_sku" not in fields
    # value + unit: one NUMBER with short French unit titles, the default that fits the product
    weight = fields["item_package_weight"]
    assert weight.get("type") == "NUMBER"
    suffixes = {s.get("key"): s for s in weight.iterfind("Suffixes/Suffix")}
    assert suffixes["grams"].get("default") == "true" and "pounds" in suffixes  # small electronics weigh grams
    # bullet points numbered up to Amazon's maximum (5)
    assert [k for k in fields if k.startswith("bullet_point_")] == [f"bullet_point_{i}" for i in range(1, 6)]
    assert "language_tag" not in " ".join(fields) and "marketplace_id" not in " ".join(fields)
    # booleans: SINGLE-SELECT Oui/Non
    batteries = fields["batteries_required"]
    assert batteries.get("type") == "SINGLE-SELECT"
    assert [o.findtext("Title") for o in batteries.iterfind("Options/Option")] == ["Oui", "Non"]
    assert fields["item_name"].find("Metadata[@key='amazon-path']").text == "item_name[0].value"
    assert fields["item_name"].findtext("Title-Local[@lang='fra']") == fields["item_name"].findtext("Title")
    assert fields["connectivity_technology"].get("type") == "MULTIPLE-SELECT"
    assert fields["product_description"].get("type") == "LONG-TEXT"
    assert fields["main_product_image_locator_media_location"].get("type") == "IMAGE"
    assert fields["product_site_launch_date"].get("type") == "DATE"
    assert fields["model_year"].findtext("Precision") == "0"
    # publication section written back by the publisher, on the article and (for the parent) on the model
    for key in (*publication.KEYS, *publication.PARENT_KEYS):
        assert key in fields
    status = [o.get("key") for o in fields[publication.STATUS].iterfind("Options/Option")]
    assert set(status) == {"ACCEPTED", "INVALID", "VALID", "ERROR", "NOT_SENT"}
    assert fields[publication.PUBLISHED_AT].get("type") == "DATE-TIME"
    # readiness per level: requirements shared by every type in Common, tighter of chars/bytes, EAN barcode
    indicators = {c.get("key"): c for c in schema.iterfind("Conditional-Formattings/Conditional-Formatting")}
    assert [(k, c.get("level")) for k, c in indicators.items()] == [
        ("AMAZON_READINESS_MODEL", "MODEL"), ("AMAZON_READINESS_COLOR", "COLOR"), ("AMAZON_READINESS", "ARTICLE"),
        ("AMAZON_STATUS_MODEL", "MODEL"), ("AMAZON_STATUS", "ARTICLE")]
    cf = indicators["AMAZON_READINESS_MODEL"]
    article = indicators["AMAZON_READINESS"]
    colour = indicators["AMAZON_READINESS_COLOR"]
    # a rule reads the fields of its own level only
    for key, indicator in indicators.items():
        keys = {t.get("key") for t in indicator.iter("Field", "Identifier")} | {
            c.get("source") for c in indicator.iter("Condition")}
        assert {level.get(k) for k in keys if k in level} <= {indicator.get("level")}, key
    assert colour.find(".//Field[@key='color']") is not None  # required on every colour
    assert article.find(".//Field[@key='memory_storage_capacity']/Rule-Required") is not None
    incomplete = cf.find("Statuses/Status[@key='INCOMPLETE']")
    assert incomplete.find("Rules/Common/Field[@key='item_name']/Rule-Required") is not None
    phone = incomplete.find("Rules/Specific[@category='CELLULAR_PHONE']")
    assert phone.find("Field[@key='operating_system']/Rule-Required") is not None
    conditional = incomplete.find(
        "Rules/Common/Field[@key='batteries_included']/Rule-Required-If-Another-Field-Has-Options")
    assert conditional.get("field") == "batteries_required"
    assert [o.get("key") for o in conditional.iterfind("Option")] == ["true"]
    invalid = cf.find("Statuses/Status[@key='INVALID']")
    article_invalid = article.find("Statuses/Status[@key='INVALID']")
    assert article_invalid.find("Rules/Common/Identifier[@key='EAN']/Rule-Barcode").get("type") == "EAN13"
    # generic_keyword: 500 characters but 250 UTF-8 bytes -> 250
    assert invalid.find(".//Field[@key='generic_keyword_1']/Rule-Max-Length").get("max") == "250"
    assert invalid.find(".//Field[@key='model_year']/Rule-Greater-Than-Or-Equal").get("value") == "1990"
    assert invalid.find(".//Field[@key='model_year']/Rule-Decimal-Places").get("precision") == "0"
    # compound rules: the identifier rule of a new product, in condition groups
    identity = article.find("Statuses/Status[@key='INCOMPLETE']/Rules/Common/Identifier[@key='EAN']/Rule-Condition")
    groups = [{(c.get("source"), c.get("operator")) for c in g}
              for g in identity.iterfind("Conditions/Condition-Group")]
    assert len(groups) >= 2 and all({("EAN", "EMPTY"), ("merchant_suggested_asin", "EMPTY")} <= g for g in groups)
    assert "EAN" in identity.findtext("Title") and "ASIN" in identity.findtext("Title")
    # per-type options: offered by formula, flagged by a rule
    formula = schema.find("Formulas/Field[@key='item_type_keyword']")
    offered = {r.find("Conditions/Condition-Group/Condition/Value").text: [v.text for v in r.iterfind("Action/Value")]
               for r in formula.iterfind("Rule")}
    assert "cell-phone-flip-cases" not in offered["CELLULAR_PHONE"] and "smartphones" in offered["CELLULAR_PHONE"]
    assert all(r.find("Action").get("type") == "SET_SELECTABLE_OPTIONS" for r in formula.iterfind("Rule"))
    other = invalid.find("Rules/Specific[@category='HEADPHONES']/Field[@key='item_type_keyword']/Rule-Condition")
    assert "cell-phone-flip-cases" in [v.text for v in other.iter("Value")]


def test_whole_corpus_and_samples_in_one_table(corpus_xml: str) -> None:
    root = _doc(corpus_xml)
    check_structure(root)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(root), schema.error_log
    s = root.find("Schema")
    assert [c.get("key") for c in s.iterfind(".//Category")] == [
        "CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES", "PRODUCT_A1F83G8C2ARO7P", "PRODUCT_ATVPDKIKX0DER"]
    # 10 publication fields on the article and their 10 twins on the model; the parentage fields are gone
    assert len(s.findall("Fields/Field")) == 268
    assert len(s.findall("Fields/Field/Options/Option")) + len(s.findall("Fields/Field/Suffixes/Suffix")) == 3235
    rules = [r for r in s.iterfind("Conditional-Formattings//Rules//*") if r.tag.startswith("Rule-")]
    # the rules on the parentage fields went with them (the levels say parent / child); two rules of the
    # US PRODUCT read an article's offer and a model's field: the publisher checks those; the model has its own
    # "Statut Amazon" (4 rules)
    assert len(rules) == 739
    assert len(s.findall("Matrix/Common/Field")) == 52  # with the model's 10 publication fields
    # a case lists up to 20 compatible phone models: 20 numbered fields, none dropped
    models = [f.get("key") for f in s.findall("Fields/Field") if f.get("key").startswith("compatible_phone_models_")]
    assert models == [f"compatible_phone_models_{i}" for i in range(1, 21)]
    # incompatible definitions of one key across product types never share a field
    assert s.find("Fields/Field[@key='item_name__product_atvpdkikx0der']") is not None


def test_report_counts(corpus_guard, workspace: Workspace) -> None:
    types = _corpus(workspace)
    report = build_report(types)
    assert (report["fields"], report["options"], report["rules"]) == (268, 3235, 739)
    phone = next(t for t in report["product_types"] if t["category"] == "CELLULAR_PHONE")
    assert phone["conditions"] == {"native": 21, "partial": 0, "publisher": 0} and phone["native_share"] == 1.0
    us = next(t for t in report["product_types"] if t["category"] == "PRODUCT_ATVPDKIKX0DER")
    assert us["conditions"]["publisher"] == 1 and all(e["reason"] for e in us["left_to_publisher"])
    assert sum(phone["conditions"].values()) == len(_samples(workspace)[0].conditions)
    assert any(e["path"] == "screen_size" for e in phone["unmapped"])
    # titles of a definition in another language are said to be so, once per product type
    assert (phone["locale"], phone["french_labels"]) == ("fr_FR", True)
    assert (us["locale"], us["french_labels"]) == ("en_US", False)
    lines = render_report(report).splitlines()
    foreign = [t for t in report["product_types"] if not t["french_labels"]]
    assert sum(line.startswith("  [labels]") for line in lines) == len(foreign)
    assert "  [labels] titles and help texts as Amazon wrote them for en_US, not in French" in lines


def test_rendering_is_byte_identical(sample_xml: str) -> None:
    fresh = _samples(Workspace.create())  # compiled again, independently of the session's workspace
    assert render_table(build_table(sorted_types(list(reversed(fresh))))) == sample_xml


def test_committed_generated_table_is_current(sample_xml: str) -> None:
    committed = (REPO / "generated" / "productlive" / "AMAZON_FR.xml").read_text(encoding="utf-8")
    assert committed == sample_xml


def test_regenerate_twice_rewrites_nothing(tmp_path: Path, workspace: Workspace) -> None:
    spec = EmitterSpec("productlive", "transpiler.emit.productlive:emit", ("productlive", "mapping"),
                       ("transpiler/emit", "templates/productlive"))
    first = regenerate(workspace, out_dir=tmp_path / "gen", cache_dir=tmp_path / "cache", emitters=[spec])
    outputs = sorted((tmp_path / "gen").rglob("*"))
    assert not first.runs[0].skipped and len(first.runs[0].written) == 4
    mtimes = {p: p.stat().st_mtime_ns for p in outputs}
    time.sleep(0.01)
    second = regenerate(workspace, out_dir=tmp_path / "gen", cache_dir=tmp_path / "cache", emitters=[spec])
    assert second.runs[0].skipped and second.product_types == []
    assert {p: p.stat().st_mtime_ns for p in outputs} == mtimes
    # a forced run runs the emitter again but still writes nothing (same bytes)
    forced = regenerate(workspace, out_dir=tmp_path / "gen", cache_dir=tmp_path / "cache", emitters=[spec],
                        force=True)
    assert not forced.runs[0].skipped and forced.runs[0].written == []
    # a damaged output invalidates the cache and is restored; a stray file is removed
    xml = tmp_path / "gen" / "productlive" / "AMAZON_FR.xml"
    good = xml.read_bytes()
    xml.write_text("damaged")
    stray = tmp_path / "gen" / "mapping" / "GONE.json"
    stray.write_text("{}")
    third = regenerate(workspace, out_dir=tmp_path / "gen", cache_dir=tmp_path / "cache", emitters=[spec])
    assert xml.read_bytes() == good and not stray.exists()
    assert third.runs[0].removed == [stray]


def test_regenerate_cli_is_a_no_op_on_an_unchanged_tree(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from transpiler.cli import main

    out = tmp_path / "gen"
    runner = CliRunner()
    env = {**os.environ}
    first = runner.invoke(main, ["regenerate", "--out", str(out)], env=env)
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["regenerate", "--out", str(out), "--report"], env=env)
    assert second.exit_code == 0, second.output
    assert "productlive: up to date" in second.output
    assert "CELLULAR_PHONE:" in second.output and "publisher only" in second.output


def _screens(root: etree._Element) -> list[etree._Element]:
    return root.findall("Schema/Screens/Screen")


def test_screens_by_task_per_level_with_the_identification_fixed(sample_xml: str) -> None:
    root = _doc(sample_xml)
    schema = root.find("Schema")
    screens = _screens(root)
    assert [(s.findtext("Title"), s.get("level")) for s in screens] == [
        ("Contenu (modèle)", "MODEL"), ("Conformité & logistique (modèle)", "MODEL"),
        ("Publication Amazon (modèle)", "MODEL"), ("Contenu (couleur)", "COLOR"), ("Images (couleur)", "COLOR"),
        ("Contenu (article)", "ARTICLE"), ("Publication Amazon (article)", "ARTICLE")]
    assert sorted(int(s.findtext("Position")) for s in screens) == list(range(1, len(screens) + 1))
    fixed = {"MODEL": [("Column-Identifier", "PARENT_SKU"), ("Column-Classification", "AMAZON_PRODUCT_TYPE"),
                       ("Column-Conditional-Formatting", "AMAZON_READINESS_MODEL"),
                       ("Column-Conditional-Formatting", "AMAZON_STATUS_MODEL")],
             "COLOR": [("Column-Identifier", "COLOR_CODE"),
                       ("Column-Conditional-Formatting", "AMAZON_READINESS_COLOR")],
             "ARTICLE": [("Column-Identifier", "SKU"), ("Column-Identifier", "EAN"),
                         ("Column-Conditional-Formatting", "AMAZON_READINESS"),
                         ("Column-Conditional-Formatting", "AMAZON_STATUS")]}
    for screen in screens:
        first = screen.find("Grid/Common/Section")
        assert first.get("key") == "amazon_identification" and first.get("position") == "1"
        assert [(c.tag, c.get("key")) for c in first] == fixed[screen.get("level")]
        assert all(c.get("fixed") == "true" for c in first)
        for grid_part in [screen.find("Grid/Common"), *screen.findall("Grid/Specific")]:
            positions = [int(sec.get("position")) for sec in grid_part.iterfind("Section")]
            assert len(positions) == len(set(positions)), (screen.get("key"), positions)
    article = next(s for s in screens if s.get("key") == "AMAZON_CONTENT").find("Grid/Common/Section")
    assert article.find("Column-Identifier[@key='SKU']").get("read-only") == "true"
    assert article.find("Column-Identifier[@key='EAN']").get("read-only") is None  # the EAN is typed in
    # every field is on exactly one screen, of its own level, for every category that has it
    placed: dict[str, list[str]] = {}
    levels = {f.get("key"): f.get("level") for f in schema.iterfind("Fields/Field")}
    for screen in screens:
        for column in screen.iter("Column-Field"):
            placed.setdefault(column.get("key"), []).append(screen.get("key"))
            assert levels[column.get("key")] == screen.get("level"), column.get("key")
    assert set(placed) == set(levels)
    assert all(len(set(where)) == 1 for where in placed.values())
    assert placed["item_name"] == ["AMAZON_CONTENT_MODEL"]
    assert placed["main_product_image_locator_media_location"] == ["AMAZON_IMAGES_COLOR"]
    assert placed["battery_cell_composition"] == ["AMAZON_COMPLIANCE_MODEL"]
    assert placed["item_package_weight"] == ["AMAZON_COMPLIANCE_MODEL"]
    assert set(placed[publication.STATUS]) == {"AMAZON_PUBLICATION"}
    assert set(placed[publication.parent_key(publication.STATUS)]) == {"AMAZON_PUBLICATION_MODEL"}
    # no screen carries 100 columns any more
    for screen in screens:
        assert len(screen.findall("Grid/Common//Column-Field")) < 60, screen.get("key")


def test_publication_fields_are_read_only_and_nothing_else_is(sample_xml: str) -> None:
    root = _doc(sample_xml)
    read_only = {c.get("key") for c in root.iter("Column-Field") if c.get("read-only") == "true"}
    assert read_only == set(publication.KEYS) | set(publication.PARENT_KEYS)


def test_per_type_sections_have_their_own_keys(sample_xml: str) -> None:
    root = _doc(sample_xml)
    declared = {s.get("key"): s.findtext("Title") for s in root.iterfind("Schema/Sections/Section")}
    common = {sec.get("key") for sec in root.iterfind("Schema/Screens/Screen/Grid/Common/Section")}
    owners: dict[str, set[str]] = {}
    for specific in root.iterfind("Schema/Screens/Screen/Grid/Specific"):
        for sec in specific.iterfind("Section"):
            owners.setdefault(sec.get("key"), set()).add(specific.get("category"))
    assert owners and not (set(owners) & common)
    assert all(len(categories) == 1 for categories in owners.values())
    assert set(owners) <= set(declared)
    assert declared["cellular_phone_case__content"] == "Étui pour téléphone portable : contenu (article)"
    assert declared["cellular_phone_case__content_model"] == "Étui pour téléphone portable : contenu (modèle)"
    titles = list(declared.values())
    assert len(titles) == len(set(titles))


def test_status_options_are_coloured_and_partitions_ordered(sample_xml: str) -> None:
    root = _doc(sample_xml)
    status = root.find(f"Schema/Fields/Field[@key='{publication.STATUS}']")
    colours = {o.get("key"): o.get("color") for o in status.iterfind("Options/Option")}
    assert colours["ACCEPTED"] == "GREEN" and colours["INVALID"] == "RED" and all(colours.values())
    positions = [p.findtext("Position") for p in root.iterfind("Schema/Partitions/Partition")]
    assert positions == ["1", "2"]


def test_classification_is_required_and_a_leaf(sample_xml: str) -> None:
    root = _doc(sample_xml)
    # the product type is the model's (classifications live on the first level only)
    for other in ("AMAZON_READINESS", "AMAZON_READINESS_COLOR"):
        indicator = root.find(f"Schema/Conditional-Formattings/Conditional-Formatting[@key='{other}']")
        assert indicator.find(".//Classification") is None
    cf = root.find("Schema/Conditional-Formattings/Conditional-Formatting[@key='AMAZON_READINESS_MODEL']")
    incomplete = cf.find("Statuses/Status[@key='INCOMPLETE']/Rules/Common/Classification[@key='AMAZON_PRODUCT_TYPE']")
    invalid = cf.find("Statuses/Status[@key='INVALID']/Rules/Common/Classification[@key='AMAZON_PRODUCT_TYPE']")
    assert incomplete.find("Rule-Required") is not None
    assert invalid.find("Rule-Is-Leaf") is not None


def test_statut_amazon_indicator_and_product_page_link(sample_xml: str) -> None:
    schema = _doc(sample_xml).find("Schema")
    cf = schema.find("Conditional-Formattings/Conditional-Formatting[@key='AMAZON_STATUS']")
    assert cf.findtext("Title") == "Statut Amazon" and cf.find("Default-Status").get("key") == "NOT_PUBLISHED"
    statuses = [(s.get("key"), s.findtext("Title"), s.findtext("Color"), s.findtext("Priority"))
                for s in cf.iterfind("Statuses/Status")]
    assert statuses == [("REFUSED", "Refusé", "RED", "1"), ("PROBLEM", "Problème après publication", "ORANGE", "2"),
                        ("PENDING", "En attente", "YELLOW", "3"), ("ACCEPTED", "Accepté", "GREEN", "4")]
    for status in cf.iterfind("Statuses/Status"):
        condition = status.find("Rules/Common/Field[@key='amazon_result']/Rule-Condition//Condition")
        assert condition.get("operator") == "IN" and condition.findtext("Value") == status.get("key")
    link = schema.find("Formulas/Field[@key='amazon_product_page']/Rule")
    assert link.find(".//Condition").get("source") == "amazon_asin"
    assert link.findtext("Action/Template") == 'https://www.amazon.fr/dp/{{source("amazon_asin")}}'
