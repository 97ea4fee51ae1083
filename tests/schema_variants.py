"""Variants of a real product type schema, each rewriting one shape into one Amazon's schemas seen
so far do not use (a value without `type`, `type` as a list, `dependentRequired`, `const`, closed
lists of numbers, `minContains`, `$ref` chains, Unicode classes in `pattern`, arrays of arrays...).

The base is the HEADPHONES sample cut down to five attributes (one text, one localized text, one
integer, one number with its unit, one boolean) and no rule, so that a variant compiles in a
fraction of a second. Each variant keeps passing Amazon's meta-schema (`variants()` drops, and
`test_schema_variants.py` checks, any that would not) and carries the payloads that probe its
shape: values the shape accepts and values it refuses, each judged by the reference validator in
the tests. A variant is either compiled (the generated model alone, `validate()` and the reference
must then agree on every probe) or refused as a whole with one `SchemaError` naming the pointer of
the shape (`refused`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import ASSETS
from transpiler.amazon.vocabulary import meta_schema_errors

Schema = dict[str, Any]

BASE_FILE = ASSETS / "HEADPHONES.json"
#: The attributes the base keeps: brand (text), item_name (localized text), number_of_items
#: (integer), item_weight (number + unit), batteries_required (boolean).
KEPT = ("brand", "item_name", "number_of_items", "item_weight", "batteries_required")
MARKETPLACE = "A13V1IB3VIYZZH"
#: The kept attributes whose items carry a `language_tag`.
LOCALIZED = ("brand", "item_name")
LANGUAGE = "fr_FR"


def base_schema() -> Schema:
    """The HEADPHONES sample with the five kept attributes only and no rule."""
    schema = json.loads(BASE_FILE.read_text(encoding="utf-8"))
    schema["properties"] = {name: schema["properties"][name] for name in KEPT}
    schema["required"] = [name for name in schema["required"] if name in KEPT]
    del schema["allOf"]
    return schema


def item(name: str, value: Any, **members: Any) -> dict[str, Any]:
    """One item of a kept attribute carrying `value` (with its context properties, and a unit for
    the weight)."""
    out: dict[str, Any] = {"value": value, "marketplace_id": MARKETPLACE}
    if name in LOCALIZED:
        out["language_tag"] = LANGUAGE
    if name == "item_weight":
        out["unit"] = "grams"
    out.update(members)
    return out


def base_listing() -> dict[str, Any]:
    """A listing the base schema accepts."""
    return {
        "brand": [item("brand", "Modelabs")],
        "item_name": [item("item_name", "Casque sans fil")],
        "number_of_items": [item("number_of_items", 1)],
        "item_weight": [item("item_weight", 167)],
        "batteries_required": [item("batteries_required", False)],
    }


def with_values(name: str, values: list[Any]) -> list[dict[str, Any]]:
    """The base listing with `name` holding one item per probe value (one listing per value)."""
    out = []
    for value in values:
        listing = base_listing()
        listing[name] = [item(name, value)]
        out.append(listing)
    return out


def with_items(name: str, items: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The base listing with `name` set to each of the given item lists."""
    out = []
    for entries in items:
        listing = base_listing()
        listing[name] = entries
        out.append(listing)
    return out


def without(*names: str) -> dict[str, Any]:
    listing = base_listing()
    for name in names:
        listing.pop(name, None)
    return listing


def value_pointer(name: str) -> str:
    return f"/properties/{name}/items/properties/value"


def _value(schema: Schema, name: str) -> Schema:
    return schema["properties"][name]["items"]["properties"]["value"]


def _set_value(name: str, shape: Schema, *, keep_notes: bool = True) -> Callable[[Schema], None]:
    """Rewrite the `value` of attribute `name` into `shape` (its title and description kept)."""

    def rewrite(schema: Schema) -> None:
        old = _value(schema, name)
        notes = {k: old[k] for k in ("title", "description") if k in old} if keep_notes else {}
        schema["properties"][name]["items"]["properties"]["value"] = {**notes, **copy.deepcopy(shape)}

    return rewrite


