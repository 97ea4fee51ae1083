"""Amazon's conditional rules as plain data: predicates, effects and the Condition record.

The compiler parses a schema's rules into these records (`transpiler.compiler.condition_parser`),
`transpiler.rules.evaluate` checks a listing against them, `transpiler.rules.describe` words them,
and generated models carry them as source (their repr() is valid Python). Standard library only,
so a generated model can import them without the compiler.

Paths are dotted attribute paths without array markers (`item_package_dimensions.length.value`).
A rule written for the items of an attribute, or deeper (a price schedule inside an offer), has a
`scope`: the dotted path of the objects it applies to, each one on its own, with its paths relative
to that object.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from transpiler.rules.constraints import Constraints


class Quantifier(StrEnum):
    """How a test on a path is read where arrays lie on the path."""

    SCALAR = "scalar"  # the schema tests the value itself (a property, no `contains`/`items`): held by any value
    ANY = "any"  # `contains`: at least one item
    ALL = "all"  # `items`: every item

    def __repr__(self) -> str:
        # Valid Python, so conditions can be written into generated modules with repr().
        return f"{type(self).__name__}.{self.name}"


@dataclass(frozen=True)
class Present:
    """`path` has a value. For a nested path, `quantifier` says whether any or every item must."""

    path: str
    quantifier: Quantifier = Quantifier.ANY

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantifier", Quantifier(self.quantifier))


@dataclass(frozen=True)
class ValueIn:
    """A value at `path` is one of `values` (any item: `contains`; every item: `items`)."""

    path: str
    values: tuple[Any, ...]
    quantifier: Quantifier = Quantifier.ANY

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantifier", Quantifier(self.quantifier))


@dataclass(frozen=True)
class Not:
    operand: Predicate


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Predicate, ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Predicate, ...]


Predicate = Present | ValueIn | Not | AllOf | AnyOf


@dataclass(frozen=True)
class Require:
    """These paths must have a value (a nested path: in every item of its parent)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class RequireOneOf:
    """At least one of these paths must have a value (`anyOf` of `required` sets)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class Forbid:
    """These paths must not have a value."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class AllowValues:
    """Values at `path` must be among `values` (`exclude`: must not be among them)."""

    path: str
    values: tuple[Any, ...]
    exclude: bool = False


@dataclass(frozen=True)
class RequireContains:
    """At least one item of the attribute has a value at `path` among `values`."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Refuse:
    """Each object at `at` (the rule's own object when empty) must not satisfy `predicate`.

    A `not` in an effect that no simpler effect says exactly (`not` on two required properties,
    on a test of a nested value...). The predicate's paths are relative to each object at `at`.
    """

    at: str
    predicate: Predicate


@dataclass(frozen=True)
class Limit:
    """Extra constraints on `path` (e.g. `maxItems: 1`)."""

    path: str
    constraints: Constraints


Effect = Require | RequireOneOf | Forbid | AllowValues | RequireContains | Limit | Refuse


@dataclass(frozen=True)
class Condition:
    """A rule of the schema: when `when` holds, `then` applies; otherwise `otherwise` applies.

    `scope` is empty for rules on the whole listing; otherwise it is the dotted path of the
    objects the rule applies to one by one (`color` for each item of color,
    `purchasable_offer.our_price.schedule` for each price schedule), and the paths are relative
    to such an object. `when` is None for a rule that always applies. `raw` is the rule's exact
    JSON Schema, written for the whole listing. An `expressible=False` condition is one the
    compiler could not break down: validators enforce it through `raw`; it is never dropped.
    `reason` says why a condition is opaque, or why an expressible one never constrains a
    listing (`inert`: a rule JSON Schema never applies, such as `properties` written on an array).
    """

    source: str
    scope: str
    when: Predicate | None
    then: tuple[Effect, ...]
    otherwise: tuple[Effect, ...] = ()
    expressible: bool = True
    raw: str = ""
    reason: str | None = None  # why the condition is opaque, or why it never applies

    @property
    def inert(self) -> bool:
        """An expressible rule that constrains nothing (JSON Schema never applies it)."""
        return self.expressible and self.when is None and not self.then and not self.otherwise

    @property
    def attributes(self) -> tuple[str, ...]:
        """Top-level attribute names this rule reads or constrains (sorted)."""
        if self.scope:
            return (self.scope.split(".")[0],)
        paths = list(predicate_paths(self.when))
        for effect in (*self.then, *self.otherwise):
            paths.extend(effect_paths(effect))
        if not self.expressible:
            with contextlib.suppress(ValueError):
                paths.extend(_raw_attribute_names(json.loads(self.raw)))
        return tuple(sorted({p.split(".")[0] for p in paths}))


def predicate_paths(predicate: Predicate | None) -> Iterator[str]:
    """Every path a predicate tests."""
    if predicate is None:
        return
    if isinstance(predicate, (Present, ValueIn)):
        yield predicate.path
    elif isinstance(predicate, Not):
        yield from predicate_paths(predicate.operand)
    else:
        for p in predicate.operands:
            yield from predicate_paths(p)


def effect_paths(effect: Effect) -> tuple[str, ...]:
    """The paths an effect constrains."""
    if isinstance(effect, (Require, RequireOneOf, Forbid)):
        return effect.paths
    if isinstance(effect, Refuse):
        return tuple(f"{effect.at}.{p}" if effect.at else p for p in predicate_paths(effect.predicate))
    return (effect.path,)


def _raw_attribute_names(raw: Any) -> Iterator[str]:
    """Top-level property names an opaque rule's JSON mentions."""
    if isinstance(raw, Mapping):
        for name in raw.get("required") or ():
            if isinstance(name, str):
                yield name
        yield from raw.get("properties") or {}
        for key in ("if", "then", "else", "not"):
            if key in raw:
                yield from _raw_attribute_names(raw[key])
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in raw.get(key) or ():
                yield from _raw_attribute_names(sub)
