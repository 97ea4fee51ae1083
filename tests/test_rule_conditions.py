"""Amazon's conditions as Product-Live condition groups agree with Amazon's evaluation of the rule.

For every condition of the sample product types (and of the real corpus when present) and each of
its effects, random values of the fields the rule reads are turned into Amazon attributes the way
the publisher does (`fields_to_attributes`); the groups hold on those values (read as the
readiness evaluator reads them) exactly when `transpiler.rules.evaluate` finds the effect broken.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.conftest import real_schema_files, sample_schema_files
from transpiler.compiler.loading import load_product_type
from transpiler.compiler.model import ProductType
from transpiler.config import Settings
from transpiler.emit.rule_conditions import FieldView, NotExpressible, Translator
from transpiler.mapping.builder import build_mapping
from transpiler.mapping.field_codec import fields_to_attributes
from transpiler.mapping.types import Mapping, Quantity
from transpiler.productlive.items import FieldValue, Item
from transpiler.productlive.readiness import ItemValues, group_holds
from transpiler.productlive.table_rules import Condition as PLCondition
from transpiler.rules.conditions import Condition, Effect
from transpiler.rules.evaluate import holds, violations
from transpiler.rules.paths import walk

ROUNDS = 60


def _value(rng: random.Random, fm: Any) -> Any:
    if fm.type == "MULTIPLE-SELECT":
        keys = [c.key for c in fm.options]
        return rng.sample(keys, rng.randint(1, min(3, len(keys))))
    if fm.options:
        return rng.choice([c.key for c in fm.options])
    if fm.transform == "unit":
        return Quantity(rng.choice(["1", "2.5", "40"]), rng.choice([c.key for c in fm.suffixes]))
    if fm.type == "NUMBER":
        return rng.choice(["1", "3", "12"])
    return rng.choice(["abc", "B0CSB7QJ2K", "8806095299686"])


def _broken(condition: Condition, effect: Effect, otherwise: bool, data: dict[str, Any]) -> bool:
    def one(obj: dict[str, Any]) -> bool:
        when = True if condition.when is None else holds(condition.when, obj)
        return when != otherwise and bool(violations(effect, obj))

    if condition.scope:
        return any(one(node) for _, node in walk(data, condition.scope.split(".")) if isinstance(node, dict))
    return one(data)


def _item(values: dict[str, Any]) -> Item:
    item = Item(index=1, line=None)
    for key, value in values.items():
        if isinstance(value, Quantity):
            item.fields[key] = [FieldValue(value.amount, value.suffix)]
        elif isinstance(value, list):
            item.fields[key] = [FieldValue(v) for v in value]
        else:
            item.fields[key] = [FieldValue(value)]
    return item


def _agree(product_type: ProductType, mapping: Mapping) -> tuple[int, int]:
    view = FieldView(mapping)
    translator = Translator(view)
    rng = random.Random(product_type.name)
    checked = skipped = 0
    for condition in product_type.conditions:
        if not condition.expressible:
            continue
        fields = [f for f in mapping.fields if f.attribute in condition.attributes and f.role == "field"]
        for otherwise, effects in ((False, condition.then), (True, condition.otherwise)):
            for effect in effects:
                try:
                    groups = translator.broken(condition, effect, otherwise)
                except NotExpressible:
                    skipped += 1
                    continue
                pl_groups = [[PLCondition(a.source, a.operator, a.values, a.use) for a in g] for g in groups]
                for _ in range(ROUNDS):
                    values = {f.key: _value(rng, f) for f in fields if rng.random() < 0.5}
                    attributes = fields_to_attributes(mapping, values, Settings())
                    expected = _broken(condition, effect, otherwise, attributes)
                    assert group_holds(pl_groups, ItemValues(_item(values))) == expected, (
                        product_type.name, condition.source, effect, values)
                checked += 1
    return checked, skipped


@pytest.mark.parametrize("path", sample_schema_files(), ids=lambda p: p.stem)
def test_groups_agree_with_amazons_evaluation(path: Any, workspace: Any) -> None:
    product_type = load_product_type(path, workspace=workspace)
    checked, skipped = _agree(product_type, build_mapping(product_type))
    assert checked >= 17 and skipped == 0


def test_groups_agree_on_the_real_corpus(corpus_guard: None, workspace: Any) -> None:
    for path in real_schema_files():
        product_type = load_product_type(path, workspace=workspace)
        checked, _ = _agree(product_type, build_mapping(product_type))
        assert checked > 10, path
