"""The compiler's condition evaluator agrees with JSON Schema evaluation of the same rule.

For every rule of every schema (real corpus and samples), random payloads built from the attribute
model are judged twice: by `conditions.broken` on the compiled Condition, and by the Draft 2019-09
validator (with Amazon's vocabulary) on the rule's exact JSON.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.conftest import real_schema_files, sample_schema_files
from transpiler.amazon.definitions import load_definition
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler import compile_definition
from transpiler.rules.evaluate import broken
from transpiler.validation.examples import condition_values, random_listing


@pytest.mark.parametrize("path", real_schema_files() + sample_schema_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_condition_verdicts_agree(path: Path):
    product_type = compile_definition(load_definition(path))
    rng = random.Random(f"conditions:{path.name}")
    validators = {c.source: validator_for(json.loads(c.raw)) for c in product_type.conditions}
    fired = {c.source: set() for c in product_type.conditions}
    hints = condition_values(product_type)
    for _ in range(300):
        payload = random_listing(product_type, rng, hints=hints, second_item=0.3)
        for condition in product_type.conditions:
            expected = validators[condition.source].is_valid(payload)
            if not condition.expressible:
                continue
            got = broken(condition, payload) == []
            assert got == expected, (condition.source, json.dumps(payload)[:2000])
            fired[condition.source].add(expected)
    # The payloads must exercise the rules, not only pass them vacuously.
    both = [s for s, verdicts in fired.items() if verdicts == {True, False}]
    assert len(both) >= 0.7 * len(product_type.conditions), fired
