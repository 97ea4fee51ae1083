"""What changed between two versions of a product type: the migration report behind `pl-amazon diff`.

Amazon ships new product type versions without notice. This compares two attribute models and
lists what the team must review in Product-Live before regenerating: attributes and fields added
or removed, options added or removed, requirement and condition changes, and new `$lifecycle`
deprecations. Pure: models in, data out; rendering is a separate pure function.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from transpiler.compiler.model import Leaf, Lifecycle, ProductType
from transpiler.rules.conditions import Condition
from transpiler.rules.describe import describe


@dataclass(frozen=True)
class OptionChange:
    """Allowed values of one leaf that appeared or disappeared."""

    path: str
    added: tuple[Any, ...] = ()
    removed: tuple[Any, ...] = ()


@dataclass(frozen=True)
class KindChange:
    """A leaf whose kind of value changed (e.g. free text became a closed list)."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class ConditionChange:
    """A rule that appeared or disappeared, named by its readable text and where it sits."""

    text: str
    source: str
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class Deprecation:
    """A new `$lifecycle` mark: an attribute replaced, or values to stop using."""

    path: str
    replaced_by: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    replacements: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class ProductTypeDiff:
    """Every change between two versions of one product type (empty tuples: nothing of that kind)."""

    product_type: str
    old_version: str | None
    new_version: str | None
    old_checksum: str | None
    new_checksum: str | None
    attributes_added: tuple[str, ...] = ()
    attributes_removed: tuple[str, ...] = ()
    fields_added: tuple[str, ...] = ()  # leaves added inside attributes present in both versions
    fields_removed: tuple[str, ...] = ()
    options: tuple[OptionChange, ...] = ()
    kinds: tuple[KindChange, ...] = ()
    required_added: tuple[str, ...] = ()
    required_removed: tuple[str, ...] = ()
    conditions_added: tuple[ConditionChange, ...] = ()
    conditions_removed: tuple[ConditionChange, ...] = ()
    deprecations: tuple[Deprecation, ...] = ()

    @property
    def changed(self) -> bool:
        """True when anything a Product-Live table depends on changed."""
        return any(
            (
                self.attributes_added, self.attributes_removed, self.fields_added, self.fields_removed,
                self.options, self.kinds, self.required_added, self.required_removed,
                self.conditions_added, self.conditions_removed, self.deprecations,
            )
        )

    @property
    def options_added(self) -> int:
        return sum(len(c.added) for c in self.options)

    @property
    def options_removed(self) -> int:
        return sum(len(c.removed) for c in self.options)


def _value_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _leaves(product_type: ProductType) -> dict[str, Leaf]:
    return {leaf.path: leaf for leaf in product_type.leaves}


def _condition_key(condition: Condition) -> str:
    """Rules are matched by meaning, not position: `allOf` indexes shift between versions."""
    if condition.expressible:
        return describe(condition)
    return f"{condition.scope}|{condition.raw}"


def _condition_change(condition: Condition) -> ConditionChange:
    text = describe(condition) if condition.expressible else f"opaque rule on {', '.join(condition.attributes)}"
    return ConditionChange(text, condition.source, condition.attributes)


def _multiset_diff(old: Iterable[Condition], new: Iterable[Condition]) -> tuple[list[Condition], list[Condition]]:
    old_list, new_list = list(old), list(new)
    old_count = Counter(_condition_key(c) for c in old_list)
    new_count = Counter(_condition_key(c) for c in new_list)
    added, removed = [], []
    budget = new_count - old_count
    for condition in new_list:
        key = _condition_key(condition)
        if budget[key] > 0:
            budget[key] -= 1
            added.append(condition)
    budget = old_count - new_count
    for condition in old_list:
        key = _condition_key(condition)
        if budget[key] > 0:
            budget[key] -= 1
            removed.append(condition)
    return added, removed


