"""Parsing one conditional rule of a schema into Condition records (`transpiler.rules.conditions`).

`transpiler.compiler.rule_sites` finds where the rules sit (root `allOf` entries, groups of rules,
wrappers under `properties` / `items` at any depth, rules inside attribute definitions) and hands
each one here with its scope. `build` turns one rule into conditions:

- `if` / `then` / `else`: one Condition (`when` ▸ `then`, `otherwise` = the `else` effects);
- rules nested in a branch (Amazon's `else` chains `if A … else if B … else if C …`, a `then`
  holding an `allOf` of rules) become more conditions, each guarded by the branch that leads to
  it (`not A and B`), so every condition stays a plain `when ▸ then`;
- a bare fragment (no `if`) is a rule that always applies.

`parse_predicate` reads an `if`, `parse_effects` a `then` / `else`. Both ask the schema's shape
(`SchemaShape`) which paths are arrays, so `properties` written on an array (ignored by JSON
Schema) is compiled to nothing rather than to a check JSON Schema would not make.

A fragment outside the supported shapes raises `Unexpressible` while parsing; `build` keeps it as
an opaque Condition (exact JSON with references inlined, pointer, reason) that validators enforce
through its raw schema, so no rule is ever dropped. Each condition's `raw` is the exact JSON
Schema of that condition alone (guards included), so the conditions of a rule together say what
the rule says, and each can be checked against JSON Schema evaluation on its own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from transpiler.compiler.schema_shape import ARRAY, OBJECT, SCALAR, SchemaShape
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
)
from transpiler.rules.constraints import Constraints

NOTE_KEYS = {"$comment", "title", "description", "type", "examples"}
_LIMIT_KEYWORDS = {
    "minItems": "min_items",
    "maxItems": "max_items",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "pattern": "pattern",
}
_ARRAY_KEYWORDS = {"items", "contains", "minItems", "maxItems"}
_OBJECT_KEYWORDS = {"required", "properties"}
_RULE_KEYS = ("if", "then", "else")


class Unexpressible(Exception):
    """A fragment the predicate/effect vocabulary cannot represent exactly."""


def join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def keys_of(schema: Mapping[str, Any]) -> set[str]:
    return set(schema) - NOTE_KEYS


def checked(schema: Any, what: str, allowed: set[str]) -> Mapping[str, Any]:
    """`schema` if it is an object with `allowed` keywords only; else Unexpressible (`what` it is)."""
    if not isinstance(schema, Mapping):
        raise Unexpressible(f"{what} is not an object")
    unknown = keys_of(schema) - allowed
    if unknown:
        raise Unexpressible(f"unsupported keywords in {what}: {sorted(unknown)}")
    return schema


def canonical(fragment: Any) -> str:
    return json.dumps(fragment, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def wrap(fragment: Any, scope_path: Sequence[tuple[str, bool]]) -> Any:
    """Root-level schema applying `fragment` at a nested object (`[(name, through items), ...]`)."""
    wrapped: Any = fragment
    for name, is_array in reversed(scope_path):
        wrapped = {"properties": {name: {"items": wrapped} if is_array else wrapped}}
    return wrapped


class Parser:
    """Predicates and effects of fragments applied at the objects of one scope.

    `prefix` is the dotted path of those objects in the listing (empty for the listing itself);
    the shape answers which paths below it are arrays. Without a shape every path is taken as
    the schema writes it (no array knowledge).
    """

    def __init__(self, shape: SchemaShape | None = None, prefix: str = ""):
        self.shape = shape
        self.prefix = prefix

    def kind(self, path: str) -> str | None:
        return self.shape.kind(join(self.prefix, path)) if self.shape is not None else None

    def below(self, base: str) -> Parser:
        """The parser for fragments applied at the objects at `base`."""
        return Parser(self.shape, join(self.prefix, base)) if base else self

    # --- predicates ---------------------------------------------------------------------------

    def predicate(self, schema: Any, base: str = "") -> Predicate:
        """Predicate equivalent to `schema` applied to the object at `base`."""
        schema = checked(schema, "predicate", {"required", "properties", "allOf", "anyOf", "not"})
        parts: list[Predicate] = []
        required = list(schema.get("required") or ())
        properties = schema.get("properties") or {}
        for name in required:
            path = join(base, name)
            if name in properties:
                parts.append(_and(Present(path, Quantifier.SCALAR), self.value_predicate(properties[name], path)))
            else:
                parts.append(Present(path, Quantifier.SCALAR))
        for name, sub in properties.items():
            if name in required:
                continue
            path = join(base, name)
            value = self.value_predicate(sub, path)
            if value is not None:
                parts.append(AnyOf((Not(Present(path, Quantifier.SCALAR)), value)))
        if "allOf" in schema:
            parts.append(AllOf(tuple(self.predicate(s, base) for s in schema["allOf"])))
        if "anyOf" in schema:
            parts.append(AnyOf(tuple(self.predicate(s, base) for s in schema["anyOf"])))
        if "not" in schema:
            parts.append(Not(self.predicate(schema["not"], base)))
        if not parts:
            raise Unexpressible("empty condition")
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def value_predicate(self, schema: Any, path: str) -> Predicate | None:
        """Predicate for "the value at `path` (known present) satisfies `schema`"; None if vacuous."""
        schema = checked(schema, "property condition",
                         {"contains", "items", "enum", "const", "not", "required", "properties"})
        kind = self.kind(path)
        parts: list[Predicate] = []
        if kind == ARRAY and ({"enum", "const"} & set(schema)):
            raise Unexpressible(f"value test on the array {path} itself")
        if "enum" in schema:
            parts.append(ValueIn(path, tuple(schema["enum"]), Quantifier.SCALAR))
        if "const" in schema:
            parts.append(ValueIn(path, (schema["const"],), Quantifier.SCALAR))
        if "not" in schema:
            inner = self.value_predicate(schema["not"], path)
            if inner is None:
                raise Unexpressible("negated empty condition")
            parts.append(Not(inner))
        if kind not in (ARRAY, SCALAR) and (_OBJECT_KEYWORDS & set(schema)):  # objects only
            parts.append(self.predicate({k: schema[k] for k in _OBJECT_KEYWORDS if k in schema}, path))
        if kind not in (OBJECT, SCALAR):  # `contains` / `items` apply to arrays only
            for keyword, quantifier in (("contains", Quantifier.ANY), ("items", Quantifier.ALL)):
                if keyword in schema:
                    atom = _single_atom(self.predicate(schema[keyword], path))
                    parts.append(_quantify(atom, quantifier))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    # --- effects ------------------------------------------------------------------------------

    def effects(self, schema: Any, base: str = "") -> tuple[Effect, ...]:
        """Effects equivalent to `schema` applied to the object at `base`."""
        schema = checked(schema, "effect", {"required", "properties", "not", "anyOf", "allOf"})
        effects: list[Effect] = []
        if schema.get("required"):
            effects.append(Require(tuple(join(base, n) for n in schema["required"])))
        for name, sub in (schema.get("properties") or {}).items():
            effects.extend(self._property_effects(sub, base, name))
        if "not" in schema:
            negated = schema["not"]
            if isinstance(negated, Mapping) and keys_of(negated) == {"required"} and len(negated["required"]) == 1:
                effects.append(Forbid((join(base, negated["required"][0]),)))
            else:
                effects.append(Refuse(base, self.below(base).predicate(negated)))
        if "anyOf" in schema:
            effects.append(self._any_of(schema["anyOf"], base))
        for sub in schema.get("allOf") or ():
            effects.extend(self.effects(sub, base))
        return tuple(effects)

    def _any_of(self, branches: Any, base: str) -> Effect:
        """`anyOf` as an effect: one of several required properties, or else "not none of them"."""
        if isinstance(branches, list) and all(
            isinstance(b, Mapping) and keys_of(b) == {"required"} and len(b["required"]) == 1 for b in branches
        ):
            return RequireOneOf(tuple(join(base, b["required"][0]) for b in branches))
        inner = self.below(base)
        return Refuse(base, Not(AnyOf(tuple(inner.predicate(b) for b in branches))))

    def _property_effects(self, schema: Any, base: str, name: str) -> list[Effect]:
        path = join(base, name)
        schema = checked(schema, "property effect",
                         {"items", "contains", "enum", "const", "not", *_OBJECT_KEYWORDS, *_LIMIT_KEYWORDS})
        kind = self.kind(path)
        if kind == ARRAY:
            # JSON Schema applies `required` / `properties` to objects only: on an array they say nothing.
            schema = {k: v for k, v in schema.items() if k not in _OBJECT_KEYWORDS}
            if {"enum", "const"} & set(schema):
                raise Unexpressible(f"value list on the array {path} itself")
        elif kind in (OBJECT, SCALAR):
            schema = {k: v for k, v in schema.items() if k not in _ARRAY_KEYWORDS}
            if kind == SCALAR:
                schema = {k: v for k, v in schema.items() if k not in _OBJECT_KEYWORDS}
        effects: list[Effect] = []
        limits = {_LIMIT_KEYWORDS[k]: schema[k] for k in _LIMIT_KEYWORDS if k in schema}
        if limits:
            effects.append(Limit(path, Constraints(**limits)))
        if "enum" in schema:
            effects.append(AllowValues(path, tuple(schema["enum"])))
        if "const" in schema:
            effects.append(AllowValues(path, (schema["const"],)))
        if "not" in schema:
            effects.extend(self._negated_property(schema["not"], base, name, kind))
        if "items" in schema:
            effects.extend(self.effects(schema["items"], path))
        if _OBJECT_KEYWORDS & set(schema):
            effects.extend(self.effects({k: schema[k] for k in _OBJECT_KEYWORDS if k in schema}, path))
        if "contains" in schema:
            atom = _single_atom(self.predicate(schema["contains"], path))
            if not isinstance(atom, ValueIn):
                raise Unexpressible("contains effect without a value test")
            effects.append(RequireContains(atom.path, atom.values))
        return effects

    def _negated_property(self, negated: Any, base: str, name: str, kind: str | None) -> list[Effect]:
        """`properties: {name: {not: ...}}`: the value, when present, must not satisfy `negated`."""
        path = join(base, name)
        if not isinstance(negated, Mapping):
            raise Unexpressible("negated property effect is not an object")
        keys = keys_of(negated)
        if keys in ({"enum"}, {"const"}) and kind != ARRAY:
            values = tuple(negated["enum"]) if "enum" in negated else (negated["const"],)
            return [AllowValues(path, values, exclude=True)]
        if keys == {"contains"} and kind != OBJECT and kind != SCALAR:
            atom = _single_atom(self.predicate(negated["contains"], path))
            if atom.quantifier == Quantifier.SCALAR:
                # no item holds the value: every value at that path is outside the list
                if isinstance(atom, ValueIn):
                    return [AllowValues(atom.path, atom.values, exclude=True)]
                return [Forbid((atom.path,))]
        if keys == {"required"} and len(negated["required"]) == 1 and kind == OBJECT:
            return [Forbid((join(path, negated["required"][0]),))]
        inner = self.below(base)
        value = inner.value_predicate(negated, name)
        if value is None:  # `not` of a test every value passes: the property must be absent
            return [Forbid((path,))]
        return [Refuse(base, _and(Present(name, Quantifier.SCALAR), value))]


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


def parse_predicate(schema: Any, base: str = "", shape: SchemaShape | None = None) -> Predicate:
    """Predicate equivalent to `schema` applied to the object at `base` (see `Parser.predicate`)."""
    return Parser(shape).predicate(schema, base)


def parse_effects(schema: Any, base: str = "", shape: SchemaShape | None = None) -> tuple[Effect, ...]:
    """Effects equivalent to `schema` applied to the object at `base` (see `Parser.effects`)."""
    return Parser(shape).effects(schema, base)


# --- building conditions ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Guard:
    """The branch that leads to a nested rule: its predicate and its exact JSON Schema."""

    predicate: Predicate
    schema: Any


def _branch(schema: Any, pointer: str) -> tuple[dict[str, Any], list[tuple[str, Mapping[str, Any]]]]:
    """A `then` / `else` split into its plain effects and the rules nested in it (with pointers)."""
    if not isinstance(schema, Mapping):
        raise Unexpressible("branch is not an object")
    plain: dict[str, Any] = {k: v for k, v in schema.items() if k not in (*_RULE_KEYS, "allOf")}
    rules: list[tuple[str, Mapping[str, Any]]] = []
    entries = schema.get("allOf")
    if entries is not None:
        if not isinstance(entries, list):
            raise Unexpressible("allOf is not a list")
        kept = []
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping) and (_holds_rule(entry)):
                rules.extend(_rules_of(entry, f"{pointer}/allOf/{i}"))
            else:
                kept.append(entry)
        if kept:
            plain["allOf"] = kept
    if "if" in schema:
        nested = {k: schema[k] for k in _RULE_KEYS if k in schema}
        own = bool(keys_of(plain))
        rules.append((f"{pointer}/if" if own else pointer, nested))
    return plain, rules


def _rules_of(entry: Mapping[str, Any], pointer: str) -> list[tuple[str, Mapping[str, Any]]]:
    """An `allOf` entry of a branch that holds rules: its plain effects and its rules, flattened."""
    plain, rules = _branch(entry, pointer)
    return ([(pointer, plain)] if keys_of(plain) else []) + rules


def _holds_rule(schema: Mapping[str, Any]) -> bool:
    if "if" in schema:
        return True
    return any(isinstance(e, Mapping) and _holds_rule(e) for e in schema.get("allOf") or ())


def build(source: str, scope: str, fragment: Mapping[str, Any], scope_path: Sequence[tuple[str, bool]],
          shape: SchemaShape | None = None) -> list[Condition]:
    """The conditions of one rule applied at the objects of `scope` (see the module docstring).

    `scope_path` leads from the listing to those objects (for each condition's raw schema).
    """
    parser = Parser(shape, scope)
    out: list[Condition] = []
    if "if" not in fragment:
        raw = wrap(dict(fragment), scope_path)
        try:
            out.append(Condition(source, scope, None, parser.effects(fragment), (), True, canonical(raw)))
        except Unexpressible as exc:
            out.append(Condition(source, scope, None, (), (), False, canonical(raw), str(exc)))
        return out
    _pieces(parser, source, source, scope, fragment, (), scope_path, out)
    return out


def _pieces(parser: Parser, source: str, pointer: str, scope: str, rule: Mapping[str, Any],
            guards: tuple[_Guard, ...], scope_path: Sequence[tuple[str, bool]], out: list[Condition]) -> None:
    """Conditions of one `if` rule reached through `guards` (the branches above it)."""

    def opaque(src: str, raw: Any, exc: Exception) -> None:
        out.append(Condition(src, scope, None, (), (), False, canonical(wrap(raw, scope_path)), str(exc)))

    whole = _guarded({k: rule[k] for k in _RULE_KEYS if k in rule}, guards)
    try:
        extra = keys_of(rule) - set(_RULE_KEYS)
        if extra:
            raise Unexpressible(f"unsupported keywords beside if/then/else: {sorted(extra)}")
        test = parser.predicate(rule["if"])
        then_plain, then_rules = _branch(rule.get("then", {}), f"{pointer}/then")
        else_plain, else_rules = _branch(rule.get("else", {}), f"{pointer}/else")
    except Unexpressible as exc:
        opaque(source, whole, exc)
        return

    def piece(src: str, when: Predicate, then: dict[str, Any], otherwise: dict[str, Any] | None,
              raw: Any) -> None:
        try:
            out.append(Condition(src, scope, when, parser.effects(then),
                                 parser.effects(otherwise) if otherwise else (), True,
                                 canonical(wrap(raw, scope_path))))
        except Unexpressible as exc:
            opaque(src, raw, exc)

    nested = then_rules or else_rules
    if not guards:
        if keys_of(then_plain) or keys_of(else_plain) or not nested:
            raw = {"if": rule["if"]}
            if keys_of(then_plain) or not keys_of(else_plain):
                raw["then"] = then_plain
            if keys_of(else_plain):
                raw["else"] = else_plain
            piece(source, test, then_plain, else_plain, raw)
    else:
        when = AllOf((*(g.predicate for g in guards), test))
        if keys_of(then_plain) or not (keys_of(else_plain) or nested):
            piece(source, when, then_plain, None, _guarded({"if": rule["if"], "then": then_plain}, guards))
        if keys_of(else_plain):
            negated = AllOf((*(g.predicate for g in guards), Not(test)))
            raw = _guarded({"if": rule["if"], "else": else_plain}, guards)
            piece(f"{pointer}/else", negated, else_plain, None, raw)
    for branch_guard, rules in ((_Guard(test, rule["if"]), then_rules),
                                (_Guard(Not(test), {"not": rule["if"]}), else_rules)):
        for sub_pointer, sub in rules:
            inner = (*guards, branch_guard)
            if "if" in sub:
                _pieces(parser, sub_pointer, sub_pointer, scope, sub, inner, scope_path, out)
                continue
            raw = _guarded(sub, inner)
            try:
                out.append(Condition(sub_pointer, scope, AllOf(tuple(g.predicate for g in inner)),
                                     parser.effects(sub), (), True, canonical(wrap(raw, scope_path))))
            except Unexpressible as exc:
                opaque(sub_pointer, raw, exc)


def _guarded(schema: Mapping[str, Any], guards: tuple[_Guard, ...]) -> Any:
    """The exact schema of `schema` reached through `guards`: `if (g1 and g2 …) then schema`."""
    if not guards:
        return dict(schema)
    return {"if": {"allOf": [g.schema for g in guards]}, "then": dict(schema)}
