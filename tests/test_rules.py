"""Rules as data: the quantifier enum, the one path walker, JSON equality and Amazon's keywords,
each shared by every validator (reference, compiled structural check, generated models)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from transpiler.amazon import keywords
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler import compile_product_type
from transpiler.json_equality import json_equal, json_in, json_key
from transpiler.publish.patch import listing_patches
from transpiler.rules import conditions as records
from transpiler.rules.conditions import AllOf, Condition, Forbid, Not, Present, Quantifier, Require, ValueIn
from transpiler.rules.constraints import Constraints
from transpiler.rules.evaluate import broken, holds
from transpiler.rules.listing import ListingRules
from transpiler.rules.paths import MISSING, walk
from transpiler.validation.keywords import compiled_validator

# --- the quantifier ------------------------------------------------------------------------------


def _phone_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "color": {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"}}}},
            "battery": {"type": "array", "items": {"type": "object", "properties": {
                "cell": {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"}}}}}}},
        },
        "allOf": [
            {"if": {"required": ["color"]}, "then": {"required": ["battery"]}},
            {"if": {"properties": {"battery": {"items": {"properties": {"cell": {"contains": {
                "properties": {"value": {"enum": ["lithium"]}}, "required": ["value"]}}}}}},
                "required": ["battery"]}, "then": {"not": {"required": ["color"]}}},
        ],
    }


def test_the_quantifier_is_an_enum_from_parsing_to_generated_source() -> None:
    product_type = compile_product_type(_phone_schema(), name="PHONE")
    quantifiers = set()

    def collect(predicate: object) -> None:
        if isinstance(predicate, (Present, ValueIn)):
            quantifiers.add(predicate.quantifier)
        for operand in getattr(predicate, "operands", ()) or (getattr(predicate, "operand", None),):
            if operand is not None:
                collect(operand)

    for condition in product_type.conditions:
        collect(condition.when)
    assert quantifiers and all(type(q) is Quantifier for q in quantifiers)
    assert {Quantifier.SCALAR, Quantifier.ANY, Quantifier.ALL} & quantifiers
    # Generated models carry conditions as their repr(): it must evaluate back to the same record.
    namespace = {name: getattr(records, name) for name in dir(records)} | {"Constraints": Constraints}
    for condition in product_type.conditions:
        assert eval(repr(condition), namespace) == condition
    # A record written with the enum's value (older generated code, hand-written tests) holds the enum.
    assert Present("a", "all").quantifier is Quantifier.ALL
    with pytest.raises(ValueError):
        Present("a", "every")


def test_all_means_every_item_and_a_missing_value_fails() -> None:
    data = {"battery": [{"cell": [{"value": "lithium"}, {"value": "alkaline"}]}, {"cell": []}]}
    assert holds(ValueIn("battery.cell.value", ("lithium",), Quantifier.ANY), data)
    assert not holds(ValueIn("battery.cell.value", ("lithium",), Quantifier.ALL), data)
    assert holds(ValueIn("battery.cell.value", ("lithium", "alkaline"), Quantifier.ALL), data)
    assert not holds(Present("battery.cell.weight", Quantifier.ALL), data)
    assert holds(Present("battery.cell", Quantifier.SCALAR), data)


# --- the walker ----------------------------------------------------------------------------------


def test_the_walker_reaches_every_value_with_its_location() -> None:
    data = {"battery": [{"weight": [{"value": 1}]}, {"weight": [{"value": 2}, {"unit": "g"}]}]}
    assert list(walk(data, ["battery", "weight", "value"])) == [
        (("battery", 0, "weight", 0, "value"), 1),
        (("battery", 1, "weight", 0, "value"), 2),
    ]
    stops = [loc for loc, value in walk(data, ["battery", "weight", "value"], dead_ends=True) if value is MISSING]
    assert stops == [("battery", 1, "weight", 1)]
    rules = ListingRules("X", utf8_limits={"battery.weight.unit": (None, 0)}, required_context=("battery.weight.unit",))
    problems = rules.problems(data)
    assert {(p.loc, p.kind) for p in problems} == {
        (("battery", 0, "weight", 0, "unit"), "missing"),
        (("battery", 1, "weight", 0, "unit"), "missing"),
        (("battery", 1, "weight", 1, "unit"), "invalid"),
    }


# --- JSON equality -------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "equal"), [
    (1, 1.0, True), (True, 1, False), (False, 0, False), ([True], [1], False), ([1, 2], [2, 1], False),
    ({"a": 1, "b": [2.0]}, {"b": [2], "a": 1.0}, True), ("1", 1, False), (None, None, True), ((1, 2), [1, 2], True),
])
def test_json_equality_is_json_schemas(a: object, b: object, equal: bool) -> None:
    assert json_equal(a, b) is equal
    assert (json_key(a) == json_key(b)) is equal
    reference = validator_for({"const": a}).is_valid(b)
    assert reference is equal


def test_every_comparison_of_json_values_uses_it() -> None:
    # conditions: a nested `true` is not the number 1 (Python's == says it is)
    rule = Condition("/allOf/0", "", ValueIn("flags", ({"on": 1},), Quantifier.SCALAR), (Forbid(("extra",)),))
    assert broken(rule, {"flags": [{"on": 1.0}], "extra": [1]}) == ["extra"]
    assert broken(rule, {"flags": [{"on": True}], "extra": [1]}) == []
    assert json_in([True], [[1]]) is False
    # patches: 2 and 2.0 are the same value, `true` is not 1
    same = listing_patches({"n": [{"value": 2}]}, {"n": [{"value": 2.0}]}, managed=["n"])
    changed = listing_patches({"n": [{"value": 1}]}, {"n": [{"value": True}]}, managed=["n"])
    assert same == [] and [p["op"] for p in changed] == ["replace"]


# --- Amazon's keywords, one implementation for every validator -----------------------------------


def test_selector_values_are_compared_with_json_equality_by_every_validator() -> None:
    schema = {"type": "array", "maxUniqueItems": 1, "selectors": ["k"], "items": {"type": "object"}}
    same = [{"k": 1, "v": "a"}, {"k": 1.0, "v": "b"}]  # 1 and 1.0: one selector combination
    distinct = [{"k": True, "v": "a"}, {"k": 1, "v": "b"}]  # true and 1: two
    reference, compiled = validator_for(schema), compiled_validator(schema)
    rules = ListingRules("X", unique_limits={"k": (None, 1, ("k",))})
    for items, valid in ((same, False), (distinct, True)):
        assert reference.is_valid(items) is valid
        assert compiled.is_valid(items) is valid
        assert (rules.problems({"k": items}) == []) is valid
    assert keywords.too_many(same, ["k"], 1) == [("[1]", 2)]
    assert keywords.too_few(distinct, ["k"], 2) == [("[true]", 1), ("[1]", 1)]


def test_utf8_lengths_and_multiple_of_are_the_same_everywhere() -> None:
    schema = {"type": "string", "maxUtf8ByteLength": 4}
    for text, valid in (("abcd", True), ("éé", True), ("ééa", False), ("€a", True), ("€ab", False)):
        assert validator_for(schema).is_valid(text) is valid
        assert compiled_validator(schema).is_valid(text) is valid
        assert (ListingRules("X", utf8_limits={"t": (None, 4)}).problems({"t": text}) == []) is valid
    assert keywords.utf8_size("€") == 3 and keywords.utf8_size(3) is None
    number = {"type": "number", "multipleOf": 0.01}
    # decimal values, as written in the JSON text: binary floats would refuse every one of these prices
    for price, valid in ((319.72, True), (19.99, True), (0.07, True), (1.005, False), (19.999, False), (5, True)):
        assert validator_for(number).is_valid(price) is compiled_validator(number).is_valid(price) is valid, price
        assert keywords.is_multiple(price, 0.01) is valid
    assert keywords.is_multiple(3.5, 0.5) and not keywords.is_multiple(3.6, 0.5)
    assert keywords.is_multiple(10**400, 0.01) and not keywords.is_multiple(10**400 + 1, 3)
    assert keywords.is_multiple(0.3, 0.1) and keywords.is_multiple(1e-7, 1e-8)


def test_rules_and_conditions_reach_models_without_the_compiler() -> None:
    rules = ListingRules("X", conditions=(Condition("/allOf/0", "", Present("a"), (Require(("b",)),)),))

    class Listing:  # the smallest model shape `apply` needs: a handler and a class name
        __name__ = "Listing"

    with pytest.raises(ValidationError) as info:
        rules.apply(Listing, {"a": [1]}, lambda data: data)  # type: ignore[arg-type]
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [(("b",), "amazon_missing")]
    assert rules.apply(Listing, {"a": [1], "b": [2]}, lambda data: data) == {"a": [1], "b": [2]}  # type: ignore[arg-type]
    assert AllOf((Not(Present("a")),)) == AllOf((Not(Present("a", Quantifier.ANY)),))
