"""Every nested rule shape compiles to ordinary conditions that agree with JSON Schema evaluation.

The synthetic schema (`tests/rule_shapes.py`) holds groups of rules, `else` chains, rules under
`properties` / `items` at any depth, rules in attribute definitions and `not` on property effects.
"""

from __future__ import annotations

import json
import random

import pytest

from tests import rule_shapes
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler import compile_product_type
from transpiler.compiler.model import ProductType
from transpiler.rules.conditions import (
    AllOf,
    AllowValues,
    Forbid,
    Limit,
    Not,
    Refuse,
    Require,
    RequireOneOf,
    ValueIn,
)
from transpiler.rules.describe import describe
from transpiler.rules.evaluate import broken
from transpiler.validation.examples import condition_values, random_listing


@pytest.fixture(scope="module")
def shapes() -> ProductType:
    return compile_product_type(rule_shapes.schema(), name="VARIATION_SHAPES")


def _by_source(product_type: ProductType) -> dict[str, object]:
    return {c.source: c for c in product_type.conditions}


def test_no_rule_stays_opaque_and_inert_ones_say_why(shapes: ProductType) -> None:
    assert shapes.opaque_conditions == ()
    inert = [c for c in shapes.conditions if c.inert]
    assert [c.source for c in inert] == ["/allOf/7"]
    assert "map_price" in inert[0].reason and "without `items`" in inert[0].reason
    assert describe(inert[0]).startswith("never applies")
    assert len({c.source for c in shapes.conditions}) == len(shapes.conditions)


def test_groups_are_flattened_entry_by_entry(shapes: ProductType) -> None:
    rules = _by_source(shapes)
    assert {"/allOf/0/allOf/0", "/allOf/0/allOf/1", "/allOf/1/allOf/0", "/allOf/1/allOf/1"} <= set(rules)
    assert rules["/allOf/0/allOf/0"].then == (Require(("color",)),)
    child = rules["/allOf/0/allOf/1"]
    assert isinstance(child.when, AllOf) and child.then == (Require(("color",)),)
    # a bare requirement beside a rule in the same group
    assert rules["/allOf/12/allOf/0"].when is None and rules["/allOf/12/allOf/0"].then == (Require(("item_name",)),)


def test_else_chains_become_guarded_conditions(shapes: ProductType) -> None:
    rules = _by_source(shapes)
    top = rules["/allOf/4"]
    assert top.otherwise == ()  # the else holds a rule, not plain effects
    second = rules["/allOf/4/else"]
    assert isinstance(second.when, AllOf) and isinstance(second.when.operands[0], Not)
    assert second.then == (AllowValues("team_name.value", ("Montreal Canadiens",)),)
    # the third level has plain effects beside its rule: the rule moves to .../if
    assert rules["/allOf/4/else/else"].then == (Require(("warranty",)),)
    third = rules["/allOf/4/else/else/if"]
    assert len(third.when.operands) == 3 and third.otherwise == ()
    last = rules["/allOf/4/else/else/if/else"]
    assert last.then == (Forbid(("team_name",)),)
    # a then holding a group: each nested rule is guarded by the outer test
    assert rules["/allOf/11"].then == (Require(("team_name",)),)
    nested = rules["/allOf/11/then/allOf/0"]
    assert isinstance(nested.when, AllOf) and nested.then == (Require(("model_number",)),)


def test_rules_under_properties_and_items_are_scoped(shapes: ProductType) -> None:
    rules = _by_source(shapes)
    offer = rules["/allOf/5"]
    assert offer.scope == "purchasable_offer"
    assert offer.then == (Limit("map_price", offer.then[0].constraints),) and offer.otherwise == (
        Forbid(("map_price",)),)
    deep = rules["/allOf/6"]
    assert deep.scope == "purchasable_offer.our_price.schedule"
    assert deep.when == ValueIn("currency", ("JPY",), "scalar")
    assert deep.then[0].constraints.multiple_of == 1
    # the same rule written inside the attribute definition
    inside = [c for c in shapes.conditions if c.scope == "purchasable_offer.discounted_price.schedule"]
    assert len(inside) == 1 and inside[0].expressible and inside[0].source.startswith("/properties/")
    assert describe(deep).startswith("for each purchasable_offer.our_price.schedule item")


