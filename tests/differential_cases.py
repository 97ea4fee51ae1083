"""The payloads of the differential tests, and the reference validator's judgement of each.

For a product type: valid listings built from the attribute model, single-defect mutations of them
(missing required attribute or property, value outside a closed list, too long in UTF-8 bytes but
not in characters, duplicate selector combination, each conditional rule broken, wrong shapes,
unknown attributes, bad dates, nested objects missing a member, nested arrays outside their
limits, numbers of the wrong JSON type or off `multipleOf`), and payloads carrying several defects
at once. `judge` runs the reference validator (`transpiler.amazon.vocabulary.validator_for`:
jsonschema Draft 2019-09 + Amazon's vocabulary, dates asserted) once per payload; the tests of
`tests/test_differential.py` compare `validate()`, the generated model alone and the model pass with
that one judgement, so the (slow) reference runs once per payload, not once per test.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import real_schema_files, sample_schema_files
from transpiler.amazon.vocabulary import validator_for
from transpiler.compiler.model import Kind
from transpiler.validation.examples import build_item, condition_values, mutated, valid_listing
from transpiler.validation.issues import pointer
from transpiler.validation.validate import ListingValidator

#: Valid listings built per product type (at most three tries each).
VALID = 60
#: Payloads with several defects per product type, and how many defects each holds.
MULTI = 80
DEFECTS_PER_PAYLOAD = (2, 4)
#: Mutations that make any payload invalid (the others are judged by the reference only).
ALWAYS_INVALID = {"missing_required", "missing_property", "enum", "duplicate_selectors", "not_an_array",
                  "unknown_attribute", "utf8", "nested_missing", "nested_items"}
#: Every sample product type (assets/) and every real schema under ../shared/amazon/product-types.
SCHEMAS = real_schema_files() + sample_schema_files()

Place = tuple[str, str]  # (JSON pointer, keyword)
Pair = tuple[str, str]  # (top-level attribute, keyword)


def structural_problems(validator: ListingValidator):
    def problems(payload: dict[str, Any]):
        for error in validator.structural.iter_errors(payload):
            missing = error.kind.property if error.kind.name == "required" else None
            yield tuple(error.instance_path), missing

    return problems


def first_parent(payload: Any, path: str) -> tuple[dict[str, Any], str] | None:
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


def too_many_bytes(leaf: Any) -> str | None:
    """A text within the leaf's character limit but over its UTF-8 byte limit (None: impossible)."""
    c = leaf.constraints
    if c.max_utf8_bytes is None or leaf.options or c.pattern:
        return None
    for char in ("é", "€", "😀"):  # 2, 3 and 4 bytes
        count = c.max_utf8_bytes // len(char.encode()) + 1
        if (c.max_length is None or count <= c.max_length) and count >= (c.min_length or 0):
            return char * count
    return None


def single_defect_cases(validator: ListingValidator, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    pt = validator.product_type
    hints = condition_values(pt)
    problems = structural_problems(validator)
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
            found = first_parent(payload, leaf.path)
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
        text = too_many_bytes(leaf)
        if text is None:
            continue
        for _ in range(3):
            payload = with_attribute(leaf.path.split(".")[0])
            found = first_parent(payload, leaf.path)
            if found is None:
                payload[leaf.path.split(".")[0]] = [build_item(by_name[leaf.path.split(".")[0]], pt, rng, presence=1.0)]
                found = first_parent(payload, leaf.path)
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
    holding = [p for p in valid if first_parent(p, path) is not None]
    if holding:
        payload = mutated(rng.choice(holding))
    else:
        payload = mutated(rng.choice(valid))
        attribute = pt.attribute(path.split(".")[0])
        payload[attribute.name] = [build_item(attribute, pt, rng, presence=1.0)]
    return payload, first_parent(payload, path)


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


def reference_places(errors: Iterable[Any]) -> Counter[Place]:
    """(JSON pointer, keyword) of every error of the reference validator, counted.

    A missing property is placed where it is missing, an unknown property where it is; a rule
    about the whole listing (`not`, `anyOf` at the root) is at "". A problem several rules raise
    alike (a property they all require, the same `minItems` at the same place) counts once; two
    different rules broken at one place (two `not`) count twice.
    """
    places: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[str, str, str]] = set()
    for error in errors:
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


def pairs(places: Counter[Place]) -> set[Pair]:
    """(top-level attribute, keyword): the attribute is the first token of the pointer."""
    return {(place.split("/")[1] if place else "", keyword) for place, keyword in places}


def _defects(validator: ListingValidator, valid: list[dict[str, Any]], rng: random.Random) -> list[Any]:
    """Functions that each add one defect to a payload (in place); those the type allows."""
    pt = validator.product_type
    by_name = {a.name: a for a in pt.attributes}

    def holding(payload: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
        name = path.split(".")[0]
        if first_parent(payload, path) is None:
            payload[name] = [build_item(by_name[name], pt, rng, presence=1.0)]
        return first_parent(payload, path)

    def drop_required(payload: dict[str, Any]) -> None:
        present = [name for name in pt.required if name in payload]
        if present:
            del payload[rng.choice(present)]

    too_long = [(leaf, text) for leaf in pt.leaves if (text := too_many_bytes(leaf))]

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


def multi_defect_cases(validator: ListingValidator, rng: random.Random) -> list[dict[str, Any]]:
    pt = validator.product_type
    problems = structural_problems(validator)
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


@dataclass(frozen=True)
class Judged:
    """A payload, how it was made, and every problem the reference validator finds in it."""

    label: str  # "valid", a single mutation ("enum", "condition <source>"...) or "several"
    payload: dict[str, Any]
    valid: bool  # the reference's verdict
    places: Counter[Place]  # where it finds each problem (see `reference_places`)

    @property
    def single(self) -> bool:
        return self.label != "several"


def judge(validator: ListingValidator, seed: str) -> list[Judged]:
    """The single-defect payloads (seeded `differential:<seed>`), then the multi-defect ones
    (`issue-sets:<seed>`), each judged once by the reference validator."""
    oracle = validator_for(validator.schema)
    single = single_defect_cases(validator, random.Random(f"differential:{seed}"))
    several = [("several", payload) for payload in multi_defect_cases(validator, random.Random(f"issue-sets:{seed}"))]
    judged = []
    for label, payload in [*single, *several]:
        errors = list(oracle.iter_errors(payload))
        judged.append(Judged(label, payload, not errors, reference_places(errors)))
    return judged


def schema_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"
