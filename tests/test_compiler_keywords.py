"""One tiny hand-written schema per keyword the compiler understands."""

from __future__ import annotations

import pytest

from transpiler.compiler import compile_product_type
from transpiler.compiler.model import Kind
from transpiler.errors import SchemaError
from transpiler.rules.conditions import (
    AllowValues,
    Forbid,
    Limit,
    Not,
    Present,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
)
from transpiler.rules.describe import describe
from transpiler.rules.evaluate import broken

DEFS = {
    "marketplace_id": {"type": "string", "default": "A13V1IB3VIYZZH"},
    "language_tag": {"type": "string", "default": "fr_FR"},
}


def attr(value: dict, *, localized: bool = False, **array) -> dict:
    props = {"value": value, "marketplace_id": {"$ref": "#/$defs/marketplace_id"}}
    if localized:
        props["language_tag"] = {"$ref": "#/$defs/language_tag"}
    return {
        "type": "array",
        "selectors": ["marketplace_id", "language_tag"] if localized else ["marketplace_id"],
        **array,
        "items": {"type": "object", "required": ["marketplace_id", "value"], "properties": props},
    }


def schema(properties: dict, **root) -> dict:
    return {"$defs": DEFS, "type": "object", "properties": properties, **root}


def one_leaf(value: dict, **kwargs):
    pt = compile_product_type(schema({"a": attr(value, **kwargs)}))
    (leaf,) = pt.attribute("a").leaves
    return pt.attribute("a"), leaf


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ({"type": "string"}, Kind.TEXT),
        ({"type": "number"}, Kind.NUMBER),
        ({"type": "integer"}, Kind.INTEGER),
        ({"type": "boolean", "enum": [False, True], "enumNames": ["Non", "Oui"]}, Kind.BOOLEAN),
        ({"type": "string", "enum": ["a", "b"]}, Kind.ENUM),
        ({"type": "string", "anyOf": [{"type": "string"}, {"type": "string", "enum": ["x"]}]}, Kind.OPEN_ENUM),
        ({"type": "string", "format": "date"}, Kind.DATE),
        ({"type": "string", "format": "date-time"}, Kind.DATE_TIME),
        ({"type": "string", "oneOf": [{"format": "date"}, {"format": "date-time"}]}, Kind.DATE_TIME),
        ({"type": "string", "format": "uri"}, Kind.URL),
        ({"type": "object"}, Kind.OBJECT),
    ],
)
def test_kinds(value, kind):
    _attribute, leaf = one_leaf(value)
    assert leaf.kind == kind


def test_options_keep_enum_order_and_labels():
    _a, leaf = one_leaf({"type": "string", "enum": ["b", "a", "c"], "enumNames": ["Bé", "A", "Cé"]})
    assert [(o.value, o.label) for o in leaf.options] == [("b", "Bé"), ("a", "A"), ("c", "Cé")]


def test_open_enum_options_come_from_the_enum_branch():
    _a, leaf = one_leaf(
        {"anyOf": [{"type": "string"}, {"type": "string", "enum": ["noir", "blanc"], "enumNames": ["Noir", "Blanc"]}]}
    )
    assert leaf.kind == Kind.OPEN_ENUM
    assert [o.label for o in leaf.options] == ["Noir", "Blanc"]


def test_constraints():
    _a, leaf = one_leaf(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "maxUtf8ByteLength": 150,
            "minUtf8ByteLength": 2,
            "pattern": "^[A-Z]+$",
        }
    )
    c = leaf.constraints
    assert (c.min_length, c.max_length, c.max_utf8_bytes, c.min_utf8_bytes, c.pattern) == (1, 200, 150, 2, "^[A-Z]+$")
    assert c.effective_max_length == 150
    _a, number = one_leaf({"type": "number", "minimum": 0, "maximum": 10, "exclusiveMaximum": 11, "multipleOf": 0.5})
    assert (number.constraints.minimum, number.constraints.maximum) == (0, 10)
    assert (number.constraints.exclusive_maximum, number.constraints.multiple_of) == (11, 0.5)