def _deprecation(path: str, old: Lifecycle | None, new: Lifecycle | None) -> Deprecation | None:
    if new is None:
        return None
    old = old or Lifecycle()
    replaced_by = tuple(p for p in new.replaced_by if p not in old.replaced_by)
    values = tuple(v for v in new.enum_deprecated if v not in old.enum_deprecated)
    old_replacements = dict(old.enum_replacement)
    replacements = tuple((v, r) for v, r in new.enum_replacement if old_replacements.get(v) != r)
    if not (replaced_by or values or replacements):
        return None
    return Deprecation(path, replaced_by, values, replacements)


def diff_product_types(old: ProductType, new: ProductType) -> ProductTypeDiff:
    """The changes from `old` to `new` (normally two versions of the same product type)."""
    old_attrs = {a.name: a for a in old.attributes}
    new_attrs = {a.name: a for a in new.attributes}
    kept = set(old_attrs) & set(new_attrs)

    old_leaves, new_leaves = _leaves(old), _leaves(new)

    def in_kept(path: str) -> bool:
        return path.split(".", 1)[0] in kept

    fields_added = sorted(p for p in set(new_leaves) - set(old_leaves) if in_kept(p))
    fields_removed = sorted(p for p in set(old_leaves) - set(new_leaves) if in_kept(p))

    options: list[OptionChange] = []
    kinds: list[KindChange] = []
    for path in sorted(set(old_leaves) & set(new_leaves)):
        before, after = old_leaves[path], new_leaves[path]
        old_values = {_value_key(o.value): o.value for o in before.options}
        new_values = {_value_key(o.value): o.value for o in after.options}
        added = tuple(new_values[k] for k in new_values if k not in old_values)
        removed = tuple(old_values[k] for k in old_values if k not in new_values)
        if added or removed:
            options.append(OptionChange(path, added, removed))
        if before.kind != after.kind:
            kinds.append(KindChange(path, str(before.kind), str(after.kind)))

    added_rules, removed_rules = _multiset_diff(old.conditions, new.conditions)

    deprecations: list[Deprecation] = []
    for name in sorted(new_attrs):
        mark = _deprecation(name, old_attrs[name].lifecycle if name in old_attrs else None, new_attrs[name].lifecycle)
        if mark:
            deprecations.append(mark)
    for path in sorted(new_leaves):
        before_leaf = old_leaves.get(path)
        mark = _deprecation(path, before_leaf.lifecycle if before_leaf else None, new_leaves[path].lifecycle)
        if mark:
            deprecations.append(mark)

    return ProductTypeDiff(
        product_type=new.name,
        old_version=old.version,
        new_version=new.version,
        old_checksum=old.checksum,
        new_checksum=new.checksum,
        attributes_added=tuple(sorted(set(new_attrs) - set(old_attrs))),
        attributes_removed=tuple(sorted(set(old_attrs) - set(new_attrs))),
        fields_added=tuple(fields_added),
        fields_removed=tuple(fields_removed),
        options=tuple(options),
        kinds=tuple(kinds),
        required_added=tuple(sorted(set(new.required) - set(old.required))),
        required_removed=tuple(sorted(set(old.required) - set(new.required))),
        conditions_added=tuple(_condition_change(c) for c in added_rules),
        conditions_removed=tuple(_condition_change(c) for c in removed_rules),
        deprecations=tuple(deprecations),
    )


# --- rendering --------------------------------------------------------------------------------