def _items(name: str, **keywords: Any) -> Callable[[Schema], None]:
    """Add keywords to the items (objects) of attribute `name`."""

    def rewrite(schema: Schema) -> None:
        schema["properties"][name]["items"].update(copy.deepcopy(keywords))

    return rewrite


def _array(name: str, drop: tuple[str, ...] = (), **keywords: Any) -> Callable[[Schema], None]:
    """Add keywords to the array of attribute `name` (and drop some of its own)."""

    def rewrite(schema: Schema) -> None:
        attribute = schema["properties"][name]
        for key in drop:
            attribute.pop(key, None)
        attribute.update(copy.deepcopy(keywords))

    return rewrite


def _root(**keywords: Any) -> Callable[[Schema], None]:
    def rewrite(schema: Schema) -> None:
        schema.update(copy.deepcopy(keywords))

    return rewrite


def _rule(rule: Schema) -> Callable[[Schema], None]:
    def rewrite(schema: Schema) -> None:
        schema.setdefault("allOf", []).append(copy.deepcopy(rule))

    return rewrite


def _both(*rewrites: Callable[[Schema], None]) -> Callable[[Schema], None]:
    def rewrite(schema: Schema) -> None:
        for step in rewrites:
            step(schema)

    return rewrite


def _optional_value(name: str) -> Callable[[Schema], None]:
    """`value` no longer required in the items of `name` (a rule below requires it instead)."""

    def rewrite(schema: Schema) -> None:
        required = schema["properties"][name]["items"]["required"]
        required.remove("value")

    return rewrite


def _defs(**entries: Any) -> Callable[[Schema], None]:
    def rewrite(schema: Schema) -> None:
        schema["$defs"].update(copy.deepcopy(entries))

    return rewrite


def _present(name: str) -> Schema:
    return {"required": [name]}


@dataclass(frozen=True)
class Variant:
    """One rewritten schema: `pointer` names the shape rewritten, `payloads` probe it."""

    name: str
    pointer: str
    schema: Schema
    payloads: tuple[dict[str, Any], ...]


_TEXTS = ["Sony", "sony", "", "abcdefghijkl", 12, 1.5, True, None, [], {}]
_NUMBERS = [0, 1, 2, 5, 5.0, 7, 10, 12.5, -1, True, "5", None]


