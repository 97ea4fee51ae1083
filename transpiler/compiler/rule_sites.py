"""Where a product type schema's conditional rules sit, each with the scope it applies to.

Amazon writes rules in several shapes; all end up as ordinary conditions:

- root `allOf` entries: a rule (`if`/`then`/`else`), a bare requirement, or a **group** (an
  `allOf` whose entries are rules, e.g. "required unless parent" + "required on a child of these
  themes"), flattened entry by entry;
- **wrappers** `{"properties": {"X": {"items": {…rule…}}}}` at any depth (a rule on the currency
  of each price schedule of each offer): the rule is scoped to the objects the wrapper reaches;
- rules written inside attribute definitions (`properties.X.items.if`, or deeper).

JSON Schema applies `properties` / `required` to objects only and `items` to arrays only: a
wrapper that goes through an array without `items` reaches nothing, so its rule never applies.
Such a rule is kept as an *inert* condition with that reason, not compiled to a check JSON Schema
would not make. `sites` does the finding; `transpiler.compiler.condition_parser.build` turns
each site into conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from transpiler.compiler.condition_parser import NOTE_KEYS, build, canonical, wrap
from transpiler.compiler.refs import RefResolver, escape
from transpiler.compiler.schema_shape import ARRAY, OBJECT, SchemaShape
from transpiler.rules.conditions import Condition

#: Keywords that only concern objects: on an array they always pass.
_OBJECT_ONLY = {
    "required", "properties", "additionalProperties", "patternProperties", "dependentRequired",
    "dependentSchemas", "minProperties", "maxProperties", "propertyNames", "unevaluatedProperties",
}


@dataclass(frozen=True)
class Site:
    """One rule and where it applies.

    `scope` is the dotted path of the objects it applies to (empty: the listing); `scope_path`
    leads there from the listing (`(name, through items)` per step) for the rule's raw schema.
    `inert` says why JSON Schema never applies it; `opaque` why it cannot be compiled at all.
    """

    source: str
    scope: str
    fragment: Mapping[str, Any]
    scope_path: tuple[tuple[str, bool], ...]
    inert: str | None = None
    opaque: str | None = None


def holds_rule(node: Any) -> bool:
    """Whether a schema fragment holds an `if` rule or a group of rules, at any depth below it."""
    if not isinstance(node, Mapping):
        return False
    if "if" in node:
        return True
    entries = node.get("allOf")
    if isinstance(entries, list) and any(holds_rule(e) for e in entries):
        return True
    if holds_rule(node.get("items")):
        return True
    properties = node.get("properties")
    return isinstance(properties, Mapping) and any(holds_rule(p) for p in properties.values())


def sites(fragment: Any, pointer: str, shape: SchemaShape, *, scope: str = "",
          scope_path: tuple[tuple[str, bool], ...] = ()) -> list[Site]:
    """Every rule in `fragment` (a root `allOf` entry, or a rule part of a definition), applied to
    the listing, or to each object at `scope` (`scope_path` leads there)."""
    out: list[Site] = []
    _collect(fragment, pointer, shape, scope, scope_path, OBJECT, out)
    return out


def _collect(node: Any, pointer: str, shape: SchemaShape, scope: str,
             scope_path: tuple[tuple[str, bool], ...], kind: str | None, out: list[Site]) -> None:
    """Sites of `node`, applied to the value at `scope` (an array, an object, or unknown: None)."""
    if not isinstance(node, Mapping):
        if node is not True:
            out.append(Site(pointer, scope, {"not": {}}, scope_path, opaque="boolean schema false"))
        return
    if kind == ARRAY:
        _on_array(node, pointer, shape, scope, scope_path, out)
        return
    residual: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("if", "then", "else"):
            continue
        if key == "allOf" and isinstance(value, list) and any(holds_rule(e) for e in value):
            for i, entry in enumerate(value):
                _collect(entry, f"{pointer}/allOf/{i}", shape, scope, scope_path, kind, out)
            continue
        if key == "properties" and isinstance(value, Mapping):
            plain = {}
            for name, sub in value.items():
                if not holds_rule(sub):
                    plain[name] = sub
                    continue
                child = f"{scope}.{name}" if scope else name
                _collect(sub, f"{pointer}/properties/{escape(name)}", shape, child,
                         (*scope_path, (name, False)), shape.kind(child), out)
            if plain:
                residual["properties"] = plain
            continue
        if key == "items" and holds_rule(value):
            if kind is None and scope_path:  # the schema does not say: read it as written
                _collect(value, f"{pointer}/items", shape, scope, _through_items(scope_path), OBJECT, out)
            else:
                out.append(Site(f"{pointer}/items", scope, {"items": value}, scope_path,
                                inert=f"`items` written on {scope or 'the listing'}, which is not an array "
                                      "(JSON Schema ignores it)"))
            continue
        residual[key] = value
    rule = {k: node[k] for k in ("if", "then", "else") if k in node}
    own = bool(set(residual) - NOTE_KEYS)
    if "if" in rule:
        out.append(Site(f"{pointer}/if" if own else pointer, scope, rule, scope_path))
    if own:
        out.append(Site(pointer, scope, residual, scope_path))


def _on_array(node: Mapping[str, Any], pointer: str, shape: SchemaShape, scope: str,
              scope_path: tuple[tuple[str, bool], ...], out: list[Site]) -> None:
    """A fragment applied to an array: `items` leads to its objects; the rest applies to the array."""
    if "items" in node:
        _collect(node["items"], f"{pointer}/items", shape, scope, _through_items(scope_path), OBJECT, out)
    rest = {k: v for k, v in node.items() if k != "items"}
    if not (set(rest) - NOTE_KEYS):
        return
    truth = _truth_on_array(rest)
    if truth is True:
        out.append(Site(pointer, scope, rest, scope_path,
                        inert=f"written on the array {scope} without `items`: JSON Schema applies "
                              "`properties` and `required` to objects only"))
    elif truth is False:
        out.append(Site(pointer, scope, rest, scope_path,
                        opaque=f"written on the array {scope} without `items`: rejects every listing where "
                               f"{scope} is set"))
    else:
        out.append(Site(pointer, scope, rest, scope_path, opaque=f"rule on the array {scope} itself"))


def _through_items(scope_path: tuple[tuple[str, bool], ...]) -> tuple[tuple[str, bool], ...]:
    """The same path with its last step going into the array's items."""
    return (*scope_path[:-1], (scope_path[-1][0], True)) if scope_path else scope_path


