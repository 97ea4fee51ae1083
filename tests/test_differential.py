"""Differential tests: `validate()`, the generated models and the model pass against the reference.

For every sample product type (assets/) and every real schema under ../shared/amazon/product-types
(new files there are picked up automatically), the payloads of `tests/differential_cases.py`: at
least 200 valid or single-defect ones, and 80 with several defects at once. Each is judged once by
the reference validator (jsonschema Draft 2019-09 + Amazon's vocabulary, date/date-time asserted),
then three comparisons are made:

- verdicts: on every single-defect payload, both `ListingValidator.check` and the generated model
  ALONE give the reference's verdict, and every payload the model accepts serializes back to the
  same JSON (same values and JSON types: 1.0 stays 1.0);
- issue sets: on every payload, the (attribute, keyword) pairs `validate()` reports are the
  reference's, and each (pointer, keyword) is reported as often as the reference raises a distinct
  problem there (an issue list that stops at the first family of problems would be caught);
- both paths: `ListingValidator.check` (the compiled structural check plus the model's own
  keywords, without building the model) and `ListingValidator.parse` (the whole generated model)
  give the same issues, worded alike, with the same rules.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import validator_with_model
from tests.differential_cases import (
    ALWAYS_INVALID,
    MULTI,
    SCHEMAS,
    Judged,
    judge,
    pairs,
    reference_places,
    schema_id,
    too_many_bytes,
)
from transpiler.amazon.vocabulary import validator_for
from transpiler.validation.validate import ListingValidator

MIN_PAYLOADS = 200

Judgements = Callable[[Path], tuple[ListingValidator, list[Judged]]]


@pytest.fixture(scope="module")
def judged(workspace) -> Judgements:
    """The validator and the judged payloads of a schema, made on first use and shared by the tests
    of this module (the reference validator is the slow part: it runs once per payload)."""
    made: dict[Path, tuple[ListingValidator, list[Judged]]] = {}

    def of(path: Path) -> tuple[ListingValidator, list[Judged]]:
        if path not in made:
            validator = validator_with_model(path, workspace)  # compiled once for the session
            made[path] = validator, judge(validator, schema_id(path))
        return made[path]

    return of


def _model_verdict(model: Any, payload: dict[str, Any]) -> bool:
    try:
        listing = model.model_validate(payload)
    except ValidationError:
        return False
    dumped = listing.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert json.dumps(dumped, sort_keys=True) == json.dumps(payload, sort_keys=True), "round trip changed the payload"
    return True


@pytest.mark.parametrize("path", SCHEMAS, ids=schema_id)
def test_verdicts_agree_with_draft_2019_09(path: Path, judged: Judgements) -> None:
    validator, payloads = judged(path)
    cases = [case for case in payloads if case.single]
    assert len(cases) >= MIN_PAYLOADS, Counter(case.label for case in cases)
    kinds = Counter(case.label.split()[0] for case in cases)
    verdicts: Counter[tuple[str, bool]] = Counter()
    for case in cases:
        label, payload, expected = case.label, case.payload, case.valid
        verdicts[label.split()[0], expected] += 1
        issues = validator.check(payload)
        assert (not issues) == expected, (label, [i.message for i in issues][:5], json.dumps(payload)[:1500])
        # The generated model alone (types, nested requiredness, formats, rules) gives the same verdict.
        assert _model_verdict(validator.model, payload) == expected, (label, expected, json.dumps(payload)[:1500])
        if label == "valid" or label in ALWAYS_INVALID:
            assert expected == (label == "valid"), (label, "the payload does not have the verdict it was built for")
    # Every kind of mutation the product type allows was exercised, and every rule was broken.
    for kind in ("valid", "missing_property", "enum", "not_an_array", "unknown_attribute"):
        assert kinds[kind] > 0, kinds
    pt = validator.product_type
    if any(leaf.constraints.formats or leaf.constraints.format in ("date", "date-time") for leaf in pt.leaves):
        assert verdicts["format", True] and verdicts["format", False], verdicts
    if any(leaf.value_type == "integer" for leaf in pt.leaves):
        assert verdicts["integer_type", True] and verdicts["integer_type", False], verdicts
    if any(len(leaf.required_chain) > 1 and leaf.required_chain[-1] and not all(leaf.required_chain[:-1])
           for leaf in pt.leaves):
        assert kinds["nested_missing"] > 0, kinds
    if any(c.min_items for a in pt.attributes for _, c in a.array_constraints):
        assert kinds["nested_items"] > 0, kinds
    if validator.product_type.required:
        assert kinds["missing_required"] > 0
    if any(too_many_bytes(leaf) for leaf in validator.product_type.leaves):
        assert kinds["utf8"] > 0, kinds
    broken_rules = {case.label.split()[1] for case in cases if case.label.startswith("condition")}
    assert broken_rules == {c.source for c in validator.product_type.conditions}


def our_places(validator: ListingValidator, payload: dict[str, Any]) -> Counter[tuple[str, str]]:
    issues = validator.check(payload)
    assert all(i.keyword for i in issues), [i.message for i in issues if not i.keyword]
    assert {(i.attribute, i.keyword) for i in issues} == pairs(Counter((i.path, i.keyword) for i in issues))
    return Counter((i.path, i.keyword) for i in issues)


@pytest.mark.parametrize("path", SCHEMAS, ids=schema_id)
def test_issue_sets_agree_with_the_reference(path: Path, judged: Judgements) -> None:
    validator, payloads = judged(path)
    keywords: Counter[str] = Counter()
    several = 0  # multi-defect payloads with two kinds of problems or more
    for case in payloads:
        expected = case.places
        found = our_places(validator, case.payload)
        shown = json.dumps(case.payload, ensure_ascii=False)[:1500]
        assert pairs(found) == pairs(expected), shown  # the same problems...
        assert found == expected, shown  # ...each reported once, where the reference reports it
        keywords.update(k for _, k in expected)
        several += not case.single and len({k for _, k in expected}) >= 2
    # Several families of problems at once were exercised, including those only the model checks.
    assert several >= MULTI // 2
    if any(too_many_bytes(leaf) for leaf in validator.product_type.leaves):
        assert keywords["maxUtf8ByteLength"] and keywords["required"], keywords


def test_utf8_bytes_are_reported_with_the_missing_attributes(amazon: Path, workspace) -> None:
    """The case a user met: 15 missing attributes reported, the 400-byte keyword value not."""
    schema = amazon / "product-types" / "US" / "PRODUCT.json"
    payload = {"generic_keyword": [{"value": "é" * 200, "marketplace_id": "ATVPDKIKX0DER", "language_tag": "en_US"}]}
    validator = validator_with_model(schema, workspace)
    issues = validator.check(payload)
    assert [(i.path, i.keyword) for i in issues if i.attribute == "generic_keyword"] == [
        ("/generic_keyword/0/value", "maxUtf8ByteLength")]
    missing = [i for i in issues if i.keyword == "required"]
    assert len(missing) >= 15 and len({i.path for i in missing}) == len(missing)
    reference = reference_places(validator_for(validator.schema).iter_errors(payload))
    assert reference == Counter((i.path, i.keyword) for i in issues)


def _shown(issues: list) -> list[tuple]:
    return [(i.code, i.path, i.keyword, i.message, i.attribute_names, i.rule.source if i.rule else None)
            for i in issues]


@pytest.mark.parametrize("path", SCHEMAS, ids=schema_id)
def test_check_gives_the_issues_of_the_full_model_pass(path: Path, judged: Judgements) -> None:
    validator, payloads = judged(path)
    kept = 0
    for case in payloads:
        fast = validator.check(case.payload)
        full = validator.parse(case.payload)[1]
        assert _shown(fast) == _shown(full), case.payload
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