def _catalog() -> list[tuple[str, str, Callable[[Schema], None], list[dict[str, Any]]]]:
    """(name, pointer of the shape, rewrite, probe payloads) of every variant."""
    brand, count, weight, battery, title = "brand", "number_of_items", "item_weight", "batteries_required", "item_name"
    unit_item = item(weight, 1)
    return [
        # --- value shapes ---------------------------------------------------------------------------
        ("value-without-type", value_pointer(brand), _set_value(brand, {"minLength": 2, "maxLength": 8}),
         with_values(brand, _TEXTS)),
        ("value-true-schema", value_pointer(brand), _set_value(brand, {}), with_values(brand, _TEXTS)),
        ("type-list-string-number", value_pointer(brand),
         _set_value(brand, {"type": ["string", "number"], "maxLength": 8, "minimum": 1}), with_values(brand, _TEXTS)),
        ("type-list-integer-boolean", value_pointer(count), _set_value(count, {"type": ["integer", "boolean"]}),
         with_values(count, _NUMBERS)),
        ("type-list-with-null", value_pointer(brand), _set_value(brand, {"type": ["string", "null"]}),
         with_values(brand, _TEXTS)),
        ("type-null", value_pointer(brand), _set_value(brand, {"type": "null"}), with_values(brand, _TEXTS)),
        ("const-text", value_pointer(brand), _set_value(brand, {"type": "string", "const": "Sony"}),
         with_values(brand, _TEXTS)),
        ("const-number", value_pointer(count), _set_value(count, {"type": "integer", "const": 5}),
         with_values(count, _NUMBERS)),
        ("const-without-type", value_pointer(count), _set_value(count, {"const": 5}), with_values(count, _NUMBERS)),
        ("const-with-enum", value_pointer(brand), _set_value(brand, {"type": "string", "enum": ["Sony", "sony"],
                                                                      "const": "Sony"}), with_values(brand, _TEXTS)),
        ("enum-of-integers", value_pointer(count), _set_value(count, {"type": "integer", "enum": [1, 2, 5]}),
         with_values(count, _NUMBERS)),
        ("enum-of-numbers", value_pointer(weight), _set_value(weight, {"type": "number", "enum": [0.5, 1, 12.5]}),
         with_values(weight, [0.5, 1, 1.0, 12.5, 2, True, "1"])),
        ("enum-of-booleans", value_pointer(battery), _set_value(battery, {"type": "boolean", "enum": [True]}),
         with_values(battery, [True, False, 1, "true"])),
        ("enum-mixed-without-type", value_pointer(brand), _set_value(brand, {"enum": ["Sony", 5, True, None]}),
         with_values(brand, [*_TEXTS, 5, 5.0])),
        ("enum-without-type", value_pointer(brand), _set_value(brand, {"enum": ["Sony", "Bose"]}),
         with_values(brand, _TEXTS)),
        ("exclusive-bounds", value_pointer(count),
         _set_value(count, {"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 10}),
         with_values(count, _NUMBERS)),
        ("exclusive-bounds-number", value_pointer(weight),
         _set_value(weight, {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 12.5}),
         with_values(weight, [0, 0.01, 12.5, 12.49, -3, True])),
        ("integer-multiple-of", value_pointer(count), _set_value(count, {"type": "integer", "multipleOf": 5}),
         with_values(count, _NUMBERS)),
        ("number-multiple-of-half", value_pointer(weight), _set_value(weight, {"type": "number", "multipleOf": 0.5}),
         with_values(weight, [0, 0.5, 1.5, 1.25, 3, 0.1, True])),
        ("pattern-unicode-classes", value_pointer(brand),
         _set_value(brand, {"type": "string", "pattern": "^\\p{Lu}\\p{Ll}+$"}),
         with_values(brand, ["Sony", "sony", "Élan", "Éé", "S", "Sony2", "Ωmega", "Ωμέγα"])),
        ("pattern-unicode-digits", value_pointer(brand), _set_value(brand, {"type": "string", "pattern": "^\\d+$"}),
         with_values(brand, ["123", "١٢٣", "12a", "", "𝟙"])),
        ("pattern-word-class", value_pointer(brand), _set_value(brand, {"type": "string", "pattern": "^\\w+$"}),
         with_values(brand, ["abc", "été", "a b", "日本", "_"])),
        ("not-in-value", value_pointer(brand), _set_value(brand, {"type": "string", "not": {"enum": ["Aucune"]}}),
         with_values(brand, ["Sony", "Aucune", "aucune"])),
        ("all-of-in-value", value_pointer(brand),
         _set_value(brand, {"allOf": [{"type": "string"}, {"maxLength": 5}]}), with_values(brand, _TEXTS)),
        ("any-of-types-in-value", value_pointer(brand),
         _set_value(brand, {"anyOf": [{"type": "string", "maxLength": 4}, {"type": "integer", "minimum": 10}]}),
         with_values(brand, [*_TEXTS, 10, 9])),
        ("one-of-in-value", value_pointer(brand),
         _set_value(brand, {"oneOf": [{"type": "string", "maxLength": 6}, {"type": "string", "minLength": 4}]}),
         with_values(brand, ["abc", "abcde", "abcdefgh", 5])),
        ("if-then-in-value", value_pointer(brand),
         _set_value(brand, {"type": "string", "if": {"maxLength": 4}, "then": {"pattern": "^[A-Z]+$"}}),
         with_values(brand, ["SONY", "Sony", "Modelabs", "modelabs"])),
        ("value-false-schema", value_pointer(brand), _set_value(brand, {"not": {}}), with_values(brand, _TEXTS)),
        ("value-without-type-not-null", value_pointer(brand),
         _set_value(brand, {"maxLength": 8, "not": {"type": "null"}}), with_values(brand, _TEXTS)),
        ("const-object", value_pointer(brand),
         _set_value(brand, {"type": "object", "const": {"a": 1}}), with_values(brand, [{"a": 1}, {"a": 1.0}, {"a": 2},
                                                                                       {}, "a"])),
        ("enum-of-objects", value_pointer(brand),
         _set_value(brand, {"enum": [{"a": 1}, [1, 2]]}), with_values(brand, [{"a": 1}, [1, 2], [2, 1], {"a": True}])),
        ("enum-one-and-one-point-zero", value_pointer(count),
         _set_value(count, {"type": "number", "enum": [1, 2.5]}), with_values(count, [1, 1.0, 2.5, 2, True])),
        ("format-not-asserted", value_pointer(brand),
         _set_value(brand, {"type": "string", "format": "email", "maxLength": 20}),
         with_values(brand, ["a@b.fr", "pas un courriel", "x" * 21])),
        ("length-in-code-points", value_pointer(brand), _set_value(brand, {"type": "string", "maxLength": 2,
                                                                           "minLength": 2}),
         with_values(brand, ["😀😀", "😀", "ab", "é\u0301", "e\u0301"])),
        ("pattern-dot-and-end", value_pointer(brand), _set_value(brand, {"type": "string", "pattern": "^a.c$"}),
         with_values(brand, ["abc", "a\nc", "a\rc", "abc\n", "a\u2028c"])),
        ("pattern-negated-classes", value_pointer(brand),
         _set_value(brand, {"type": "string", "pattern": "^[^\\d\\s]+\\S\\W\\D$"}),
         with_values(brand, ["ab!x", "a٣ !x", "éé.é", "ab1!x", "a\u00a0!x"])),
        ("pattern-word-boundary", value_pointer(brand), _set_value(brand, {"type": "string", "pattern": "\\bon\\b"}),
         with_values(brand, ["on", "bon", "éon", "on!", "été on"])),
        ("number-array-exclusive-bounds", value_pointer(count),
         _set_value(count, {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.5}}),
         with_values(count, [[0.5, 1], [0], [0.25], [], [True]])),
        ("integer-multiple-of-float-value", value_pointer(count),
         _set_value(count, {"type": "integer", "multipleOf": 2.5}), with_values(count, [5, 5.0, 10, 2.5, 7])),
        ("unevaluated-properties", "/properties/item_weight/items",
         _both(_items(weight, additionalProperties=True, unevaluatedProperties=False,
                      allOf=[{"properties": {"note": {"type": "integer"}}}]),
               lambda s: s["properties"][weight]["items"].pop("additionalProperties")),
         with_items(weight, [[unit_item], [{**unit_item, "note": 1}], [{**unit_item, "note": "1"}],
                             [{**unit_item, "other": 1}]])),
        ("items-false", value_pointer(brand), _set_value(brand, {"type": "array", "items": False}),
         with_values(brand, [[], ["a"], "a"])),
        ("dependencies-legacy", "/properties/item_weight/items/dependencies",
         _items(weight, required=["marketplace_id"], dependencies={"value": ["unit"]}),
         with_items(weight, [[item(weight, 1)], [{"value": 1, "marketplace_id": MARKETPLACE}]])),
        ("root-required-undeclared", "/required",
         lambda s: s["required"].append("undeclared_attribute"),
         [base_listing(), {**base_listing(), "undeclared_attribute": [{"value": 1}]}]),
        ("root-open-required-undeclared", "/required",
         lambda s: (s["required"].append("undeclared_attribute"), s.__setitem__("additionalProperties", True)),
         [base_listing(), {**base_listing(), "undeclared_attribute": [{"value": 1}]}]),
        ("root-additional-properties-schema", "/additionalProperties",
         _root(additionalProperties={"type": "array", "maxItems": 1}),
         [base_listing(), {**base_listing(), "other": [1]}, {**base_listing(), "other": [1, 2]}]),
        # --- references ------------------------------------------------------------------------------
        ("ref-chain-into-defs", value_pointer(brand),
         _both(_defs(brand_a={"$ref": "#/$defs/brand_b"}, brand_b={"type": "string", "maxLength": 5}),
               _set_value(brand, {"$ref": "#/$defs/brand_a"}, keep_notes=False)),
         with_values(brand, _TEXTS)),
        ("ref-with-sibling-keywords", value_pointer(brand),
         _both(_defs(short_text={"type": "string", "maxLength": 5}),
               _set_value(brand, {"$ref": "#/$defs/short_text", "maxLength": 10, "minLength": 2})),
         with_values(brand, ["a", "abc", "abcdef", "abcdefghijkl"])),
        ("ref-to-whole-attribute", "/properties/brand",
         lambda s: (s["$defs"].__setitem__("brand_attribute", s["properties"]["brand"]),
                    s["properties"].__setitem__("brand", {"$ref": "#/$defs/brand_attribute"})),
         with_values(brand, _TEXTS)),
        # --- arrays of values ------------------------------------------------------------------------
        ("array-of-arrays", value_pointer(brand),
         _set_value(brand, {"type": "array", "items": {"type": "array", "items": {"type": "string", "maxLength": 3}}}),
         with_values(brand, [[["ab"], ["cd", "ef"]], [["abcd"]], [[]], [], ["ab"], [[1]], "ab"])),
        ("array-unique-items", value_pointer(brand),
         _set_value(brand, {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
         with_values(brand, [["a", "b"], ["a", "a"], [], "a"])),
        ("array-contains", value_pointer(count),
         _set_value(count, {"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 5},
                            "minContains": 2, "maxContains": 3}),
         with_values(count, [[5, 6], [5], [1, 5, 6, 7], [5, 6, 7, 8], [1, 2], []])),
        ("array-tuple-items", value_pointer(brand),
         _set_value(brand, {"type": "array", "items": [{"type": "string"}, {"type": "integer"}],
                            "additionalItems": False}),
         with_values(brand, [["a", 1], ["a"], [1, "a"], ["a", 1, 2], []])),
        ("array-prefix-items", value_pointer(brand),
         _set_value(brand, {"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "string"}}),
         with_values(brand, [["a"], [1], []])),
        # --- attribute arrays -------------------------------------------------------------------------
        ("attribute-unique-items", "/properties/brand",
         _array(brand, drop=("maxUniqueItems", "minUniqueItems", "selectors"), uniqueItems=True),
         with_items(brand, [[item(brand, "a"), item(brand, "b")], [item(brand, "a"), item(brand, "a")]])),
        ("attribute-contains", "/properties/brand",
         _array(brand, drop=("maxUniqueItems", "minUniqueItems", "selectors"),
                contains={"properties": {"value": {"const": "Sony"}}}, minContains=1, maxContains=1),
         with_items(brand, [[item(brand, "Sony")], [item(brand, "Bose")], [item(brand, "Sony"), item(brand, "Sony")],
                            [item(brand, "Sony"), item(brand, "Bose")]])),
        ("attribute-type-list-with-null", "/properties/brand/type", _array(brand, type=["array", "null"]),
         [base_listing(), {**base_listing(), brand: None}]),
        ("attribute-type-list", "/properties/brand/type", _array(brand, type=["array", "object"]),
         [base_listing(), {**base_listing(), brand: {}}, {**base_listing(), brand: "x"}]),
        ("nested-type-list", "/properties/item_weight/items/properties/value",
         _set_value(weight, {"type": ["array", "number"], "items": {"type": "number"}}),
         with_values(weight, [1, [1, 2], ["a"], "a"])),
        ("item-type-list", "/properties/item_weight/items/type", _items(weight, type=["object", "string"]),
         with_items(weight, [[unit_item], ["x"], [1]])),
        ("attribute-without-type", "/properties/brand", _array(brand, drop=("type",)),
         [base_listing(), {**base_listing(), brand: "x"}, {**base_listing(), brand: {}}]),
        ("item-without-type", "/properties/item_weight/items",
         lambda s: s["properties"][weight]["items"].pop("type"),
         with_items(weight, [[unit_item], ["x"], [1]])),
        ("nested-object-without-type", "/properties/item_weight/items/properties/value",
         _set_value(weight, {"properties": {"amount": {"type": "number"}}, "required": ["amount"]}),
         with_values(weight, [{"amount": 1}, {}, "x", 1])),
        # --- item objects -----------------------------------------------------------------------------
        ("item-dependent-required", "/properties/item_weight/items",
         _both(_items(weight, required=["marketplace_id"], dependentRequired={"value": ["unit"]})),
         with_items(weight, [[item(weight, 1)], [{"value": 1, "marketplace_id": MARKETPLACE}],
                             [{"unit": "grams", "marketplace_id": MARKETPLACE}], [{"marketplace_id": MARKETPLACE}]])),
        ("item-dependent-schemas", "/properties/item_weight/items",
         _items(weight, required=["marketplace_id"], dependentSchemas={"value": {"required": ["unit"]}}),
         with_items(weight, [[item(weight, 1)], [{"value": 1, "marketplace_id": MARKETPLACE}],
                             [{"marketplace_id": MARKETPLACE}]])),
        ("item-min-max-properties", "/properties/item_weight/items",
         _items(weight, required=["marketplace_id"], minProperties=2, maxProperties=2),
         with_items(weight, [[unit_item], [{"value": 1, "marketplace_id": MARKETPLACE}],
                             [{"marketplace_id": MARKETPLACE}]])),
        ("item-additional-properties-schema", "/properties/item_weight/items",
         _items(weight, additionalProperties={"type": "string"}),
         with_items(weight, [[unit_item], [{**unit_item, "note": "x"}], [{**unit_item, "note": 1}]])),
        ("item-pattern-properties", "/properties/item_weight/items",
         _items(weight, additionalProperties=True, patternProperties={"^x_": {"type": "integer"}}),
         with_items(weight, [[unit_item], [{**unit_item, "x_a": 1}], [{**unit_item, "x_a": "1"}],
                             [{**unit_item, "other": "1"}]])),
        ("item-property-names", "/properties/item_weight/items",
         _items(weight, additionalProperties=True, propertyNames={"maxLength": 14}),
         with_items(weight, [[unit_item], [{**unit_item, "short": 1}], [{**unit_item, "a_very_long_name": 1}]])),
        ("item-not-required", "/properties/item_weight/items",
         _items(weight, **{"not": {"required": ["note"]}, "additionalProperties": True}),
         with_items(weight, [[unit_item], [{**unit_item, "note": 1}]])),
        # --- rules --------------------------------------------------------------------------------------
        ("root-dependent-required", "/dependentRequired",
         _root(dependentRequired={"item_weight": ["number_of_items"]}),
         [base_listing(), without("number_of_items"), without("number_of_items", "item_weight")]),
        ("root-dependent-schemas", "/dependentSchemas",
         _root(dependentSchemas={"item_weight": {"required": ["number_of_items"]}}),
         [base_listing(), without("number_of_items"), without("number_of_items", "item_weight")]),
        ("root-min-max-properties", "/minProperties", _root(minProperties=4, maxProperties=4),
         [base_listing(), without("number_of_items"), without("number_of_items", "item_weight")]),
        ("rule-effect-one-of", "/allOf/0",
         _rule({"if": _present(weight), "then": {"oneOf": [_present(count), _present(title)]}}),
         [base_listing(), without(count), without(count, title), without(title), without(weight, count)]),
        ("rule-effect-any-of", "/allOf/0",
         _rule({"if": _present(weight), "then": {"anyOf": [_present(count), _present(title)]}}),
         [base_listing(), without(count), without(count, title)]),
        ("rule-effect-const", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {count: {"items": {"properties": {
             "value": {"const": 1}}}}}}}),
         [*with_values(count, [1, 2, 1.0]), without(weight)]),
        ("rule-when-const", "/allOf/0",
         _rule({"if": {"required": [count], "properties": {count: {"contains": {"required": ["value"], "properties": {
             "value": {"const": 2}}}}}}, "then": {"required": [weight]}}),
         [*with_values(count, [1, 2, 2.0]), {**without(weight), count: [item(count, 2)]}]),
        ("rule-when-number-enum", "/allOf/0",
         _rule({"if": {"required": [count], "properties": {count: {"contains": {"required": ["value"], "properties": {
             "value": {"enum": [2, 3]}}}}}}, "then": {"not": {"required": [weight]}}}),
         [*with_values(count, [1, 2, 3.0]), {**without(weight), count: [item(count, 2)]}]),
        ("rule-dependent-required", "/allOf/0", _rule({"dependentRequired": {weight: [count]}}),
         [base_listing(), without(count), without(count, weight)]),
        ("rule-min-contains", "/allOf/0",
         _rule({"properties": {brand: {"contains": {"properties": {"value": {"const": "Sony"}}}, "minContains": 1}}}),
         with_values(brand, ["Sony", "Bose"])),
        ("rule-value-exclusive-minimum", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {count: {"items": {"properties": {
             "value": {"exclusiveMinimum": 1}}}}}}}),
         with_values(count, [1, 2])),
        ("rule-when-min-contains", "/allOf/0",
         _rule({"if": {"required": [weight], "properties": {weight: {"contains": {"required": ["unit"], "properties": {
             "unit": {"enum": ["grams"]}}}, "minContains": 2}}}, "then": {"required": [count]}}),
         [base_listing(), without(count), {**without(count), weight: [unit_item, unit_item]},
          {**without(count), weight: [item(weight, 1)] * 2}]),
        ("rule-when-min-contains-zero", "/allOf/0",
         _rule({"if": {"properties": {weight: {"contains": {"properties": {"unit": {"enum": ["kilograms"]}}},
                                               "minContains": 0}}}, "then": {"required": [count]}}),
         [base_listing(), without(count), without(count, weight)]),
        ("rule-effect-max-contains", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {brand: {"contains": {"properties": {
             "value": {"const": "Sony"}}}, "maxContains": 1}}}}),
         with_items(brand, [[item(brand, "Sony")], [item(brand, "Sony"), item(brand, "Sony")],
                            [item(brand, "Bose"), item(brand, "Bose")]])),
        ("rule-when-exclusive-maximum", "/allOf/0",
         _rule({"if": {"required": [count], "properties": {count: {"items": {"properties": {
             "value": {"exclusiveMaximum": 5}}}}}}, "then": {"required": [weight]}}),
         [*with_values(count, [4, 5, 6]), {**without(weight), count: [item(count, 4)]},
          {**without(weight), count: [item(count, 5)]}]),
        ("rule-when-pattern", "/allOf/0",
         _rule({"if": {"required": [brand], "properties": {brand: {"items": {"properties": {
             "value": {"pattern": "^\\d+$"}}}}}}, "then": {"required": [count]}}),
         [base_listing(), {**without(count), brand: [item(brand, "123")]},
          {**without(count), brand: [item(brand, "١٢")]}, without(count)]),
        ("rule-then-false-property", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {count: False}}}),
         [base_listing(), without(count), without(weight)]),
        ("rule-then-not-any-of", "/allOf/0",
         _rule({"if": _present(weight), "then": {"not": {"anyOf": [_present(count), _present(title)]}}}),
         [base_listing(), without(count), without(count, title), without(weight)]),
        ("rule-if-boolean", "/allOf/0", _rule({"if": True, "then": {"required": [count]}, "else": False}),
         [base_listing(), without(count)]),
        ("rule-if-false", "/allOf/0", _rule({"if": False, "then": False, "else": {"required": [count]}}),
         [base_listing(), without(count)]),
        ("rule-else-only", "/allOf/0", _rule({"if": _present(weight), "else": {"required": [count]}}),
         [base_listing(), without(weight), without(weight, count)]),
        ("rule-ref-into-defs", "/allOf/0",
         _both(_defs(has_weight={"$ref": "#/$defs/has_weight_2"}, has_weight_2=_present(weight)),
               _rule({"if": {"$ref": "#/$defs/has_weight"}, "then": {"required": [count]}})),
         [base_listing(), without(count), without(count, weight)]),
        ("rule-in-items-one-of", "/allOf/0",
         _both(_optional_value(weight),
               _rule({"properties": {weight: {"items": {"oneOf": [_present("value"), _present("unit")]}}}})),
         with_items(weight, [[unit_item], [{"value": 1, "marketplace_id": MARKETPLACE}],
                             [{"unit": "grams", "marketplace_id": MARKETPLACE}], [{"marketplace_id": MARKETPLACE}]])),
        ("rule-then-unique-items", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {brand: {"uniqueItems": True}}}}),
         with_items(brand, [[item(brand, "a"), item(brand, "a")], [item(brand, "a"), item(brand, "b")]])),
        ("rule-then-items-max", "/allOf/0",
         _rule({"if": _present(weight), "then": {"properties": {title: {"maxItems": 1}}}}),
         with_items(title, [[item(title, "a")], [item(title, "a"), item(title, "b")]])),
        ("rule-when-enum-number-and-float", "/allOf/0",
         _rule({"if": {"required": [count], "properties": {count: {"items": {"properties": {
             "value": {"enum": [2]}}}}}}, "then": {"required": [weight]}}),
         [{**without(weight), count: [item(count, 2.0)]}, {**without(weight), count: [item(count, 3)]},
          {**without(weight), count: [item(count, True)]}]),
        ("rule-then-dependent-schemas", "/allOf/0",
         _rule({"if": _present(weight), "then": {"dependentSchemas": {count: {"required": [title]}}}}),
         [base_listing(), without(title), without(title, count)]),
        ("rule-required-with-optional-value", "/allOf/0",
         _both(_optional_value(title), _rule({"properties": {title: {"items": {"required": ["value"]}}}})),
         [base_listing(), {**base_listing(), title: [{"marketplace_id": MARKETPLACE, "language_tag": LANGUAGE}]}]),
    ]


#: The names of the variants, in the catalogue's order.
VARIANT_NAMES = tuple(entry[0] for entry in _catalog())


def variant(name: str) -> Variant | None:
    """The variant called `name`, or None when Amazon's meta-schema refuses its schema (such a
    variant says nothing about the schemas the compiler may meet)."""
    for entry_name, pointer, rewrite, payloads in _catalog():
        if entry_name == name:
            schema = base_schema()
            rewrite(schema)
            if meta_schema_errors(schema):
                return None
            return Variant(name, pointer, schema, (base_listing(), *payloads))
    raise KeyError(name)


def variants() -> list[Variant]:
    """Every variant whose schema Amazon's meta-schema accepts (the others are dropped)."""
    return [found for name in VARIANT_NAMES if (found := variant(name)) is not None]