def _truth_on_array(schema: Any) -> bool | None:
    """The verdict of `schema` on any array when it only uses object keywords (None: it depends)."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, Mapping):
        return None
    verdict = True
    for key, value in schema.items():
        if key == "type":
            allowed = value if isinstance(value, list) else [value]
            verdict = verdict and "array" in allowed
        elif key in NOTE_KEYS or key in _OBJECT_ONLY or key in ("then", "else"):
            continue
        elif key in ("not", "allOf", "anyOf", "oneOf", "if"):
            parts = [value] if key in ("not", "if") else value
            if not isinstance(parts, list):
                return None
            truths = [_truth_on_array(p) for p in parts]
            if any(t is None for t in truths):
                return None
            if key == "not":
                verdict = verdict and not truths[0]
            elif key == "allOf":
                verdict = verdict and all(truths)
            elif key == "anyOf":
                verdict = verdict and any(truths)
            elif key == "oneOf":
                verdict = verdict and sum(bool(t) for t in truths) == 1
            else:
                branch = _truth_on_array(schema.get("then" if truths[0] else "else", True))
                if branch is None:
                    return None
                verdict = verdict and branch
        else:
            return None
    return verdict


def site_conditions(site: Site, shape: SchemaShape) -> list[Condition]:
    """The conditions of one site."""
    raw = canonical(wrap(dict(site.fragment), site.scope_path))
    if site.inert is not None:
        return [Condition(site.source, site.scope, None, (), (), True, raw, site.inert)]
    if site.opaque is not None:
        return [Condition(site.source, site.scope, None, (), (), False, raw, site.opaque)]
    return build(site.source, site.scope, site.fragment, site.scope_path, shape)


def root_conditions(schema: Mapping[str, Any], resolver: RefResolver, shape: SchemaShape) -> list[Condition]:
    """Conditions of the rules written at the schema's root (`allOf` entries, `if`, `anyOf`...)."""
    conditions: list[Condition] = []
    for i, entry in enumerate(schema.get("allOf") or ()):
        pointer = f"/allOf/{i}"
        found = sites(resolver.inline(entry, pointer), pointer, shape)
        if len(found) == 1:  # one rule in the entry: named by the entry (`/allOf/12` for a wrapper)
            found = [replace(found[0], source=pointer)]
        for site in found:
            conditions.extend(site_conditions(site, shape))
    for keyword in ("anyOf", "oneOf", "not", "if"):
        if keyword in schema:
            keys = ("if", "then", "else") if keyword == "if" else (keyword,)
            fragment = resolver.inline({k: schema[k] for k in keys if k in schema}, f"/{keyword}")
            conditions.extend(site_conditions(Site(f"/{keyword}", "", fragment, ()), shape))
    return conditions


def definition_conditions(resolver: RefResolver, shape: SchemaShape, pointer: str, path: str) -> list[Condition]:
    """Rules written inside an attribute definition, on the objects at `path` (an item or deeper)."""
    node = resolver.lookup("#" + pointer, pointer)
    segments = path.split(".")
    scope_path = tuple(
        (segment, shape.kind(".".join(segments[: i + 1])) == ARRAY) for i, segment in enumerate(segments)
    )
    parts: list[tuple[str, dict[str, Any]]] = []
    if "if" in node:
        parts.append((pointer, {k: node[k] for k in ("if", "then", "else") if k in node}))
    for i, entry in enumerate(node.get("allOf") or ()):
        parts.append((f"{pointer}/allOf/{i}", entry))
    for keyword in ("anyOf", "oneOf", "not"):
        if keyword in node:
            parts.append((f"{pointer}/{keyword}", {keyword: node[keyword]}))
    conditions: list[Condition] = []
    for source, fragment in parts:
        inlined = resolver.inline(fragment, source)
        for site in sites(inlined, source, shape, scope=path, scope_path=scope_path):
            conditions.extend(site_conditions(site, shape))
    return conditions