def test_array_constraints_and_multiplicity():
    attribute, _leaf = one_leaf({"type": "string"}, localized=True, minItems=1, maxUniqueItems=5, minUniqueItems=1)
    assert attribute.localized and attribute.marketplace_scoped
    assert attribute.constraints.max_unique_items == 5
    assert attribute.constraints.selectors == ("marketplace_id", "language_tag")
    assert attribute.max_values == 5
    attribute, _leaf = one_leaf({"type": "string"}, maxItems=3)
    assert attribute.max_values == 3


def test_hidden_editable_default_lifecycle():
    _a, leaf = one_leaf(
        {
            "type": "string",
            "hidden": True,
            "editable": False,
            "default": "x",
            "enum": ["x", "y"],
            "$lifecycle": {"enumDeprecated": ["y"], "enumReplacement": [{"value": "y", "replacements": ["x"]}]},
        }
    )
    assert leaf.hidden and not leaf.editable and leaf.default == "x"
    assert leaf.lifecycle.enum_deprecated == ("y",)
    assert [o.deprecated for o in leaf.options] == [False, True]
    assert leaf.lifecycle.enum_replacement == (("y", ("x",)),)


def test_nested_value_unit_leaves():
    dims = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["length", "marketplace_id"],
            "properties": {
                "length": {
                    "type": "object",
                    "required": ["value", "unit"],
                    "properties": {
                        "value": {"type": "number"},
                        "unit": {"type": "string", "enum": ["centimeters"], "enumNames": ["Centimètres"]},
                    },
                },
                "width": {"type": "object", "properties": {"value": {"type": "number"}}},
                "marketplace_id": {"$ref": "#/$defs/marketplace_id"},
            },
        },
    }
    pt = compile_product_type(schema({"dims": dims}))
    leaves = {leaf.path: leaf for leaf in pt.attribute("dims").leaves}
    assert set(leaves) == {"dims.length.value", "dims.length.unit", "dims.width.value"}
    assert leaves["dims.length.value"].required
    assert not leaves["dims.width.value"].required
    assert pt.attribute("dims").context_paths == ("dims.marketplace_id",)


def test_cyclic_ref_is_a_schema_error_with_pointer():
    bad = schema({"a": {"$ref": "#/$defs/loop"}})
    bad["$defs"] = {**DEFS, "loop": {"$ref": "#/$defs/loop2"}, "loop2": {"$ref": "#/$defs/loop"}}
    with pytest.raises(SchemaError) as info:
        compile_product_type(bad, source="x.json")
    assert info.value.pointer.startswith("/properties/a")
    assert "cyclic" in info.value.message


def test_unresolvable_ref_is_a_schema_error_with_pointer():
    with pytest.raises(SchemaError) as info:
        compile_product_type(schema({"a": attr({"$ref": "#/$defs/nope"})}), source="x.json")
    assert info.value.pointer == "/properties/a/items/properties/value/$ref"
    with pytest.raises(SchemaError):
        compile_product_type(schema({"a": {"$ref": "https://example.com/remote.json"}}))


# --- conditions --------------------------------------------------------------------------------

BOOL = {"type": "boolean", "enum": [False, True]}


def _flag(name: str, value: bool) -> dict:
    return {
        "required": [name],
        "properties": {name: {"contains": {"required": ["value"], "properties": {"value": {"enum": [value]}}}}},
    }


def test_if_then_boolean_true_requires():
    pt = compile_product_type(
        schema(
            {"br": attr(BOOL), "bi": attr(BOOL)},
            allOf=[{"if": _flag("br", True), "then": {"required": ["bi"]}}],
        )
    )
    (c,) = pt.conditions
    assert c.when == ValueIn("br.value", (True,), "any")
    assert c.then == (Require(("bi",)),)
    assert describe(c) == "when br.value is true then require bi"
    assert broken(c, {"br": [{"value": True}]}) == ["bi"]
    assert broken(c, {"br": [{"value": False}]}) == []
    assert broken(c, {"br": [{"value": True}], "bi": [{"value": True}]}) == []


