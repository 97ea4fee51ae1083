"""transpiler.compiler.diff: what changed between two versions of a product type."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from click.testing import CliRunner

from transpiler.cli import main
from transpiler.compiler.diff import diff_document, diff_product_types, render_diff
from transpiler.compiler.loading import load_product_type
from transpiler.compiler.product_type import compile_product_type


def attribute(value: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["value"],
            "properties": {"value": value, "marketplace_id": {"type": "string"}},
            "additionalProperties": False,
        },
        **extra,
    }


def tiny(version: str = "V1") -> dict[str, Any]:
    return {
        "$id": "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/TINY",
        "type": "object",
        "required": ["item_name"],
        "properties": {
            "item_name": attribute({"type": "string", "maxLength": 200}),
            "color": attribute({"type": "string", "enum": ["rouge", "bleu"], "enumNames": ["Rouge", "Bleu"]}),
            "water_resistance_level": attribute(
                {"type": "string", "enum": ["waterproof", "water_resistant"]}
            ),
            "old_size": attribute({"type": "string"}),
        },
        "allOf": [
            {
                "if": {"required": ["color"]},
                "then": {"required": ["old_size"]},
            }
        ],
        "additionalProperties": False,
    }


def compiled(schema: dict[str, Any], version: str) -> Any:
    return compile_product_type(
        schema, envelope={"productType": "TINY", "productTypeVersion": {"version": version}}, source="tiny.json"
    )


def test_identical_versions_have_no_change() -> None:
    old = compiled(tiny(), "V1")
    diff = diff_product_types(old, old)
    assert not diff.changed
    assert "no change" in render_diff(diff)


def test_every_kind_of_change_is_reported() -> None:
    old_schema = tiny()
    new_schema = copy.deepcopy(old_schema)
    props = new_schema["properties"]
    props["model_name"] = attribute({"type": "string"})  # attribute added
    del props["old_size"]  # attribute removed
    props["color"]["items"]["properties"]["value"]["enum"] = ["rouge", "vert"]  # option added and removed
    props["color"]["items"]["properties"]["standardized"] = {"type": "string"}  # field added
    props["water_resistance_level"]["items"]["properties"]["value"]["$lifecycle"] = {
        "enumDeprecated": ["waterproof"],
        "enumReplacement": [{"value": "waterproof", "replacements": ["water_resistant"]}],
    }
    props["item_name"]["$lifecycle"] = {"replacedBy": ["1/model_name"]}
    new_schema["required"] = ["model_name"]  # item_name no longer required, model_name now
    new_schema["allOf"] = [{"if": {"required": ["color"]}, "then": {"required": ["model_name"]}}]

    diff = diff_product_types(compiled(old_schema, "V1"), compiled(new_schema, "V2"))

    assert (diff.old_version, diff.new_version) == ("V1", "V2")
    assert diff.attributes_added == ("model_name",)
    assert diff.attributes_removed == ("old_size",)
    assert diff.fields_added == ("color.standardized",)
    assert [(c.path, c.added, c.removed) for c in diff.options] == [("color.value", ("vert",), ("bleu",))]
    assert (diff.required_added, diff.required_removed) == (("model_name",), ("item_name",))
    assert [c.attributes for c in diff.conditions_added] == [("color", "model_name")]
    assert [c.attributes for c in diff.conditions_removed] == [("color", "old_size")]
    marks = {d.path: d for d in diff.deprecations}
    assert marks["item_name"].replaced_by == ("1/model_name",)
    assert marks["water_resistance_level.value"].values == ("waterproof",)
    assert marks["water_resistance_level.value"].replacements == (("waterproof", ("water_resistant",)),)

    document = diff_document(diff)
    assert json.loads(json.dumps(document)) == document
    assert document["counts"]["options_added"] == 1 and document["counts"]["deprecations"] == 2
    report = render_diff(diff)
    assert "attributes added (1):\n    model_name" in report
    assert '"waterproof" (use water_resistant)' in report


def test_a_deprecation_already_known_is_not_reported_again() -> None:
    schema = tiny()
    schema["properties"]["water_resistance_level"]["items"]["properties"]["value"]["$lifecycle"] = {
        "enumDeprecated": ["waterproof"]
    }
    diff = diff_product_types(compiled(schema, "V1"), compiled(copy.deepcopy(schema), "V2"))
    assert diff.deprecations == () and not diff.changed


def test_rules_are_matched_by_meaning_not_position() -> None:
    old_schema = tiny()
    old_schema["allOf"].insert(0, {"if": {"required": ["item_name"]}, "then": {"required": ["color"]}})
    new_schema = copy.deepcopy(old_schema)
    new_schema["allOf"].reverse()  # same rules, other allOf indexes
    diff = diff_product_types(compiled(old_schema, "V1"), compiled(new_schema, "V2"))
    assert diff.conditions_added == () and diff.conditions_removed == ()


@pytest.mark.corpus
def test_real_gb_product_against_us_product(amazon) -> None:
    gb_path = amazon / "product-types" / "A1F83G8C2ARO7P_en_GB" / "PRODUCT.json"
    us_path = amazon / "product-types" / "US" / "PRODUCT.json"
    gb_raw, us_raw = json.loads(gb_path.read_text()), json.loads(us_path.read_text())
    gb, us = load_product_type(gb_path, check=False), load_product_type(us_path, check=False)

    diff = diff_product_types(gb, us)

    # counts derived from the raw JSON, independently of the compiler
    assert set(diff.attributes_added) == set(us_raw["properties"]) - set(gb_raw["properties"])
    assert set(diff.attributes_removed) == set(gb_raw["properties"]) - set(us_raw["properties"])
    assert len(diff.attributes_added) == 26 and diff.attributes_removed == ()
    assert set(diff.required_added) == set(us_raw["required"]) - set(gb_raw.get("required", []))
    assert len(us.conditions) - len(gb.conditions) == len(diff.conditions_added) - len(diff.conditions_removed)
    currency = {c.path: c for c in diff.options}["purchasable_offer.currency"]
    assert (currency.added, currency.removed) == (("USD",), ("GBP",))
    assert diff.deprecations == ()


def test_diff_command_text_and_json(tmp_path) -> None:
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    new_schema = tiny()
    new_schema["properties"]["model_name"] = attribute({"type": "string"})
    old_path.write_text(json.dumps(tiny()))
    new_path.write_text(json.dumps(new_schema))
    runner = CliRunner()
    text = runner.invoke(main, ["diff", str(old_path), str(new_path)])
    assert text.exit_code == 0, text.output
    assert "attributes added (1):" in text.output and "model_name" in text.output
    as_json = runner.invoke(main, ["diff", "--json", str(old_path), str(new_path)])
    assert json.loads(as_json.output)["attributes"]["added"] == ["model_name"]
    missing = runner.invoke(main, ["diff", str(old_path), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.output
