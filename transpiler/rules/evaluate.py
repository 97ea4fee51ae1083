"""Checking a listing against a Condition: does the predicate hold, which effects are not met.

Used by the generated models (`transpiler.rules.listing`) and through them by the publisher's
validation; the differential tests prove it agrees with full JSON Schema evaluation of the same
rule (`tests/test_conditions_agree.py`). Values are compared with JSON equality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from transpiler.amazon import keywords, patterns
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
    Refuse,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
    predicate_paths,
)
from transpiler.rules.constraints import Constraints
from transpiler.rules.paths import MISSING, parents, present, values, walk


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
    if isinstance(effect, Refuse):
        return _refused(effect, data)
    raise TypeError(effect)


def _objects(data: Mapping[str, Any], path: str) -> Iterator[Mapping[str, Any]]:
    """The objects at a dotted path (every item along arrays), or `data` itself for an empty path."""
    if not path:
        yield data
        return
    for _, node in walk(data, path.split(".")):
        if isinstance(node, Mapping):
            yield node


def _refused(effect: Refuse, data: Mapping[str, Any]) -> list[str]:
    """Where a Refuse effect is broken: the tested paths present in each object that satisfies it."""
    prefix = f"{effect.at}." if effect.at else ""
    tested = list(dict.fromkeys(predicate_paths(effect.predicate)))
    out: list[str] = []
    for node in _objects(data, effect.at):
        if holds(effect.predicate, node):
            found = [p for p in tested if present(node, p)] or tested[:1]
            out.extend(prefix + p for p in found)
    return sorted(set(out))


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
        if c.pattern is not None and not patterns.search(c.pattern, value):
            return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if c.minimum is not None and value < c.minimum:
            return True
        if c.maximum is not None and value > c.maximum:
            return True
        if c.exclusive_minimum is not None and value <= c.exclusive_minimum:
            return True
        if c.exclusive_maximum is not None and value >= c.exclusive_maximum:
            return True
        if c.multiple_of is not None and not keywords.is_multiple(value, c.multiple_of):
            return True
    return False


def broken(condition: Condition, data: Mapping[str, Any]) -> list[str]:
    """Attribute paths where an expressible condition is violated by the listing `data`.

    Scoped rules are checked on every object at the scope (each item of an attribute, each price
    schedule of each offer...) and report paths prefixed with the scope.
    """
    if not condition.expressible:
        raise ValueError("opaque conditions are checked with their raw schema")
    if condition.scope:
        out: list[str] = []
        for node in _objects(data, condition.scope):
            out.extend(f"{condition.scope}.{p}" for p in _broken_in(condition, node))
        return sorted(set(out))
    return _broken_in(condition, data)


def _broken_in(condition: Condition, data: Mapping[str, Any]) -> list[str]:
    effects = condition.then if condition.when is None or holds(condition.when, data) else condition.otherwise
    out: list[str] = []
    for effect in effects:
        out.extend(violations(effect, data))
    return out
