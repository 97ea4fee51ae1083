"""Differential test of complete issue lists: `validate()` finds the same problems as the reference.

`tests/test_differential.py` compares verdicts; this compares, on every payload, the *set* of
(attribute, keyword) pairs `validate()` reports with the pairs of the reference validator
(`transpiler.amazon.vocabulary.validator_for`: jsonschema Draft 2019-09 + Amazon's keywords),
and checks that no problem is reported twice. Payloads: the single-mutation cases of the verdict
test, and payloads carrying several defects at once (a missing attribute AND a value too long in
UTF-8 bytes AND an unknown attribute...), where an issue list that stops at the first family of
problems would be caught.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import validator_with_model
from tests.test_differential import SCHEMAS, _cases, _first_parent, _problems, _too_many_bytes
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler.model import Kind
from transpiler.validation.examples import build_item, mutated, valid_listing
from transpiler.validation.issues import pointer
from transpiler.validation.validate import ListingValidator

Pair = tuple[str, str]
DEFECTS_PER_PAYLOAD = (2, 4)
MULTI = 80


def reference_places(oracle: Any, payload: dict[str, Any]) -> Counter[tuple[str, str]]:
    """(JSON pointer, keyword) of every error of the reference validator, counted.

    A missing property is placed where it is missing, an unknown property where it is; a rule
    about the whole listing (`not`, `anyOf` at the root) is at "". A problem several rules raise
    alike (a property they all require, the same `minItems` at the same place) counts once; two
    different rules broken at one place (two `not`) count twice.
    """
    places: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str, str]] = set()
    for error in oracle.iter_errors(payload):
        path = list(error.absolute_path)
        if error.validator == "required":
            instance = error.instance if isinstance(error.instance, dict) else {}
            for name in error.validator_value:
                if name not in instance:
                    places[pointer([*path, name]), "required"] = 1
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            for name in error.instance:
                if name not in known:
                    places[pointer([*path, name]), "additionalProperties"] = 1
        else:
            problem = (pointer(path), str(error.validator), json.dumps(error.validator_value, sort_keys=True))
            if problem not in seen:
                seen.add(problem)
                places[problem[:2]] += 1
    return places


def pairs(places: Counter[tuple[str, str]]) -> set[Pair]:
    """(top-level attribute, keyword): the attribute is the first token of the pointer."""
    return {(place.split("/")[1] if place else "", keyword) for place, keyword in places}


def our_places(validator: ListingValidator, payload: dict[str, Any]) -> Counter[tuple[str, str]]:
    issues = validator.check(payload)
    assert all(i.keyword for i in issues), [i.message for i in issues if not i.keyword]
    assert {(i.attribute, i.keyword) for i in issues} == pairs(Counter((i.path, i.keyword) for i in issues))
    return Counter((i.path, i.keyword) for i in issues)


def _defects(validator: ListingValidator, valid: list[dict[str, Any]], rng: random.Random) -> list[Any]:
    """Functions that each add one defect to a payload (in place); those the type allows."""
    pt = validator.product_type
    by_name = {a.name: a for a in pt.attributes}

    def holding(payload: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
        name = path.split(".")[0]
        if _first_parent(payload, path) is None:
            payload[name] = [build_item(by_name[name], pt, rng, presence=1.0)]
        return _first_parent(payload, path)

    def drop_required(payload: dict[str, Any]) -> None:
        present = [name for name in pt.required if name in payload]
        if present:
            del payload[rng.choice(present)]

    too_long = [(leaf, text) for leaf in pt.leaves if (text := _too_many_bytes(leaf))]

    def utf8(payload: dict[str, Any]) -> None:
        leaf, text = rng.choice(too_long)
        found = holding(payload, leaf.path)
        if found is not None:
            found[0][found[1]] = text

    def unknown(payload: dict[str, Any]) -> None:
        payload[f"attribut_inconnu_{rng.randint(1, 9)}"] = [{"value": "x"}]

    closed = [leaf for leaf in pt.leaves if leaf.kind == Kind.ENUM and leaf.value_type == "string"]

    def enum(payload: dict[str, Any]) -> None:
        leaf = rng.choice(closed)
        found = holding(payload, leaf.path)
        if found is not None:
            found[0][found[1]] = ["__hors_liste__"] if leaf.multiple else "__hors_liste__"

    limited = [a for a in pt.attributes if a.constraints.max_unique_items is not None]

    def duplicates(payload: dict[str, Any]) -> None:
        attribute = rng.choice(limited)
        if not isinstance(payload.get(attribute.name), list) or not payload[attribute.name]:
            payload[attribute.name] = [build_item(attribute, pt, rng, presence=1.0)]
        first = payload[attribute.name][0]
        payload[attribute.name] += [mutated(first) for _ in range(attribute.constraints.max_unique_items or 1)]

    def not_an_array(payload: dict[str, Any]) -> None:
        name = rng.choice(sorted(payload))
        if isinstance(payload[name], list) and payload[name]:
            payload[name] = payload[name][0]

    numbers = [leaf for leaf in pt.leaves if leaf.value_type in ("integer", "number") and not leaf.options]

    def wrong_number(payload: dict[str, Any]) -> None:
        leaf = rng.choice(numbers)
        found = holding(payload, leaf.path)
        if found is not None:
            found[0][found[1]] = rng.choice(["12", True, 1.5])

    return [d for d, possible in ((drop_required, pt.required), (utf8, too_long), (unknown, True),
                                  (enum, closed), (duplicates, limited), (not_an_array, True),
                                  (wrong_number, numbers)) if possible]


def _multi_defect_cases(validator: ListingValidator, rng: random.Random) -> list[dict[str, Any]]:
    pt = validator.product_type
    problems = _problems(validator)
    valid = [p for p in (valid_listing(pt, rng, problems, presence=0.6) for _ in range(20)) if p is not None]
    assert valid
    defects = _defects(validator, valid, rng)
    cases = []
    for _ in range(MULTI):
        payload = mutated(rng.choice(valid))
        for defect in rng.sample(defects, min(len(defects), rng.randint(*DEFECTS_PER_PAYLOAD))):
            defect(payload)
        cases.append(payload)
    return cases


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_issue_sets_agree_with_the_reference(path: Path, workspace) -> None:
    validator = validator_with_model(path, workspace)  # compiled once for the session
    oracle = validator_for(validator.schema)
    seed = f"{path.parent.name}/{path.name}"
    single = [payload for _, payload in _cases(validator, random.Random(f"differential:{seed}"))]
    multi = _multi_defect_cases(validator, random.Random(f"issue-sets:{seed}"))
    keywords: Counter[str] = Counter()
    several = 0  # multi-defect payloads with two kinds of problems or more
    for index, payload in enumerate([*single, *multi]):
        expected = reference_places(oracle, payload)
        found = our_places(validator, payload)
        shown = json.dumps(payload, ensure_ascii=False)[:1500]
        assert pairs(found) == pairs(expected), shown  # the same problems...
        assert found == expected, shown  # ...each reported once, where the reference reports it
        keywords.update(k for _, k in expected)
        several += index >= len(single) and len({k for _, k in expected}) >= 2
    # Several families of problems at once were exercised, including those only the model checks.
    assert several >= MULTI // 2
    if any(_too_many_bytes(leaf) for leaf in validator.product_type.leaves):
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
    oracle = validator_for(validator.schema)
    assert reference_places(oracle, payload) == Counter((i.path, i.keyword) for i in issues)
