"""Parsing a schema's conditional rules into Condition records (`transpiler.rules.conditions`).

Rules come as root `allOf` entries (often `{"properties": {X: {"items": {if/then}}}}` wrappers,
which become per-item rules scoped to X), root `anyOf`/`oneOf`/`not`/`if`, and rules written inside
an attribute's items or deeper (`nested_conditions`). `build` turns one fragment into a Condition:
`parse_predicate` reads an `if`, `parse_effects` a `then`/`else` or a bare rule.

A fragment outside the supported shapes raises `Unexpressible` while parsing; `build` keeps it as
an opaque Condition (exact JSON with references inlined, pointer, reason) that validators enforce
through its raw schema, so no rule is ever dropped. To support a new shape, teach
`parse_predicate` / `parse_effects` (or `split_root_entry` / `nested_conditions` for where rules
sit) to read it; the evaluator and the describer work on the records and need no change unless
the shape needs a new predicate or effect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from transpiler.compiler.refs import RefResolver, escape
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
            parts.append(_and(Present(path, Quantifier.SCALAR), _value_predicate(properties[name], path)))
        else:
            parts.append(Present(path, Quantifier.SCALAR))
    for name, sub in properties.items():
        if name in required:
            continue
        path = _join(base, name)
        value = _value_predicate(sub, path)
        if value is not None:
            parts.append(AnyOf((Not(Present(path, Quantifier.SCALAR)), value)))
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
        parts.append(ValueIn(path, tuple(schema["enum"]), Quantifier.SCALAR))
    if "const" in schema:
        parts.append(ValueIn(path, (schema["const"],), Quantifier.SCALAR))
    if "not" in schema:
        inner = _value_predicate(schema["not"], path)
        if inner is None:
            raise Unexpressible("negated empty condition")
        parts.append(Not(inner))
    for keyword, quantifier in (("contains", Quantifier.ANY), ("items", Quantifier.ALL)):
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


def _quantify(atom: Present | ValueIn, quantifier: Quantifier) -> Present | ValueIn:
    inner = atom.quantifier
    if inner not in (Quantifier.SCALAR, quantifier):
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


def nested_conditions(resolver: RefResolver, pointer: str, path: str, attribute: str) -> list[Condition]:
    """Rules written inside an attribute's item (or deeper) rather than in the root allOf."""
    node = resolver.lookup("#" + pointer, pointer)
    # Walk from the attribute down to the object to know which segments are arrays.
    segments = path.split(".")
    scope_path: list[tuple[str, bool]] = [(segments[0], True)]
    # Nested objects below the item: arrays are marked by "/items" in the pointer.
    rest = pointer.split("/items", 1)[1] if "/items" in pointer else ""
    for seg in segments[1:]:
        marker = f"/properties/{escape(seg)}"
        idx = rest.find(marker)
        rest = rest[idx + len(marker) :]
        scope_path.append((seg, rest.startswith("/items")))
        if rest.startswith("/items"):
            rest = rest[len("/items") :]
    out: list[Condition] = []
    fragments: list[tuple[str, Any]] = []
    if "if" in node:
        fragments.append((pointer, {k: node[k] for k in ("if", "then", "else") if k in node}))
    for i, entry in enumerate(node.get("allOf") or ()):
        fragments.append((f"{pointer}/allOf/{i}", entry))
    for keyword in ("anyOf", "oneOf", "not"):
        if keyword in node:
            fragments.append((f"{pointer}/{keyword}", {keyword: node[keyword]}))
    scope = attribute if len(segments) == 1 else ""
    for source, fragment in fragments:
        inlined = resolver.inline(fragment, source)
        raw = wrap(inlined, scope_path)
        if scope:
            out.append(build(source, scope, inlined, raw))
        else:
            # Deeper than the item: kept whole, enforced through its raw schema.
            opaque = build(source, "", {"__nested__": True}, raw)
            out.append(opaque)
    return out