def test_not_on_property_effects(shapes: ProductType) -> None:
    effects = _by_source(shapes)["/allOf/8"].then
    assert AllowValues("compliance.value", ("certified",), exclude=True) in effects
    assert AllowValues("tags.value", ("leather",), exclude=True) in effects
    refuse = next(e for e in effects if isinstance(e, Refuse))
    assert refuse.at == "dimensions"
    assert isinstance(_by_source(shapes)["/allOf/9"].then[0], Refuse)
    assert not isinstance(_by_source(shapes)["/allOf/10"].then[0], RequireOneOf)


def test_themes_come_from_the_rules_that_tie_them(shapes: ProductType) -> None:
    variations = shapes.variations
    assert variations.supported
    assert (variations.parentage_path, variations.parent_sku_path, variations.theme_path) == (
        "parentage_level.value", "child_parent_sku_relationship.parent_sku", "variation_theme.name")
    themes = {t.name: t for t in variations.themes}
    assert themes["COLOR_NAME/SIZE_NAME"].attributes == ("color", "size")
    assert themes["COLOR_NAME/SIZE_NAME"].derived_from == "rules"
    # the name says MODEL, the rule says model_number: the rule wins
    assert themes["MODEL"].attributes == ("model_number",) and themes["MODEL"].derived_from == "rules"
    assert themes["PATTERN_NAME"].attributes == ("style",)
    # no rule for STYLE_NAME: matched by name
    assert themes["STYLE_NAME"].attributes == ("style",) and themes["STYLE_NAME"].derived_from == "name"
    assert variations.axes[:2] == ("color", "size")


def test_a_theme_nothing_ties_is_reported_unresolved() -> None:
    schema = rule_shapes.schema()
    schema["properties"]["variation_theme"]["items"]["properties"]["name"]["enum"].append("SCENT_NAME")
    del schema["properties"]["variation_theme"]["items"]["properties"]["name"]["enumNames"]
    theme = compile_product_type(schema, name="X").variations.named("SCENT_NAME")
    assert theme.attributes == () and theme.unresolved == ("SCENT_NAME",)


def test_each_condition_agrees_with_json_schema_evaluation(shapes: ProductType) -> None:
    rng = random.Random("rule-shapes")
    validators = {c.source: validator_for(json.loads(c.raw)) for c in shapes.conditions}
    hints = condition_values(shapes)
    fired: dict[str, set[bool]] = {c.source: set() for c in shapes.conditions}
    for _ in range(400):
        payload = random_listing(shapes, rng, hints=hints, second_item=0.4, presence=0.6)
        for condition in shapes.conditions:
            expected = validators[condition.source].is_valid(payload)
            got = broken(condition, payload) == []
            assert got == expected, (condition.source, describe(condition), json.dumps(payload)[:3000])
            fired[condition.source].add(expected)
    live = [c.source for c in shapes.conditions if not c.inert]
    both = [s for s in live if fired[s] == {True, False}]
    assert len(both) >= 0.8 * len(live), {s: fired[s] for s in live}


def test_the_conditions_of_a_rule_say_exactly_what_the_rule_says(shapes: ProductType) -> None:
    """Flattening is exact: a listing passes a root rule iff it passes every condition made from it."""
    schema = rule_shapes.schema()
    rng = random.Random("rule-shapes-whole")
    hints = condition_values(shapes)
    payloads = [random_listing(shapes, rng, hints=hints, second_item=0.4, presence=0.6) for _ in range(300)]
    for i, entry in enumerate(schema["allOf"]):
        whole = validator_for({"$defs": schema["$defs"], **entry})
        parts = [validator_for(json.loads(c.raw)) for c in shapes.conditions
                 if c.source == f"/allOf/{i}" or c.source.startswith(f"/allOf/{i}/")]
        assert parts, i
        for payload in payloads:
            assert whole.is_valid(payload) == all(p.is_valid(payload) for p in parts), (i, payload)
