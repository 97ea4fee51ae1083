"""Checking a listing against a Condition: does the predicate hold, which effects are not met.

Used by the generated models (`transpiler.rules.listing`) and through them by the publisher's
validation; the differential tests prove it agrees with full JSON Schema evaluation of the same
rule (`tests/test_conditions_agree.py`). Values are compared with JSON equality.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from transpiler.json_equality import json_in
from transpiler.rules.conditions import (
    AllOf,
    AllowValues,
    AnyOf,
    Condition,
    Effect,
    Forbid,
    Limit,
    Not,
    Predicate,
    Present,
    Quantifier,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
)
from transpiler.rules.constraints import Constraints
from transpiler.rules.paths import MISSING, parents, values, walk


def _test(data: Mapping[str, Any], path: str, test: Callable[[Any], bool], quantifier: Quantifier) -> bool:
    """Whether `test` holds of the values at `path`: of every one (ALL; a missing value fails), or
    of at least one (ANY, and SCALAR: the value itself, any array item when arrays lie on the path)."""
    if quantifier == Quantifier.ALL:
        return all(value is not MISSING and test(value) for _, value in walk(data, path.split("."), dead_ends=True))
    return any(test(value) for value in values(data, path))


def holds(predicate: Predicate, data: Mapping[str, Any]) -> bool:
    """Whether `predicate` is true of the object `data`."""
    if isinstance(predicate, Present):
        return _test(data, predicate.path, lambda _v: True, predicate.quantifier)
    if isinstance(predicate, ValueIn):
        return _test(data, predicate.path, lambda v: json_in(v, predicate.values), predicate.quantifier)
    if isinstance(predicate, Not):
        return not holds(predicate.operand, data)
    if isinstance(predicate, AllOf):
        return all(holds(p, data) for p in predicate.operands)
    if isinstance(predicate, AnyOf):
        return any(holds(p, data) for p in predicate.operands)
    raise TypeError(predicate)


def _has(data: Mapping[str, Any], path: str) -> Iterator[bool]:
    """For each object that holds the path's last segment, whether it has a value there."""
    name = path.rsplit(".", 1)[-1]
    return (name in parent for _, parent in parents(data, path))


def violations(effect: Effect, data: Mapping[str, Any]) -> list[str]:
    """Paths at which `effect` is not met by `data` (empty when it is met)."""
    if isinstance(effect, Require):
        out = []
        for path in effect.paths:
            if "." not in path:
                if path not in data:
                    out.append(path)
            elif not all(_has(data, path)):
                out.append(path)
        return out
    if isinstance(effect, Forbid):
        return [path for path in effect.paths if any(_has(data, path))]
    if isinstance(effect, RequireOneOf):
        return [] if any(any(_has(data, path)) for path in effect.paths) else [effect.paths[0]]
    if isinstance(effect, AllowValues):
        bad = any(json_in(v, effect.values) == effect.exclude for v in values(data, effect.path))
        return [effect.path] if bad else []
    if isinstance(effect, RequireContains):
        if effect.path.split(".")[0] not in data:
            return []
        if _test(data, effect.path, lambda v: json_in(v, effect.values), Quantifier.ANY):
            return []
        return [effect.path]
    if isinstance(effect, Limit):
        return [effect.path] if any(_limit_broken(v, effect.constraints) for v in _limited(data, effect.path)) else []
    raise TypeError(effect)


def _limited(data: Mapping[str, Any], path: str) -> Iterator[Any]:
    """The values a Limit applies to: each one as a whole (an array is not descended into)."""
    name = path.rsplit(".", 1)[-1]
    for _, parent in parents(data, path):
        if name in parent:
            yield parent[name]


def _limit_broken(value: Any, c: Constraints) -> bool:
    if isinstance(value, list):
        if c.min_items is not None and len(value) < c.min_items:
            return True
        if c.max_items is not None and len(value) > c.max_items:
            return True
    if isinstance(value, str):
        if c.min_length is not None and len(value) < c.min_length:
            return True
        if c.max_length is not None and len(value) > c.max_length:
            return True
        if c.pattern is not None and not re.search(c.pattern, value):
            return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if c.minimum is not None and value < c.minimum:
            return True
        if c.maximum is not None and value > c.maximum:
            return True
    return False


def broken(condition: Condition, data: Mapping[str, Any]) -> list[str]:
    """Attribute paths where an expressible condition is violated by the listing `data`.

    Per-item rules (non-empty scope) are checked on every item of the scoped attribute and
    report paths prefixed with the attribute name.
    """
    if not condition.expressible:
        raise ValueError("opaque conditions are checked with their raw schema")
    if condition.scope:
        items = data.get(condition.scope)
        if not isinstance(items, list):
            return []
        out: list[str] = []
        for item in items:
            if isinstance(item, Mapping):
                out.extend(f"{condition.scope}.{p}" for p in _broken_in(condition, item))
        return sorted(set(out))
    return _broken_in(condition, data)


def _broken_in(condition: Condition, data: Mapping[str, Any]) -> list[str]:
    effects = condition.then if condition.when is None or holds(condition.when, data) else condition.otherwise
    out: list[str] = []
    for effect in effects:
        out.extend(violations(effect, data))
    return out
