"""Differential test: the generated models + validators agree with full Draft 2019-09 validation.

For every sample product type (assets/) and every real schema under ../shared/amazon/product-types
(new files there are picked up automatically), at least 200 payloads: valid ones built from the
attribute model, and invalid ones made by mutation (missing required attribute or property, value
outside a closed list, too long in UTF-8 bytes but not in characters, duplicate selector
combination, each conditional rule broken, wrong shapes, unknown attributes, a bad date or a
date-time without offset, a nested optional object missing a member it requires, a nested array
outside its minItems/maxItems, numbers of the wrong JSON type, 1.0 in an integer field, values off
`multipleOf`). On every payload both `ListingValidator.check` and the generated model ALONE must
give the reference validator's verdict (`transpiler.amazon.vocabulary.validator_for`, jsonschema
Draft 2019-09 + Amazon vocabulary, date/date-time asserted); every payload the model accepts
serializes back to the same JSON (same values and JSON types: 1.0 stays 1.0).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import real_schema_files, sample_schema_files, validator_with_model
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler.model import Kind
from transpiler.validation.examples import build_item, condition_values, mutated, valid_listing
from transpiler.validation.validate import ListingValidator

MIN_PAYLOADS = 200
#: Mutations that make any payload invalid (the others are judged by the reference only).
_ALWAYS_INVALID = {"missing_required", "missing_property", "enum", "duplicate_selectors", "not_an_array",
                   "unknown_attribute", "utf8", "nested_missing", "nested_items"}
VALID = 60


def _problems(validator: ListingValidator):
    def problems(payload: dict[str, Any]):
        for error in validator.structural.iter_errors(payload):
            missing = error.kind.property if error.kind.name == "required" else None
            yield tuple(error.instance_path), missing

    return problems


def _first_parent(payload: Any, path: str) -> tuple[dict[str, Any], str] | None:
    """The first object holding the last segment of `path` (descending into first array items)."""
    segments = path.split(".")
    node: Any = payload
    for segment in segments[:-1]:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    if isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict) and segments[-1] in node:
        return node, segments[-1]
    return None


def _too_many_bytes(leaf: Any) -> str | None:
    """A text within the leaf's character limit but over its UTF-8 byte limit (None: impossible)."""
    c = leaf.constraints
    if c.max_utf8_bytes is None or leaf.options or c.pattern:
        return None
    for char in ("é", "€", "😀"):  # 2, 3 and 4 bytes
        count = c.max_utf8_bytes // len(char.encode()) + 1
        if (c.max_length is None or count <= c.max_length) and count >= (c.min_length or 0):
            return char * count
    return None


