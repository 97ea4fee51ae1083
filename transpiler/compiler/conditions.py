"""Conditional rules of a schema (`allOf` / `if` / `then` / `else`, `not`, `anyOf` of required sets).

Three jobs, all pure:
- parse: schema fragments -> Condition records with readable predicates and effects;
- evaluate: check a listing's attributes against a Condition (used by the generated models and
  the publisher; the differential tests prove it agrees with full JSON Schema validation);
- describe: one readable English sentence per condition for `inspect` and reports.

A fragment outside the supported shapes raises `Unexpressible` during parsing; the caller keeps
it as an opaque Condition (raw JSON + pointer) so no rule is ever dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from transpiler.compiler.model import (
    AllOf,
    AllowValues,
    AnyOf,
    Condition,
    Constraints,
    Effect,
    Forbid,
    Limit,
    Not,
    Predicate,
    Present,
    Require,
    RequireContains,
    RequireOneOf,
    ValueIn,
)

_NOTE_KEYS = {"$comment", "title", "description", "type", "examples"}
_LIMIT_KEYWORDS = {
    "minItems": "min_items",
    "maxItems": "max_items",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "pattern": "pattern",
}


class Unexpressible(Exception):
    """A fragment the predicate/effect vocabulary cannot represent exactly."""


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _keys(schema: Mapping[str, Any]) -> set[str]:
    return set(schema) - _NOTE_KEYS


# --- parsing predicates -----------------------------------------------------------------------


def parse_predicate(schema: Any, base: str = "") -> Predicate:
    """Predicate equivalent to `schema` applied to the object at `base`."""
    if not isinstance(schema, Mapping):
        raise Unexpressible("predicate is not an object")
    unknown = _keys(schema) - {"required", "properties", "allOf", "anyOf", "not"}
    if unknown:
        raise Unexpressible(f"unsupported keywords in condition: {sorted(unknown)}")
    parts: list[Predicate] = []
    required = list(schema.get("required") or ())
    properties = schema.get("properties") or {}
    for name in required:
        path = _join(base, name)
        if name in properties:
            parts.append(_and(Present(path, "scalar"), _value_predicate(properties[name], path)))
        else:
            parts.append(Present(path, "scalar"))
    for name, sub in properties.items():
        if name in required:
            continue
        path = _join(base, name)
        value = _value_predicate(sub, path)
        if value is not None:
            parts.append(AnyOf((Not(Present(path, "scalar")), value)))
    if "allOf" in schema:
        parts.append(AllOf(tuple(parse_predicate(s, base) for s in schema["allOf"])))
    if "anyOf" in schema:
        parts.append(AnyOf(tuple(parse_predicate(s, base) for s in schema["anyOf"])))
    if "not" in schema:
        parts.append(Not(parse_predicate(schema["not"], base)))
    if not parts:
        raise Unexpressible("empty condition")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _and(left: Predicate, right: Predicate | None) -> Predicate:
    """`left and right`, dropping a presence test implied by a value test on the same path."""
    if right is None:
        return left
    if isinstance(left, Present) and _implies_presence(right, left.path):
        return right
    return AllOf((left, right))


def _implies_presence(predicate: Predicate, path: str) -> bool:
    if isinstance(predicate, (Present, ValueIn)):
        return predicate.path == path or predicate.path.startswith(path + ".")
    if isinstance(predicate, AllOf):
        return any(_implies_presence(p, path) for p in predicate.operands)
    return False


def _value_predicate(schema: Any, path: str) -> Predicate | None:
    """Predicate for "the value at `path` (known present) satisfies `schema`"; None if vacuous."""
    if not isinstance(schema, Mapping):
        raise Unexpressible("property condition is not an object")
    unknown = _keys(schema) - {"contains", "items", "enum", "const", "not"}
    if unknown:
        raise Unexpressible(f"unsupported keywords in property condition: {sorted(unknown)}")
    parts: list[Predicate] = []
    if "enum" in schema:
        parts.append(ValueIn(path, tuple(schema["enum"]), "scalar"))
    if "const" in schema:
        parts.append(ValueIn(path, (schema["const"],), "scalar"))
    if "not" in schema:
        inner = _value_predicate(schema["not"], path)
        if inner is None:
            raise Unexpressible("negated empty condition")
        parts.append(Not(inner))
    for keyword, quantifier in (("contains", "any"), ("items", "all")):
        if keyword in schema:
            atom = _single_atom(parse_predicate(schema[keyword], path))
            parts.append(_quantify(atom, quantifier))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _single_atom(predicate: Predicate) -> Present | ValueIn:
    """Reduce an item predicate to one Present/ValueIn test, or raise Unexpressible."""
    if isinstance(predicate, (Present, ValueIn)):
        return predicate
    if isinstance(predicate, AllOf):
        atoms = list(predicate.operands)
        if all(isinstance(a, (Present, ValueIn)) for a in atoms):
            kept = [
                a
                for a in atoms
                if not (
                    isinstance(a, Present)
                    and any(b is not a and _implies_presence(b, a.path) for b in atoms)
                )
            ]
            if len(kept) == 1:
                return kept[0]  # type: ignore[return-value]
    raise Unexpressible("item condition tests more than one value")


def _quantify(atom: Present | ValueIn, quantifier: str) -> Present | ValueIn:
    inner = atom.quantifier
    if inner not in ("scalar", quantifier):
        raise Unexpressible("mixed any/every quantifiers")
    if isinstance(atom, Present):
        return Present(atom.path, quantifier)
    return ValueIn(atom.path, atom.values, quantifier)


# --- parsing effects --------------------------------------------------------------------------


def parse_effects(schema: Any, base: str = "") -> tuple[Effect, ...]:
    """Effects equivalent to `schema` applied to the object at `base`."""
    if not isinstance(schema, Mapping):
        raise Unexpressible("effect is not an object")
    unknown = _keys(schema) - {"required", "properties", "not", "anyOf", "allOf"}
    if unknown:
        raise Unexpressible(f"unsupported keywords in effect: {sorted(unknown)}")
    effects: list[Effect] = []
    if schema.get("required"):
        effects.append(Require(tuple(_join(base, n) for n in schema["required"])))
    for name, sub in (schema.get("properties") or {}).items():
        effects.extend(_property_effects(sub, _join(base, name)))
    if "not" in schema:
        negated = schema["not"]
        if isinstance(negated, Mapping) and _keys(negated) == {"required"} and len(negated["required"]) == 1:
            effects.append(Forbid((_join(base, negated["required"][0]),)))
        else:
            raise Unexpressible("negated effect other than a single required property")
    if "anyOf" in schema:
        paths: list[str] = []
        for branch in schema["anyOf"]:
            if not (isinstance(branch, Mapping) and _keys(branch) == {"required"}):
                raise Unexpressible("anyOf effect other than required sets")
            if len(branch["required"]) != 1:
                raise Unexpressible("anyOf effect with a multi-property required set")
            paths.append(_join(base, branch["required"][0]))
        effects.append(RequireOneOf(tuple(paths)))
    for sub in schema.get("allOf") or ():
        effects.extend(parse_effects(sub, base))
    return tuple(effects)


def _property_effects(schema: Any, path: str) -> list[Effect]:
    if not isinstance(schema, Mapping):
        raise Unexpressible("property effect is not an object")
    unknown = _keys(schema) - {"items", "contains", "enum", "not", "required", "properties", *_LIMIT_KEYWORDS}
    if unknown:
        raise Unexpressible(f"unsupported keywords in property effect: {sorted(unknown)}")
    effects: list[Effect] = []
    limits = {_LIMIT_KEYWORDS[k]: schema[k] for k in _LIMIT_KEYWORDS if k in schema}
    if limits:
        effects.append(Limit(path, Constraints(**limits)))
    if "enum" in schema:
        effects.append(AllowValues(path, tuple(schema["enum"])))
    if "not" in schema:
        negated = schema["not"]
        if isinstance(negated, Mapping) and _keys(negated) == {"enum"}:
            effects.append(AllowValues(path, tuple(negated["enum"]), exclude=True))
        else:
            raise Unexpressible("negated property effect other than an enum")
    if "items" in schema:
        effects.extend(parse_effects(schema["items"], path))
    if "required" in schema or "properties" in schema:
        effects.extend(parse_effects({k: schema[k] for k in ("required", "properties") if k in schema}, path))
    if "contains" in schema:
        atom = _single_atom(parse_predicate(schema["contains"], path))
        if not isinstance(atom, ValueIn):
            raise Unexpressible("contains effect without a value test")
        effects.append(RequireContains(atom.path, atom.values))
    return effects


# --- building conditions ----------------------------------------------------------------------


def canonical(fragment: Any) -> str:
    return json.dumps(fragment, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def wrap(fragment: Mapping[str, Any], scope_path: list[tuple[str, bool]]) -> dict[str, Any]:
    """Root-level schema applying `fragment` at a nested object (`[(name, is_array), ...]`)."""
    wrapped: dict[str, Any] = dict(fragment)
    for name, is_array in reversed(scope_path):
        wrapped = {"properties": {name: {"items": wrapped} if is_array else wrapped}}
    return wrapped


def build(source: str, scope: str, fragment: Mapping[str, Any], raw_root: Mapping[str, Any]) -> Condition:
    """A Condition from an `if`/`then`/`else` fragment or a bare rule, opaque when unexpressible."""
    raw = canonical(raw_root)
    try:
        if "if" in fragment:
            extra = _keys(fragment) - {"if", "then", "else"}
            if extra:
                raise Unexpressible(f"unsupported keywords beside if/then: {sorted(extra)}")
            when = parse_predicate(fragment["if"])
            then = parse_effects(fragment.get("then", {}))
            otherwise = parse_effects(fragment.get("else", {}))
            return Condition(source, scope, when, then, otherwise, True, raw)
        return Condition(source, scope, None, parse_effects(fragment), (), True, raw)
    except Unexpressible as exc:
        return Condition(source, scope, None, (), (), False, raw, str(exc))


def split_root_entry(entry: Any, pointer: str) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """(source, scope, fragment, raw root schema) for one root `allOf` entry.

    `{"properties": {"X": {"items": {if/then}}}}` wrappers become per-item rules scoped to X
    (one per property when a wrapper holds several).
    """
    if isinstance(entry, Mapping) and _keys(entry) == {"properties"} and entry["properties"]:
        props = entry["properties"]
        simple = all(
            isinstance(sub, Mapping)
            and _keys(sub) == {"items"}
            and isinstance(sub["items"], Mapping)
            and ("if" in sub["items"] or "allOf" in sub["items"])
            for sub in props.values()
        )
        if simple:
            for name, sub in props.items():
                items = sub["items"]
                source = pointer if len(props) == 1 else f"{pointer}/properties/{name}"
                if "allOf" in items and "if" not in items:
                    for i, inner in enumerate(items["allOf"]):
                        raw = {"properties": {name: {"items": inner}}}
                        yield f"{source}/items/allOf/{i}", name, inner, raw
                else:
                    yield source, name, items, {"properties": {name: sub}}
            return
    yield pointer, "", entry if isinstance(entry, Mapping) else {}, entry if isinstance(entry, Mapping) else {}


# --- evaluation -------------------------------------------------------------------------------

def _values(node: Any, segments: list[str]) -> Iterator[Any]:
    """Every value reachable along `segments`, descending into arrays."""
    if isinstance(node, list):
        for element in node:
            yield from _values(element, segments)
        return
    if not segments:
        yield node
        return
    if isinstance(node, Mapping) and segments[0] in node:
        yield from _values(node[segments[0]], segments[1:])


def _holds(node: Any, segments: list[str], test: Any, quantifier: str) -> bool:
    if isinstance(node, list):
        results = (_holds(e, segments, test, quantifier) for e in node)
        return all(results) if quantifier == "all" else any(results)
    if not segments:
        return bool(test(node))
    if not isinstance(node, Mapping) or segments[0] not in node:
        return False
    return _holds(node[segments[0]], segments[1:], test, quantifier)


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0 but True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _in(value: Any, values: tuple[Any, ...]) -> bool:
    return any(_equal(value, v) for v in values)


def holds(predicate: Predicate, data: Mapping[str, Any]) -> bool:
    """Whether `predicate` is true of the object `data`."""
    if isinstance(predicate, Present):
        return _holds(data, predicate.path.split("."), lambda _v: True, _q(predicate.quantifier))
    if isinstance(predicate, ValueIn):
        return _holds(
            data, predicate.path.split("."), lambda v: _in(v, predicate.values), _q(predicate.quantifier)
        )
    if isinstance(predicate, Not):
        return not holds(predicate.operand, data)
    if isinstance(predicate, AllOf):
        return all(holds(p, data) for p in predicate.operands)
    if isinstance(predicate, AnyOf):
        return any(holds(p, data) for p in predicate.operands)
    raise TypeError(predicate)


def _q(quantifier: str) -> str:
    return "all" if quantifier == "all" else "any"


def _parents(data: Any, segments: list[str]) -> Iterator[Mapping[str, Any]]:
    """Objects that hold the last segment of a path (every item along arrays)."""
    for parent in _values(data, segments[:-1]):
        if isinstance(parent, list):
            yield from (p for p in parent if isinstance(p, Mapping))
        elif isinstance(parent, Mapping):
            yield parent


def violations(effect: Effect, data: Mapping[str, Any]) -> list[str]:
    """Paths at which `effect` is not met by `data` (empty when it is met)."""
    if isinstance(effect, Require):
        out = []
        for path in effect.paths:
            segments = path.split(".")
            if len(segments) == 1:
                if segments[0] not in data:
                    out.append(path)
            elif any(segments[-1] not in parent for parent in _parents(data, segments)):
                out.append(path)
        return out
    if isinstance(effect, Forbid):
        out = []
        for path in effect.paths:
            segments = path.split(".")
            if any(segments[-1] in parent for parent in _parents(data, segments)):
                out.append(path)
        return out
    if isinstance(effect, RequireOneOf):
        if any(p.split(".")[-1] in parent for p in effect.paths for parent in _parents(data, p.split("."))):
            return []
        return [effect.paths[0]]
    if isinstance(effect, AllowValues):
        bad = [
            v
            for v in _values(data, effect.path.split("."))
            if _in(v, effect.values) == effect.exclude
        ]
        return [effect.path] if bad else []
    if isinstance(effect, RequireContains):
        segments = effect.path.split(".")
        if segments[0] not in data:
            return []
        if _holds(data, segments, lambda v: _in(v, effect.values), "any"):
            return []
        return [effect.path]
    if isinstance(effect, Limit):
        return [effect.path] if any(_limit_broken(v, effect.constraints) for v in _limited(data, effect.path)) else []
    raise TypeError(effect)


def _limited(data: Mapping[str, Any], path: str) -> Iterator[Any]:
    segments = path.split(".")
    for parent in _parents(data, segments):
        if segments[-1] in parent:
            yield parent[segments[-1]]


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


# --- reading conditions -----------------------------------------------------------------------


def _predicate_paths(predicate: Predicate | None) -> Iterator[str]:
    if predicate is None:
        return
    if isinstance(predicate, (Present, ValueIn)):
        yield predicate.path
    elif isinstance(predicate, Not):
        yield from _predicate_paths(predicate.operand)
    else:
        for p in predicate.operands:
            yield from _predicate_paths(p)


def effect_paths(effect: Effect) -> tuple[str, ...]:
    if isinstance(effect, (Require, RequireOneOf, Forbid)):
        return effect.paths
    return (effect.path,)


def mentioned_attributes(condition: Condition) -> tuple[str, ...]:
    """Top-level attribute names a condition reads or constrains."""
    if condition.scope:
        return (condition.scope,)
    paths = list(_predicate_paths(condition.when))
    for effect in (*condition.then, *condition.otherwise):
        paths.extend(effect_paths(effect))
    if not condition.expressible:
        try:
            raw = json.loads(condition.raw)
            paths.extend(_raw_attribute_names(raw))
        except ValueError:
            pass
    return tuple(sorted({p.split(".")[0] for p in paths}))


def _raw_attribute_names(raw: Any) -> Iterator[str]:
    if isinstance(raw, Mapping):
        for key in ("required",):
            for name in raw.get(key) or ():
                if isinstance(name, str):
                    yield name
        for name in (raw.get("properties") or {}):
            yield name
        for key in ("if", "then", "else", "not"):
            if key in raw:
                yield from _raw_attribute_names(raw[key])
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in raw.get(key) or ():
                yield from _raw_attribute_names(sub)


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
        scope = "every" if predicate.quantifier == "all" else "a"
        if predicate.quantifier == "scalar":
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
    return f"limit {effect.path} to {json.dumps(effect.constraints.as_dict(), sort_keys=True)}"


def describe_effects(effects: tuple[Effect, ...]) -> str:
    return "; ".join(describe_effect(e) for e in effects) if effects else "nothing"


def describe(condition: Condition) -> str:
    """One sentence: `when ... then ... [otherwise ...]`, or the opaque rule's pointer."""
    if not condition.expressible:
        return f"opaque rule at {condition.source} ({condition.reason})"
    prefix = f"for each {condition.scope} item: " if condition.scope else ""
    text = f"{prefix}when {describe_predicate(condition.when)} then {describe_effects(condition.then)}"
    if condition.otherwise:
        text += f", otherwise {describe_effects(condition.otherwise)}"
    return text
