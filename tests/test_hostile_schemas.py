"""Schemas written to hurt: recursive, cyclic, fanning out, nested deep, with non-JSON numbers.

Each is a real sample schema with one hostile change; each must end as one SchemaError naming
the file and the JSON pointer of the culprit (exit 2 with one line on the command line), never as
a RecursionError, a hang or a blow-up of memory.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import ASSETS, validator_with_model
from transpiler.cli import main
from transpiler.errors import SchemaError

Schema = dict[str, Any]


def _base() -> Schema:
    return json.loads((ASSETS / "CELLULAR_PHONE.json").read_text(encoding="utf-8"))


def _nested(schema: Schema, node: Any) -> None:
    """Give the items of `item_name` one more property, `nested`."""
    schema["properties"]["item_name"]["items"]["properties"]["nested"] = node


def _self_loop(schema: Schema) -> None:
    schema["$defs"]["loop"] = {"type": "object", "properties": {"child": {"$ref": "#/$defs/loop"}}}
    _nested(schema, {"$ref": "#/$defs/loop"})


def _array_loop(schema: Schema) -> None:
    schema["$defs"]["loop"] = {"type": "array", "items": {"$ref": "#/$defs/loop"}}
    _nested(schema, {"$ref": "#/$defs/loop"})


def _chain(schema: Schema) -> None:
    schema["$defs"]["a"] = {"$ref": "#/$defs/b"}
    schema["$defs"]["b"] = {"$ref": "#/$defs/a"}
    _nested(schema, {"$ref": "#/$defs/a"})


def _root(schema: Schema) -> None:
    _nested(schema, {"$ref": "#"})


def _bad_pattern(schema: Schema) -> None:
    _nested(schema, {"type": "string", "pattern": "^([A-Z]+$"})


def _bad_pattern_in_rule(schema: Schema) -> None:
    schema["allOf"].append({"if": {"required": ["brand"]}, "then": {"properties": {"brand": {"items": {
        "properties": {"value": {"pattern": "[0-9"}}}}}}})


def _attribute_loop(schema: Schema) -> None:
    schema["$defs"]["t"] = {"type": "array", "items": {"type": "object", "properties": {
        "value": {"type": "string"}, "more": {"$ref": "#/$defs/t"}}}}
    schema["properties"]["recursive_attribute"] = {"$ref": "#/$defs/t"}


def _rule_loop(schema: Schema) -> None:
    schema["$defs"]["r"] = {"allOf": [{"$ref": "#/$defs/r"}]}
    schema["allOf"].append({"$ref": "#/$defs/r"})


def _then_loop(schema: Schema) -> None:
    schema["$defs"]["r"] = {"type": "object", "properties": {"x": {"$ref": "#/$defs/r"}}}
    schema["allOf"].append({"if": {"required": ["brand"]}, "then": {"properties": {"brand": {"$ref": "#/$defs/r"}}}})


def _fan_out(schema: Schema) -> None:
    """Each level refers twice to the next: 2**40 leaves once expanded."""
    for i in range(40):
        schema["$defs"][f"f{i}"] = {"type": "object", "properties": {"a": {"$ref": f"#/$defs/f{i + 1}"},
                                                                      "b": {"$ref": f"#/$defs/f{i + 1}"}}}
    schema["$defs"]["f40"] = {"type": "string"}
    _nested(schema, {"$ref": "#/$defs/f0"})


def _fan_out_rule(schema: Schema) -> None:
    for i in range(30):
        schema["$defs"][f"g{i}"] = {"anyOf": [{"$ref": f"#/$defs/g{i + 1}"}, {"$ref": f"#/$defs/g{i + 1}"}]}
    schema["$defs"]["g30"] = {"required": ["brand"]}
    schema["allOf"].append({"if": {"$ref": "#/$defs/g0"}, "then": {"required": ["color"]}})


def _deep_rule(schema: Schema) -> None:
    node: Any = {"required": ["brand"]}
    for _ in range(70):
        node = {"not": node}
    schema["allOf"].append({"if": node, "then": {"required": ["color"]}})


HOSTILE: dict[str, tuple[Callable[[Schema], None], str]] = {
    # name: (change, pointer the error must name: a prefix, since loops are found one lap in)
    "self-loop": (_self_loop, "/properties/item_name/items/properties/nested/properties/child/$ref"),
    "array-loop": (_array_loop, "/properties/item_name/items/properties/nested/items/$ref"),
    "ref-chain": (_chain, "/properties/item_name/items/properties/nested/$ref"),
    "root-ref": (_root, "/properties/item_name/items/properties/nested/"),
    "attribute-loop": (_attribute_loop, "/properties/recursive_attribute/items/properties/more/"),
    "rule-loop": (_rule_loop, "/allOf/"),
    "then-loop": (_then_loop, "/allOf/"),
    "fan-out": (_fan_out, "/properties/item_name/items/properties/nested/"),
    "fan-out-rule": (_fan_out_rule, "/allOf/"),
    "deep-rule": (_deep_rule, "/allOf/"),
    "bad-pattern": (_bad_pattern, "/properties/item_name/items/properties/nested/pattern"),
    "bad-pattern-in-rule": (_bad_pattern_in_rule, "/allOf/"),
}


def _write(tmp_path: Path, name: str) -> Path:
    schema = copy.deepcopy(_base())
    HOSTILE[name][0](schema)
    path = tmp_path / "CELLULAR_PHONE.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_schema_is_one_schema_error_with_its_pointer(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name)
    with pytest.raises(SchemaError) as caught:
        validator_with_model(path)
    assert caught.value.source == str(path)
    assert caught.value.pointer.startswith(HOSTILE[name][1]), caught.value.pointer


@pytest.mark.parametrize("name", ["self-loop", "fan-out", "deep-rule", "bad-pattern"])
@pytest.mark.parametrize("command", ["inspect", "check", "regenerate"])
def test_hostile_schema_on_the_command_line_is_one_line(tmp_path: Path, name: str, command: str) -> None:
    path = _write(tmp_path, name)
    payload = tmp_path / "payload.json"
    payload.write_text("{}", encoding="utf-8")
    args = {"inspect": ["inspect", str(path)], "check": ["check", str(path), str(payload)],
            "regenerate": ["regenerate", "--assets", str(tmp_path), "--out", str(tmp_path / "out")]}[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: ") and f"{path}#/" in line


@pytest.mark.parametrize(("text", "pointer"), [
    ('{"type": "object", "properties": {"a": {"maxLength": NaN}}}', "/properties/a/maxLength"),
    ('{"type": "object", "properties": {"a": {"maximum": 1e400}}}', "/properties/a/maximum"),
    ('{"type": "object", "properties": ' + '{"a": ' * 3000 + "{}" + "}" * 3000 + "}", ""),
    ('{"type": "object", "properties": ' + '{"a": ' * 80 + "{}" + "}" * 80 + "}", "/properties/a/a/a/a"),
], ids=["NaN", "1e400", "nested-3000", "nested-80"])
def test_schema_file_with_non_json_numbers_or_deep_nesting(tmp_path: Path, text: str, pointer: str) -> None:
    path = tmp_path / "X.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        validator_with_model(path)
    assert caught.value.pointer.startswith(pointer)


def test_a_deep_but_finite_schema_compiles(tmp_path: Path) -> None:
    schema = _base()
    node: Any = {"type": "string"}
    for _ in range(25):
        node = {"type": "object", "properties": {"x": node}}
    _nested(schema, node)
    path = tmp_path / "CELLULAR_PHONE.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    validator = validator_with_model(path)
    leaf = "item_name.nested" + ".x" * 25
    assert any(leaf_.path == leaf for leaf_ in validator.product_type.attribute("item_name").leaves)