def _cases(validator: ListingValidator, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    pt = validator.product_type
    hints = condition_values(pt)
    problems = _problems(validator)
    valid: list[dict[str, Any]] = []
    for _ in range(VALID * 3):
        payload = valid_listing(pt, rng, problems, hints=hints, presence=rng.choice([0.2, 0.5, 0.8]))
        if payload is not None:
            valid.append(payload)
        if len(valid) == VALID:
            break
    assert len(valid) >= VALID // 2, f"only {len(valid)} valid payloads could be built"
    cases = [("valid", p) for p in valid]
    by_name = {a.name: a for a in pt.attributes}

    def with_attribute(name: str) -> dict[str, Any]:
        payload = mutated(rng.choice(valid))
        if name not in payload:
            payload[name] = [build_item(by_name[name], pt, rng, presence=1.0)]
        return payload

    for base in valid:
        # Missing required attribute.
        if pt.required:
            payload = mutated(base)
            del payload[rng.choice(pt.required)]
            cases.append(("missing_required", payload))
        # Missing required property of an item.
        candidates = [n for n in base if by_name[n].item_required and isinstance(base[n][0], dict)]
        if candidates:
            payload = mutated(base)
            name = rng.choice(candidates)
            prop = rng.choice([p for p in by_name[name].item_required if p in payload[name][0]] or [None])
            if prop is not None:
                del payload[name][0][prop]
                cases.append(("missing_property", payload))
        # Value outside a closed list.
        leaves = [
            leaf for leaf in pt.leaves
            if leaf.kind == Kind.ENUM and leaf.value_type == "string" and leaf.path.split(".")[0] in base
        ]
        if leaves:
            payload = mutated(base)
            leaf = rng.choice(leaves)
            found = _first_parent(payload, leaf.path)
            if found is not None:
                parent, key = found
                parent[key] = ["__hors_liste__"] if leaf.multiple else "__hors_liste__"
                cases.append(("enum", payload))
        # Duplicate selector combination.
        dup = [n for n in base if by_name[n].constraints.max_unique_items is not None]
        if dup:
            payload = mutated(base)
            name = rng.choice(dup)
            limit = by_name[name].constraints.max_unique_items
            payload[name] = payload[name] + [mutated(payload[name][0]) for _ in range(limit)]
            cases.append(("duplicate_selectors", payload))
        # Wrong shape and unknown attribute.
        payload = mutated(base)
        name = rng.choice(sorted(payload))
        payload[name] = payload[name][0]
        cases.append(("not_an_array", payload))
        payload = mutated(base)
        payload["attribut_inconnu"] = [{"value": "x"}]
        cases.append(("unknown_attribute", payload))

    # Too long in UTF-8 bytes, not in characters.
    for leaf in pt.leaves:
        text = _too_many_bytes(leaf)
        if text is None:
            continue
        for _ in range(3):
            payload = with_attribute(leaf.path.split(".")[0])
            found = _first_parent(payload, leaf.path)
            if found is None:
                payload[leaf.path.split(".")[0]] = [build_item(by_name[leaf.path.split(".")[0]], pt, rng, presence=1.0)]
                found = _first_parent(payload, leaf.path)
            if found is not None:
                parent, key = found
                parent[key] = text
                cases.append(("utf8", payload))

    cases.extend(_value_cases(pt, valid, rng))

    # Each conditional rule broken (judged by the rule's own exact JSON schema).
    for condition in pt.conditions:
        rule = validator_for(json.loads(condition.raw))
        mentioned = list(condition.attributes)
        hits = 0
        for _ in range(2000):
            payload = mutated(rng.choice(valid))
            for _ in range(rng.randint(1, 3)):
                name = rng.choice(mentioned or sorted(by_name))
                if name not in by_name:
                    continue
                if name in payload and rng.random() < 0.4:
                    del payload[name]
                else:
                    item = build_item(by_name[name], pt, rng, presence=rng.random(), hints=hints)
                    if isinstance(item, dict) and rng.random() < 0.5:
                        for key, value in item.items():  # a second entry in nested arrays
                            if isinstance(value, list) and value and rng.random() < 0.5:
                                item[key] = [*value, mutated(value[0])]
                    payload[name] = [item]
                    if rng.random() < 0.3:  # a second item, so rules across items can fire
                        payload[name].append(build_item(by_name[name], pt, rng, presence=rng.random(), hints=hints))
                    if isinstance(item, dict) and item and rng.random() < 0.3:  # rules that restate `required`
                        del item[rng.choice(sorted(item))]
            if not rule.is_valid(payload):
                cases.append((f"condition {condition.source}", payload))
                hits += 1
                if hits == 3:
                    break
    return cases


#: Values tried in leaves whose format Amazon asserts (date, date-time or both).
DATES = ["2026-11-28", "2026-11-28T10:00:00Z", "2026-11-28T10:00:00+01:00", "2026-11-28T10:00:00", "2026-13-45",
         "2026-02-30", "28/11/2026", "6/30/17", "2026-11-28T25:00:00Z", "2026-11-28 10:00:00Z", ""]


def _with_leaf(pt: Any, valid: list[dict[str, Any]], rng: random.Random, path: str) -> tuple[dict[str, Any], Any]:
    """A copy of a valid payload holding `path` (else a payload with a complete item added) and the
    (parent object, key) of that value; (payload, None) when the value cannot be placed."""
    holding = [p for p in valid if _first_parent(p, path) is not None]
    if holding:
        payload = mutated(rng.choice(holding))
    else:
        payload = mutated(rng.choice(valid))
        attribute = pt.attribute(path.split(".")[0])
        payload[attribute.name] = [build_item(attribute, pt, rng, presence=1.0)]
    return payload, _first_parent(payload, path)


def _value_cases(pt: Any, valid: list[dict[str, Any]], rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """Mutations of single values and nested objects/arrays (verdicts left to the reference)."""
    cases: list[tuple[str, dict[str, Any]]] = []

    def put(label: str, path: str, value: Any, *, as_list: bool = False, times: int = 1) -> None:
        for _ in range(times):
            payload, found = _with_leaf(pt, valid, rng, path)
            if found is not None:
                parent, key = found
                parent[key] = [value] if as_list else value
                cases.append((label, payload))

    for leaf in pt.leaves:
        c = leaf.constraints
        # Dates: Amazon's oneOf date | date-time, or a single date / date-time format.
        if leaf.value_type == "string" and (c.formats or c.format in ("date", "date-time")):
            for value in DATES:
                put("format", leaf.path, value, as_list=leaf.multiple)
        # Numbers: 1.0 in an integer field is an integer; 1.5 and booleans are not; ints are numbers.
        if leaf.value_type in ("integer", "number") and not leaf.options:
            payload, found = _with_leaf(pt, valid, rng, leaf.path)
            current = found[0][found[1]] if found else None
            if isinstance(current, list):
                current = current[0] if current else None
            if isinstance(current, (int, float)) and not isinstance(current, bool):
                variants = [float(current), True, "12"]
                variants += [float(current) + 0.5] if leaf.value_type == "integer" else [int(current)]
                if c.multiple_of:
                    variants += [319.72, 0.3, 1.005, round(current + c.multiple_of, 2)]
                for value in variants:
                    put("number_type" if leaf.value_type == "number" else "integer_type", leaf.path, value,
                        as_list=leaf.multiple)
        # A nested optional object present without a member it requires.
        chain = leaf.required_chain
        if len(chain) > 1 and chain[-1] and not all(chain[:-1]):
            for _ in range(2):
                payload, found = _with_leaf(pt, valid, rng, leaf.path)
                if found is not None:
                    parent, key = found
                    del parent[key]
                    cases.append(("nested_missing", payload))
    # Nested arrays of objects outside their minItems / maxItems.
    for attribute in pt.attributes:
        for path, c in attribute.array_constraints:
            if c.min_items is not None and c.min_items >= 1:
                for _ in range(2):
                    payload, found = _with_leaf(pt, valid, rng, path)
                    if found is not None:
                        parent, key = found
                        parent[key] = parent[key][: c.min_items - 1]
                        cases.append(("nested_items", payload))
            if c.max_items is not None:
                payload, found = _with_leaf(pt, valid, rng, path)
                if found is not None and found[0][found[1]]:
                    parent, key = found
                    parent[key] = [*parent[key], *(mutated(parent[key][0]) for _ in range(c.max_items))]
                    cases.append(("nested_items", payload))
    return cases


def _model_verdict(model: Any, payload: dict[str, Any]) -> bool:
    try:
        listing = model.model_validate(payload)
    except ValidationError:
        return False
    dumped = listing.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert json.dumps(dumped, sort_keys=True) == json.dumps(payload, sort_keys=True), "round trip changed the payload"
    return True


SCHEMAS = real_schema_files() + sample_schema_files()


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_verdicts_agree_with_draft_2019_09(path: Path, workspace):
    validator = validator_with_model(path, workspace)  # compiled once for the session
    oracle = validator_for(validator.schema)
    cases = _cases(validator, random.Random(f"differential:{path.parent.name}/{path.name}"))
    assert len(cases) >= MIN_PAYLOADS, Counter(label for label, _ in cases)
    kinds = Counter(label.split()[0] for label, _ in cases)
    verdicts = Counter()
    for label, payload in cases:
        expected = oracle.is_valid(payload)
        verdicts[label.split()[0], expected] += 1
        issues = validator.check(payload)
        assert (not issues) == expected, (label, [i.message for i in issues][:5], json.dumps(payload)[:1500])
        # The generated model alone (types, nested requiredness, formats, rules) gives the same verdict.
        assert _model_verdict(validator.model, payload) == expected, (label, expected, json.dumps(payload)[:1500])
        if label == "valid" or label in _ALWAYS_INVALID:
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
    if any(_too_many_bytes(leaf) for leaf in validator.product_type.leaves):
        assert kinds["utf8"] > 0, kinds
    broken_rules = {label.split()[1] for label, _ in cases if label.startswith("condition")}
    assert broken_rules == {c.source for c in validator.product_type.conditions}
