"""Product type schemas with shapes Amazon's schemas seen so far do not use (`tests/schema_variants.py`).

Each variant rewrites one shape of a sample schema and still passes Amazon's meta-schema. It is
either compiled, and then the generated model alone, `validate()` and the reference validator give
the same verdict on every probe payload, the model gives back what it accepted, the Product-Live
structure is emitted and the field mapping carries the accepted listings both ways; or it is refused
as a whole with one SchemaError naming the file and the JSON pointer of the shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from pydantic import ValidationError

from tests.conftest import validator_with_model
from tests.differential_cases import pairs, reference_places
from tests.schema_variants import VARIANT_NAMES, Variant, variant
from transpiler.amazon.vocabulary import meta_schema_errors, validator_for
from transpiler.cli import main
from transpiler.config import Settings
from transpiler.emit.productlive import render_table
from transpiler.emit.structure import build_table
from transpiler.errors import SchemaError
from transpiler.mapping.builder import build_mapping
from transpiler.mapping.field_codec import attributes_to_fields, fields_to_attributes
from transpiler.mapping.json_codec import mapping_from_document, mapping_json

#: Variants refused on purpose, and the words that say why: `dependencies` (validators disagree on
#: it), attributes and objects in them not typed as such.
WHY = {
    "dependencies-legacy": "dependentRequired",
    "attribute-type-list-with-null": "several JSON types",
    "attribute-type-list": "several JSON types",
    "item-type-list": "several JSON types",
    "attribute-without-type": "`type: array` is required",
    "item-without-type": "`type: object` is required",
    "nested-object-without-type": "`type: object` is required",
}
REFUSED = set(WHY)
#: A weight without its (optional) unit comes back with the field's default unit, a third member
#: `maxProperties: 2` refuses (`validate()` says so before anything is sent).
UNIT_FILLED = {"item-min-max-properties"}
#: A value schema `true`: the value may be anything.
ANYTHING_ACCEPTED = {"value-true-schema"}
#: Variants whose schema accepts no listing at all (a value schema `false`, a required attribute
#: the closed root never declares).
NOTHING_ACCEPTED = {"value-false-schema", "root-required-undeclared"}


def _written(tmp_path: Path, found: Variant) -> Path:
    path = tmp_path / "HEADPHONES.json"
    path.write_text(json.dumps(found.schema), encoding="utf-8")
    return path


def _model_verdict(model: type, payload: dict) -> bool:
    try:
        listing = model.model_validate(payload)  # type: ignore[attr-defined]
    except ValidationError:
        return False
    assert json.dumps(listing.to_amazon(), sort_keys=True) == json.dumps(payload, sort_keys=True)  # same JSON types
    return True


def _holds_empty(value: object) -> bool:
    """Whether null, an empty text, list or object lies somewhere in `value`."""
    if value is None or value in ("", [], {}):
        return True
    if isinstance(value, dict):
        return any(_holds_empty(v) for v in value.values())
    return isinstance(value, list) and any(_holds_empty(v) for v in value)


def test_every_variant_passes_amazons_meta_schema() -> None:
    for name in VARIANT_NAMES:
        found = variant(name)
        assert found is not None and not meta_schema_errors(found.schema), name


@pytest.mark.parametrize("name", sorted(set(VARIANT_NAMES) - REFUSED))
def test_variant_is_judged_as_the_schema_says(name: str, tmp_path: Path) -> None:
    found = variant(name)
    assert found is not None
    validator = validator_with_model(_written(tmp_path, found))
    reference = validator_for(found.schema)
    verdicts = []
    for payload in found.payloads:
        expected = reference.is_valid(payload)
        verdicts.append(expected)
        shown = json.dumps(payload, ensure_ascii=False)[:600]
        assert (not validator.check(payload)) == expected, shown
        assert _model_verdict(validator.model, payload) == expected, shown
        issues = validator.check(payload)
        assert [i.path for i in issues] == [i.path for i in validator.parse(payload)[1]], shown
        # every attribute the reference faults is named (its keywords and the place of a problem of
        # the whole listing are those of another library: jsonschema-rs says `minContains`, the
        # attribute a `dependentRequired` misses...)
        faulted = {attribute for attribute, _ in pairs(reference_places(reference.iter_errors(payload)))}
        assert faulted - {""} <= {i.attribute for i in issues}, shown
    assert True in verdicts or name in NOTHING_ACCEPTED, "no probe is accepted"
    assert False in verdicts or name in ANYTHING_ACCEPTED, "no probe is refused"
    # The table structure is emitted, and the field mapping carries each accepted listing both ways.
    product_type = validator.product_type
    etree.fromstring(render_table(build_table([product_type])).encode())
    mapping = build_mapping(product_type)
    assert mapping_from_document(json.loads(mapping_json(mapping))) == mapping  # as the publisher reads it
    for payload, accepted in zip(found.payloads, verdicts, strict=True):
        if accepted and not _holds_empty(payload):  # (an empty Product-Live field is an absent value)
            fields = attributes_to_fields(mapping, payload)
            back = fields_to_attributes(mapping, fields, Settings())
            assert attributes_to_fields(mapping, back) == fields
            if not mapping.unmapped and set(payload) <= {layout.name for layout in mapping.layouts} and (
                    name not in UNIT_FILLED):
                assert reference.is_valid(back), json.dumps(back, ensure_ascii=False)[:600]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_variant_is_refused_with_its_pointer(name: str, tmp_path: Path) -> None:
    found = variant(name)
    assert found is not None
    path = _written(tmp_path, found)
    with pytest.raises(SchemaError) as caught:
        validator_with_model(path)
    assert caught.value.source == str(path)
    assert caught.value.pointer == found.pointer
    assert WHY[name] in str(caught.value)


def test_a_refused_variant_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    found = variant("item-without-type")
    assert found is not None
    path = _written(tmp_path, found)
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps(found.payloads[0]), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), str(payload)])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and f"{path}#{found.pointer}" in line