def diff_document(diff: ProductTypeDiff) -> dict[str, Any]:
    """The diff as JSON-ready data (stable key order), what `pl-amazon diff --json` prints."""
    return {
        "product_type": diff.product_type,
        "old": {"version": diff.old_version, "checksum": diff.old_checksum},
        "new": {"version": diff.new_version, "checksum": diff.new_checksum},
        "changed": diff.changed,
        "attributes": {"added": list(diff.attributes_added), "removed": list(diff.attributes_removed)},
        "fields": {"added": list(diff.fields_added), "removed": list(diff.fields_removed)},
        "options": [
            {"path": c.path, "added": list(c.added), "removed": list(c.removed)} for c in diff.options
        ],
        "kinds": [{"path": c.path, "old": c.old, "new": c.new} for c in diff.kinds],
        "required": {"added": list(diff.required_added), "removed": list(diff.required_removed)},
        "conditions": {
            "added": [_condition_doc(c) for c in diff.conditions_added],
            "removed": [_condition_doc(c) for c in diff.conditions_removed],
        },
        "deprecations": [
            {
                "path": d.path,
                "replaced_by": list(d.replaced_by),
                "values": list(d.values),
                "replacements": [{"value": v, "replacements": list(r)} for v, r in d.replacements],
            }
            for d in diff.deprecations
        ],
        "counts": {
            "attributes_added": len(diff.attributes_added),
            "attributes_removed": len(diff.attributes_removed),
            "fields_added": len(diff.fields_added),
            "fields_removed": len(diff.fields_removed),
            "options_added": diff.options_added,
            "options_removed": diff.options_removed,
            "required_added": len(diff.required_added),
            "required_removed": len(diff.required_removed),
            "conditions_added": len(diff.conditions_added),
            "conditions_removed": len(diff.conditions_removed),
            "deprecations": len(diff.deprecations),
        },
    }


def _condition_doc(change: ConditionChange) -> dict[str, Any]:
    return {"text": change.text, "source": change.source, "attributes": list(change.attributes)}


def _values(values: Iterable[Any], limit: int = 8) -> str:
    shown = [json.dumps(v, ensure_ascii=False) for v in values]
    if len(shown) > limit:
        shown = [*shown[:limit], f"… {len(shown) - limit} more"]
    return ", ".join(shown)


def render_diff(diff: ProductTypeDiff) -> str:
    """A readable migration report: what to review in Product-Live before `make regenerate`."""
    head = f"{diff.product_type}: version {diff.old_version or '?'} -> {diff.new_version or '?'}"
    if not diff.changed:
        return f"{head}\n  no change to attributes, options, requirements, rules or deprecations\n"
    lines = [head]

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.append(f"  {title} ({len(items)}):")
            lines.extend(f"    {item}" for item in items)

    section("attributes added", list(diff.attributes_added))
    section("attributes removed", list(diff.attributes_removed))
    section("fields added", list(diff.fields_added))
    section("fields removed", list(diff.fields_removed))
    option_lines = []
    for change in diff.options:
        if change.added:
            option_lines.append(f"{change.path}: + {_values(change.added)}")
        if change.removed:
            option_lines.append(f"{change.path}: - {_values(change.removed)}")
    section("options changed", option_lines)
    section("value kinds changed", [f"{k.path}: {k.old} -> {k.new}" for k in diff.kinds])
    section("now required", list(diff.required_added))
    section("no longer required", list(diff.required_removed))
    section("rules added", [f"{c.text} [{c.source}]" for c in diff.conditions_added])
    section("rules removed", [f"{c.text} [{c.source}]" for c in diff.conditions_removed])
    deprecation_lines = []
    for d in diff.deprecations:
        if d.replaced_by:
            deprecation_lines.append(f"{d.path}: replaced by {', '.join(d.replaced_by)}")
        if d.values:
            replacements = dict(d.replacements)
            shown = [
                f"{json.dumps(v, ensure_ascii=False)}"
                + (f" (use {', '.join(replacements[v])})" if replacements.get(v) else "")
                for v in d.values
            ]
            deprecation_lines.append(f"{d.path}: values deprecated {', '.join(shown)}")
        elif d.replacements:
            deprecation_lines.append(
                f"{d.path}: replacements " + "; ".join(f"{v} -> {', '.join(r)}" for v, r in d.replacements)
            )
    section("deprecations", deprecation_lines)
    return "\n".join(lines) + "\n"
