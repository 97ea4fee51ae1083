"""Differential test of `validate()`'s two paths: `ListingValidator.check` (the compiled structural
check plus the model's own keywords, without building the model) and `ListingValidator.parse` (the
structural check plus the whole generated model) give the same issues, worded alike, with the same
rules, on every payload of the verdict and issue-set tests: single defects, several defects at once,
valid payloads."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import validator_with_model
from tests.test_differential import SCHEMAS, _cases
from tests.test_issue_sets import _multi_defect_cases


def _shown(issues: list) -> list[tuple]:
    return [(i.code, i.path, i.keyword, i.message, i.attribute_names, i.rule.source if i.rule else None)
            for i in issues]


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_check_gives_the_issues_of_the_full_model_pass(path: Path, workspace) -> None:
    validator = validator_with_model(path, workspace)  # compiled once for the session
    seed = f"{path.parent.name}/{path.name}"
    single = [payload for _, payload in _cases(validator, random.Random(f"differential:{seed}"))]
    multi = _multi_defect_cases(validator, random.Random(f"issue-sets:{seed}"))
    kept = 0
    for payload in [*single, *multi]:
        fast = validator.check(payload)
        full = validator.parse(payload)[1]
        assert _shown(fast) == _shown(full), payload
        kept += any(i.keyword in ("maxUtf8ByteLength", "maxUniqueItems") for i in fast)
    assert kept, "no payload broke a keyword the structural check leaves to the model"


def test_a_brace_in_a_value_is_worded_alike_on_both_paths(amazon: Path, workspace) -> None:
    """Selector values shown in a message may hold braces (an item without selectors is shown whole)."""
    validator = validator_with_model(amazon / "product-types" / "US" / "PRODUCT.json", workspace)
    item = {"value": "{x}", "marketplace_id": "ATVPDKIKX0DER"}  # selectors: marketplace_id, value
    payload = {"merchant_suggested_asin": [item, dict(item)]}
    fast, full = validator.check(payload), validator.parse(payload)[1]
    assert _shown(fast) == _shown(full)
    shown = [i.message for i in fast if i.keyword == "maxUniqueItems"]
    assert len(shown) == 1 and '"{x}"' in shown[0] and "{{" not in shown[0]
