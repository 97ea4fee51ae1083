"""`pl-amazon inspect`: human and JSON output, snapshots of the samples, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import amazon_dir
from transpiler.cli import main

SAMPLES = ["CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", SAMPLES)
def test_inspect_json_snapshot(name, snapshot_json):
    result = invoke("inspect", name, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document == snapshot_json
    # Meaning, beyond the snapshot:
    assert document["product_type"] == name
    assert document["marketplace_id"] == "A13V1IB3VIYZZH" and document["locale"] == "fr_FR"
    report = document["report"]
    assert report["attributes"] == len(document["attributes"]) >= 40
    assert report["leaves"] == sum(len(a["leaves"]) for a in document["attributes"])
    assert report["conditions"] == len(document["conditions"])
    assert report["opaque_conditions"] == sum(not c["expressible"] for c in document["conditions"])
    for attribute in document["attributes"]:
        assert {"name", "title", "kind", "required", "localized", "leaves"} <= set(attribute)
        for leaf in attribute["leaves"]:
            assert {"path", "kind", "options", "constraints"} <= set(leaf)
    for condition in document["conditions"]:
        assert {"when", "then", "source", "expressible"} <= set(condition)
        assert condition["source"].startswith("/")
    identifier_rules = [
        c for c in document["conditions"] if "externally_assigned_product_identifier" in (c["then"] or "")
    ]
    assert identifier_rules, "the identifier rule must come out readable"
    # every sample type has themes, each tied to its attributes by the schema's own rules
    themes = document["variations"]["themes"]
    assert themes and report["variation_themes"] == len(themes)
    assert all(t["attributes"] and t["derived_from"] == "rules" and not t["unresolved"] for t in themes)
    assert {"name": "COLOR", "attributes": ["color"]}.items() <= next(t for t in themes if t["name"] == "COLOR").items()


THEMES = {
    "CELLULAR_PHONE": "COLOR/MEMORY_STORAGE_CAPACITY (Couleur/Capacité de stockage): color, memory_storage_capacity",
    "CELLULAR_PHONE_CASE": "COLOR/COMPATIBLE_PHONE_MODELS (Couleur/Modèles de téléphones compatibles): color, "
                           "compatible_phone_models",
    "HEADPHONES": "COLOR (Couleur): color",
}


@pytest.mark.parametrize("name", SAMPLES)
def test_inspect_shows_the_themes(name):
    result = invoke("inspect", name)
    assert result.exit_code == 0
    assert "variation themes" in result.output
    assert THEMES[name] in result.output


def test_inspect_human_table():
    result = invoke("inspect", "HEADPHONES")
    assert result.exit_code == 0
    assert "item_name" in result.output
    assert "conditions" in result.output


def test_inspect_real_schema_by_path():
    result = invoke("inspect", str(amazon_dir() / "product-types/US/PRODUCT.json"), "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["report"]["conditions"] == 32


def _assert_one_line_error(result, *fragments: str):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_invalid_json(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"properties": {')
    _assert_one_line_error(invoke("inspect", str(bad)), str(bad), "invalid JSON", "line 1")


def test_schema_failing_the_meta_schema(tmp_path: Path):
    bad = tmp_path / "meta.json"
    bad.write_text(json.dumps({"type": "object", "properties": {"a": {"type": "array", "maxUniqueItems": "two"}}}))
    _assert_one_line_error(invoke("inspect", str(bad)), f"{bad}#/properties/a/maxUniqueItems", "meta-schema")


@pytest.mark.parametrize("command", ["inspect", "regenerate"])
def test_a_listing_is_not_a_schema(tmp_path: Path, command: str):
    """A payload (or any JSON object without attributes) among the definitions is refused by name,
    not turned into an empty product type and category."""
    stray = tmp_path / "LISTING.json"
    stray.write_text(json.dumps({"item_name": [{"value": "Coque", "marketplace_id": "A13V1IB3VIYZZH"}]}))
    args = ["inspect", str(stray)] if command == "inspect" else [
        "regenerate", "--assets", str(tmp_path), "--out", str(tmp_path / "out")]
    _assert_one_line_error(invoke(*args), str(stray), "no attribute")
    assert not (tmp_path / "out").exists()


def test_unresolvable_ref(tmp_path: Path):
    bad = tmp_path / "ref.json"
    bad.write_text(json.dumps({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}))
    _assert_one_line_error(invoke("inspect", str(bad)), f"{bad}#/properties/a/$ref", "unresolvable")


def test_cyclic_ref(tmp_path: Path):
    bad = tmp_path / "cycle.json"
    schema = {
        "type": "object",
        "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}},
        "properties": {"a": {"$ref": "#/$defs/x"}},
    }
    bad.write_text(json.dumps(schema))
    _assert_one_line_error(invoke("inspect", str(bad)), str(bad), "cyclic $ref")


def test_ten_megabyte_schema(tmp_path: Path):
    big = tmp_path / "big.json"
    filler = {f"p{i}": {"type": "string", "description": "x" * 1000} for i in range(10_500)}
    big.write_text(json.dumps({"type": "object", "properties": filler}))
    assert big.stat().st_size > 10 * 1024 * 1024
    _assert_one_line_error(invoke("inspect", str(big)), str(big), "limit")


def test_unknown_product_type():
    _assert_one_line_error(invoke("inspect", "FLYING_CARPET"), "FLYING_CARPET", "CELLULAR_PHONE")


def test_debug_shows_the_traceback(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text("[")
    result = CliRunner().invoke(main, ["--debug", "inspect", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" in result.output

