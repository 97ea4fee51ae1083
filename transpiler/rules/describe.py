"""One readable English sentence per condition, for `inspect`, `diff`, reports and the table's readiness notes."""

from __future__ import annotations

import json
from typing import Any

from transpiler.rules.conditions import (
    AllOf,
    AllowValues,
    AnyOf,
    Condition,
    Effect,
    Forbid,
    Not,
    Predicate,
    Present,
    Quantifier,
    Refuse,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
)


def _fmt(values: tuple[Any, ...]) -> str:
    shown = [json.dumps(v, ensure_ascii=False) for v in values[:6]]
    if len(values) > 6:
        shown.append(f"… ({len(values)} values)")
    return ", ".join(shown)


def describe_predicate(predicate: Predicate | None) -> str:
    """Readable English text of a predicate."""
    if predicate is None:
        return "always"
    if isinstance(predicate, Present):
        return f"{predicate.path} is set"
    if isinstance(predicate, ValueIn):
        if len(predicate.values) == 1 and isinstance(predicate.values[0], bool):
            return f"{predicate.path} is {'true' if predicate.values[0] else 'false'}"
        scope = "every" if predicate.quantifier == Quantifier.ALL else "a"
        if predicate.quantifier == Quantifier.SCALAR:
            return f"{predicate.path} is one of [{_fmt(predicate.values)}]"
        return f"{scope} {predicate.path} is one of [{_fmt(predicate.values)}]"
    if isinstance(predicate, Not):
        inner = predicate.operand
        if isinstance(inner, Present):
            return f"{inner.path} is missing"
        return f"not ({describe_predicate(inner)})"
    if isinstance(predicate, AllOf):
        return " and ".join(_paren(describe_predicate(p), p) for p in predicate.operands)
    return " or ".join(_paren(describe_predicate(p), p) for p in predicate.operands)


def _paren(text: str, predicate: Predicate) -> str:
    return f"({text})" if isinstance(predicate, (AllOf, AnyOf)) else text


def describe_effect(effect: Effect) -> str:
    if isinstance(effect, Require):
        return f"require {', '.join(effect.paths)}"
    if isinstance(effect, RequireOneOf):
        return f"require one of {', '.join(effect.paths)}"
    if isinstance(effect, Forbid):
        return f"forbid {', '.join(effect.paths)}"
    if isinstance(effect, AllowValues):
        verb = "exclude" if effect.exclude else "allow only"
        return f"{effect.path}: {verb} [{_fmt(effect.values)}]"
    if isinstance(effect, RequireContains):
        return f"require a {effect.path} among [{_fmt(effect.values)}]"
    if isinstance(effect, Refuse):
        where = f"each {effect.at}: " if effect.at else ""
        return f"refuse {where}{describe_predicate(effect.predicate)}"
    return f"limit {effect.path} to {json.dumps(effect.constraints.as_dict(), sort_keys=True)}"


def describe_effects(effects: tuple[Effect, ...]) -> str:
    return "; ".join(describe_effect(e) for e in effects) if effects else "nothing"


def describe(condition: Condition) -> str:
    """One sentence: `when ... then ... [otherwise ...]`, or the opaque rule's pointer."""
    if not condition.expressible:
        return f"opaque rule at {condition.source} ({condition.reason})"
    if condition.inert:
        return f"never applies ({condition.reason or 'no effect'})"
    prefix = f"for each {condition.scope} item: " if condition.scope else ""
    text = f"{prefix}when {describe_predicate(condition.when)} then {describe_effects(condition.then)}"
    if condition.otherwise:
        text += f", otherwise {describe_effects(condition.otherwise)}"
    return text