def test_not_required_predicate_and_forbid_effect():
    pt = compile_product_type(
        schema(
            {"a": attr({"type": "string"}), "b": attr({"type": "string"})},
            allOf=[{"if": {"not": {"required": ["a"]}}, "then": {"not": {"required": ["b"]}}}],
        )
    )
    (c,) = pt.conditions
    assert c.when == Not(Present("a", "scalar"))
    assert c.then == (Forbid(("b",)),)
    assert broken(c, {"b": [{"value": "x"}]}) == ["b"]
    assert broken(c, {"a": [{"value": "x"}], "b": [{"value": "x"}]}) == []


def test_anyof_of_required_sets_becomes_require_one_of():
    pt = compile_product_type(
        schema(
            {"a": attr({"type": "string"}), "b": attr({"type": "string"})},
            allOf=[{"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}],
        )
    )
    (c,) = pt.conditions
    assert c.when is None and c.then == (RequireOneOf(("a", "b")),)
    assert broken(c, {}) == ["a"]
    assert broken(c, {"b": []}) == []


def test_per_item_rule_with_else():
    rule = {
        "properties": {
            "p": {
                "items": {
                    "if": {"required": ["t"], "properties": {"t": {"enum": ["x"]}}},
                    "then": {"properties": {"n": {"maxItems": 1}}},
                    "else": {"not": {"required": ["n"]}},
                }
            }
        }
    }
    p = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"t": {"type": "string"}, "n": {"type": "array", "items": {"type": "string"}}},
        },
    }
    pt = compile_product_type(schema({"p": p}, allOf=[rule]))
    (c,) = pt.conditions
    assert c.scope == "p"
    assert c.then == (Limit("n", c.then[0].constraints),) and c.then[0].constraints.max_items == 1
    assert c.otherwise == (Forbid(("n",)),)
    assert broken(c, {"p": [{"t": "x", "n": ["1", "2"]}]}) == ["p.n"]
    assert broken(c, {"p": [{"t": "y", "n": ["1"]}]}) == ["p.n"]
    assert broken(c, {"p": [{"t": "y"}, {"t": "x", "n": ["1"]}]}) == []


def test_value_exclusion_and_contains_effects():
    rule = {
        "if": _flag("reg", "transportation"),
        "then": {
            "required": ["hazmat"],
            "properties": {
                "hazmat": {"contains": {"required": ["aspect"], "properties": {"aspect": {"enum": ["un_id"]}}}},
                "reg": {"items": {"properties": {"value": {"not": {"enum": ["waste"]}}}}},
            },
        },
    }
    pt = compile_product_type(
        schema({"reg": attr({"type": "string"}), "hazmat": attr({"type": "string"})}, allOf=[rule])
    )
    (c,) = pt.conditions
    assert RequireContains("hazmat.aspect", ("un_id",)) in c.then
    assert AllowValues("reg.value", ("waste",), exclude=True) in c.then
    data = {"reg": [{"value": "transportation"}], "hazmat": [{"aspect": "other"}]}
    assert broken(c, data) == ["hazmat.aspect"]


def test_unsupported_rule_is_kept_opaque_with_pointer():
    rule = {"if": {"minProperties": 3}, "then": {"required": ["a"]}}
    pt = compile_product_type(schema({"a": attr({"type": "string"})}, allOf=[rule]))
    (c,) = pt.conditions
    assert not c.expressible
    assert c.source == "/allOf/0"
    assert '"minProperties":3' in c.raw
    assert c.attributes == ("a",)


def test_required_chain_under_an_optional_object():
    offer = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["currency"],
            "properties": {
                "currency": {"type": "string"},
                "sale": {
                    "type": "object",
                    "required": ["start_at"],
                    "properties": {
                        "start_at": {
                            "type": "string",
                            "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}],
                        }
                    },
                },
            },
        },
    }
    pt = compile_product_type(schema({"offer": offer}))
    start = pt.attribute("offer").leaf("offer.sale.start_at")
    assert start.required_chain == (False, True)  # sale is optional; when present it needs start_at
    assert not start.required
    assert start.constraints.formats == ("date", "date-time")
    assert pt.attribute("offer").leaf("offer.currency").required_chain == (True,)
