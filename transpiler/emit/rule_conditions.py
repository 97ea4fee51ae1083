"""Amazon's conditions as Product-Live condition groups over the fields of one product type.

A broken Amazon rule becomes the condition of a `Rule-Condition` readiness rule: "the status
applies when these groups hold". The translation works on what the fields can hold, the way the
publisher builds a listing from them (`transpiler.mapping.field_codec`):

- an attribute item exists exactly when one of its fields (of its slot: numbered index or keyed
  selector value) has a value; constants, keyed selectors and context properties are filled in
  every item that exists;
- a value test on a select becomes `IN` with the option keys; a value test that must fail on an
  empty field (a negation) becomes `EMPTY` or `IN` the other options, so nothing depends on what
  `NOT_IN` does with an empty field;
- a path the table cannot hold is never present (the publisher cannot send it either).

Predicates are put in disjunctive normal form (a list of groups of atoms) with negations pushed
down; groups that contradict themselves are dropped. What cannot be said this way (a negated option
test on a multiple select, numbers compared with a list, limits on item counts, too many
combinations) raises `NotExpressible` with the reason, and the rule is left to the publisher.
Semantics of the Amazon side: `transpiler.rules.evaluate`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any

from transpiler.emit.table_records import Atom, Group
from transpiler.json_equality import json_in
from transpiler.mapping.types import AttributeLayout, FieldMapping, Mapping, item_path
from transpiler.rules.conditions import (
    AllOf,
    AllowValues,
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

#: More groups than this make a rule nobody can read (and slow to evaluate): left to the publisher.
MAX_GROUPS = 40

Dnf = list[frozenset[Atom]]
TRUE: Dnf = [frozenset()]
FALSE: Dnf = []


class NotExpressible(Exception):
    """The rule has no faithful Product-Live condition; `reason` says why (English, for the report)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _or(*parts: Dnf) -> Dnf:
    out: Dnf = []
    for part in parts:
        out.extend(part)
    return out


def _and(*parts: Dnf) -> Dnf:
    out: Dnf = TRUE
    for part in parts:
        out = [a | b for a, b in product(out, part)]
        if len(out) > MAX_GROUPS * 8:
            raise NotExpressible("too many combinations of values")
    return out


@dataclass(frozen=True)
class Slot:
    """One item an attribute can have in the table: its fields, and the selector value when keyed."""

    attribute: str
    fields: tuple[FieldMapping, ...]
    selector_value: Any = None


class FieldView:
    """Which fields of one product type hold which Amazon paths, item by item."""

    def __init__(self, mapping: Mapping):
        self.mapping = mapping
        self.multi = {f.key for f in mapping.fields if f.type == "MULTIPLE-SELECT"}

    def layout(self, attribute: str) -> AttributeLayout | None:
        return self.mapping.layout(attribute)

    def slots(self, attribute: str) -> list[Slot]:
        layout = self.layout(attribute)
        if layout is None:
            return []
        fields = [f for f in self.mapping.fields if f.attribute == attribute]
        if layout.layout == "numbered":
            return [Slot(attribute, tuple(f for f in fields if f.slot_index == i)) for i in range(layout.slots)]
        if layout.layout == "keyed":
            return [Slot(attribute, tuple(f for f in fields if f.slot_value == v and type(f.slot_value) is type(v)), v)
                    for v in layout.selector_values]
        return [Slot(attribute, tuple(fields))]

    # -- atoms ----------------------------------------------------------------------------------
    @staticmethod
    def filled(fields: Iterable[FieldMapping]) -> Dnf:
        return [frozenset({Atom(f.key, "NOT_EMPTY")}) for f in fields]

    @staticmethod
    def empty(fields: Iterable[FieldMapping]) -> Dnf:
        return [frozenset(Atom(f.key, "EMPTY") for f in fields)]

    def exists(self, slot: Slot) -> Dnf:
        return self.filled(slot.fields)

    def absent(self, slot: Slot) -> Dnf:
        return self.empty(slot.fields)

    # -- paths ----------------------------------------------------------------------------------
    def _automatic(self, slot: Slot, rel: str) -> Any:
        """The value every existing item has at `rel` (constant, keyed selector, context), else _NONE."""
        layout = self.layout(slot.attribute)
        assert layout is not None
        for path, value in layout.constants:
            if path == rel:
                return value
            if path.startswith(rel + "."):
                return _OBJECT
        if layout.layout == "keyed" and layout.selector == rel:
            return slot.selector_value
        if rel in layout.context and "." not in rel:
            return _OBJECT  # filled in every item; nested context values follow their object
        return _NONE

    def under(self, slot: Slot, rel: str) -> list[FieldMapping]:
        layout = self.layout(slot.attribute)
        if layout is not None and rel in layout.context:  # `size.language_tag`: there when `size` is
            rel = rel.rsplit(".", 1)[0]
        return [f for f in slot.fields
                if item_path(f.path) == rel or item_path(f.path).startswith(rel + ".")
                or (f.unit_path and (item_path(f.unit_path) == rel))]

    def _split(self, path: str, slot: Slot | None) -> tuple[str, list[Slot]]:
        attribute, _, rel = path.partition(".")
        slots = self.slots(attribute)
        if slot is not None:
            if slot.attribute != attribute:
                raise NotExpressible(f"{path} is outside the item the rule is about")
            slots = [slot]
        return rel, slots

    def present(self, path: str, slot: Slot | None = None) -> Dnf:
        """Some item (of `slot`, or any) has a value at `path`."""
        rel, slots = self._split(path, slot)
        out: Dnf = []
        for s in slots:
            if not rel or self._automatic(s, rel) is not _NONE:
                out.extend(self.exists(s))
            else:
                out.extend(self.filled(self.under(s, rel)))
        return out

    def missing(self, path: str, slot: Slot | None = None) -> Dnf:
        """No item (of `slot`, or any) has a value at `path`."""
        rel, slots = self._split(path, slot)
        parts = []
        for s in slots:
            if not rel or self._automatic(s, rel) is not _NONE:
                parts.append(self.absent(s))
            else:
                parts.append(self.empty(self.under(s, rel)))
        return _and(*parts)

    def _value_field(self, slot: Slot, rel: str) -> FieldMapping | None:
        for f in slot.fields:
            if item_path(f.path) == rel or (f.unit_path and item_path(f.unit_path) == rel):
                return f
        return None

    def _keys(self, f: FieldMapping, rel: str, values: Sequence[Any], inside: bool) -> tuple[str, bool]:
        """Option (or unit) keys whose Amazon value is (`inside`) or is not among `values`, and
        whether the test is on the unit."""
        unit = bool(f.unit_path and item_path(f.unit_path) == rel)
        choices = f.suffixes if unit else f.options
        if not choices:
            raise NotExpressible(f"value test on {f.key}, which is not a select")
        return tuple(c.key for c in choices if json_in(c.value, values) == inside), unit

    def _test(self, f: FieldMapping, keys: tuple[str, ...], unit: bool) -> Dnf:
        if unit:
            return [frozenset({Atom(f.key, "NOT_EMPTY"), Atom(f.key, "EQUALS", (k,), "SUFFIX_KEY")}) for k in keys]
        return [frozenset({Atom(f.key, "IN", keys)})] if keys else FALSE

    def value_in_slot(self, slot: Slot, rel: str, values: Sequence[Any], inside: bool = True) -> Dnf:
        """The item of `slot` has a value at `rel` that is (or, `inside=False`, is not) among `values`."""
        auto = self._automatic(slot, rel)
        if auto is _OBJECT:
            raise NotExpressible(f"value test on the object {rel}")
        if auto is not _NONE:
            return self.exists(slot) if json_in(auto, values) == inside else FALSE
        f = self._value_field(slot, rel)
        if f is None:
            return FALSE
        if not (f.options or f.suffixes):
            if all(isinstance(v, str) for v in values) and f.key not in self.multi:
                op = "IN" if inside else "NOT_IN"
                return [frozenset({Atom(f.key, "NOT_EMPTY"), Atom(f.key, op, tuple(values))})]
            raise NotExpressible(f"value test on {f.key}, which is not a select")
        keys, unit = self._keys(f, rel, values, inside)
        return self._test(f, keys, unit)

    def none_in_slot(self, slot: Slot, rel: str, values: Sequence[Any]) -> Dnf:
        """The item of `slot` has no value at `rel` among `values` (absent counts)."""
        auto = self._automatic(slot, rel)
        if auto is _OBJECT:
            raise NotExpressible(f"value test on the object {rel}")
        if auto is not _NONE:
            return self.absent(slot) if json_in(auto, values) else TRUE
        f = self._value_field(slot, rel)
        if f is None:
            return TRUE
        if f.key in self.multi:
            raise NotExpressible(f"negated option test on the multiple select {f.key}")
        return _or(self.empty([f]), self.value_in_slot(slot, rel, values, inside=False))

    def _single_valued(self, slots: Sequence[Slot], rel: str) -> None:
        for s in slots:
            f = self._value_field(s, rel)
            if f is not None and f.key in self.multi:
                raise NotExpressible(f"'every value' test on the multiple select {f.key}")

    def value_in(self, path: str, values: Sequence[Any], quantifier: Quantifier, slot: Slot | None = None) -> Dnf:
        rel, slots = self._split(path, slot)
        if quantifier == Quantifier.ALL:
            self._single_valued(slots, rel)
            # every item has a value there and it is among `values`; no item: false
            every = [_or(self.absent(s), self.value_in_slot(s, rel, values)) for s in slots]
            return _and(_or(*(self.exists(s) for s in slots)), *every)
        return _or(*(self.value_in_slot(s, rel, values) for s in slots))

    def not_value_in(self, path: str, values: Sequence[Any], quantifier: Quantifier,
                     slot: Slot | None = None) -> Dnf:
        rel, slots = self._split(path, slot)
        if quantifier == Quantifier.ALL:
            self._single_valued(slots, rel)
            some_bad = [_and(self.exists(s), self.none_in_slot(s, rel, values)) for s in slots]
            return _or(_and(*(self.absent(s) for s in slots)), *some_bad)
        return _and(*(self.none_in_slot(s, rel, values) for s in slots))

    def value_outside(self, path: str, values: Sequence[Any], slot: Slot | None = None) -> Dnf:
        """Some value at `path` is not among `values`."""
        rel, slots = self._split(path, slot)
        return _or(*(self.value_in_slot(s, rel, values, inside=False) for s in slots))


_NONE = object()  # no automatic value
_OBJECT = object()  # an object holding automatic values: present whenever the item exists


class Translator:
    """Condition -> groups, for one product type (`view`) and, for per-item rules, one slot."""

    def __init__(self, view: FieldView):
        self.view = view

    def _abs(self, path: str, scope: str) -> str:
        return f"{scope}.{path}" if scope else path

    def predicate(self, p: Predicate | None, positive: bool, scope: str, slot: Slot | None) -> Dnf:
        v = self.view
        if p is None:
            return TRUE if positive else FALSE
        if isinstance(p, Present):
            path = self._abs(p.path, scope)
            slots = [slot] if slot is not None else v.slots(path.split(".")[0])
            if p.quantifier != Quantifier.ALL or len(slots) < 2:
                return v.present(path, slot) if positive else v.missing(path, slot)
            # every item has a value there (no item: false)
            if positive:
                return _and(_or(*(v.exists(s) for s in slots)),
                            *(_or(v.absent(s), v.present(path, s)) for s in slots))
            return _or(_and(*(v.absent(s) for s in slots)),
                       *(_and(v.exists(s), v.missing(path, s)) for s in slots))
        if isinstance(p, ValueIn):
            path = self._abs(p.path, scope)
            if positive:
                return v.value_in(path, p.values, p.quantifier, slot)
            return v.not_value_in(path, p.values, p.quantifier, slot)
        if isinstance(p, Not):
            return self.predicate(p.operand, not positive, scope, slot)
        parts = [self.predicate(o, positive, scope, slot) for o in p.operands]
        conjunction = isinstance(p, AllOf) == positive
        return _and(*parts) if conjunction else _or(*parts)

    def violated(self, effect: Effect, scope: str, slot: Slot | None) -> Dnf:
        """Groups under which `effect` is not met (see `transpiler.rules.evaluate.violations`)."""
        v = self.view
        if isinstance(effect, Require):
            parts = []
            for rel in effect.paths:
                path = self._abs(rel, scope)
                if "." not in path:
                    parts.append(v.missing(path, slot))
                    continue
                # a nested value is required in every object that holds it (its parent)
                parent = path.rsplit(".", 1)[0]
                slots = [slot] if slot is not None else v.slots(path.split(".")[0])
                parts.append(_or(*(_and(v.present(parent, s), v.missing(path, s)) for s in slots)))
            return _or(*parts)
        if isinstance(effect, RequireOneOf):
            return _and(*(v.missing(self._abs(p, scope), slot) for p in effect.paths))
        if isinstance(effect, Forbid):
            return _or(*(v.present(self._abs(p, scope), slot) for p in effect.paths))
        if isinstance(effect, AllowValues):
            path = self._abs(effect.path, scope)
            if effect.exclude:
                return v.value_in(path, effect.values, Quantifier.ANY, slot)
            return v.value_outside(path, effect.values, slot)
        if isinstance(effect, RequireContains):
            path = self._abs(effect.path, scope)
            attribute = path.split(".")[0]
            return _and(v.present(attribute, slot), v.not_value_in(path, effect.values, Quantifier.ANY, slot))
        if isinstance(effect, Limit):
            return self._limit(effect, scope, slot)
        if isinstance(effect, Refuse):
            # some object at `at` satisfies the refused predicate
            at = self._abs(effect.at, scope) if effect.at else scope
            if not at:
                return self.predicate(effect.predicate, True, "", slot)
            slots = [slot] if slot is not None else v.slots(at.split(".")[0])
            return _or(*(_and(v.present(at, s), self.predicate(effect.predicate, True, at, s)) for s in slots))
        raise NotExpressible(f"{type(effect).__name__} has no Product-Live condition")

    def _limit(self, effect: Limit, scope: str, slot: Slot | None) -> Dnf:
        """A count limit: the table holds one value per nested array and per slot, so a limit is
        broken only when it asks for more than one value, or for fewer slots than are filled."""
        v = self.view
        limits = effect.constraints.as_dict()
        if set(limits) - {"min_items", "max_items"}:
            raise NotExpressible(f"value limits {sorted(limits)} inside a rule")
        low, high = limits.get("min_items"), limits.get("max_items")
        path = self._abs(effect.path, scope)
        attribute = path.split(".")[0]
        layout = v.layout(attribute)
        if layout is None:
            return FALSE
        rel = path.partition(".")[2]
        mine = v.slots(attribute) if slot is None else [slot]
        counted = [f for s in mine for f in v.under(s, rel) if f.key in v.multi] if rel else []
        if counted and (high is not None or (low is not None and low > 1)):
            raise NotExpressible(f"a count of the options selected in {counted[0].key}")
        if counted:
            return FALSE  # one selected option or more whenever there is a value: at least one
        if "." in path or layout.layout == "single":  # one value at most
            return v.present(path, slot) if (low is not None and low > 1) or (high is not None and high < 1) else FALSE
        if layout.layout == "items_select" or (low is not None and low > 1):
            raise NotExpressible("a count of selected options or of filled slots")
        if high is None:
            return FALSE
        slots = v.slots(attribute)
        if high >= len(slots):
            return FALSE
        return _or(*(_and(*(v.exists(s) for s in chosen)) for chosen in combinations(slots, high + 1)))

    def broken(self, condition: Condition, effect: Effect, otherwise: bool) -> Dnf:
        """Groups under which `condition` is broken through `effect` (of `then`, or of `otherwise`).

        A scoped rule applies to each object at its scope (an attribute's items, or an object
        inside them: the table holds one per item), so it is checked slot by slot.
        """
        if not condition.scope:
            return simplify(_and(self.predicate(condition.when, not otherwise, "", None),
                                 self.violated(effect, "", None)), self.view.multi)
        out: Dnf = []
        for slot in self.scope_slots(condition):
            out.extend(self.broken_in(condition, effect, otherwise, slot))
        return simplify(out, self.view.multi)

    def scope_slots(self, condition: Condition) -> list[Slot]:
        """The items a scoped rule is checked in, one by one."""
        attribute = condition.scope.split(".")[0]
        layout = self.view.layout(attribute)
        if layout is None:
            return []
        if layout.layout == "items_select":
            raise NotExpressible("per-item rule on a multiple select")
        return self.view.slots(attribute)

    def broken_in(self, condition: Condition, effect: Effect, otherwise: bool, slot: Slot) -> Dnf:
        """Groups under which a scoped rule is broken in the item of `slot`."""
        return simplify(_and(self.view.present(condition.scope, slot),
                             self.predicate(condition.when, not otherwise, condition.scope, slot),
                             self.violated(effect, condition.scope, slot)), self.view.multi)


def simplify(groups: Dnf, multi: set[str]) -> Dnf:
    """Drop contradictory groups and groups implied by smaller ones; merge option tests."""
    out: list[frozenset[Atom]] = []
    for group in groups:
        merged = _merge(group, multi)
        if merged is not None and merged not in out:
            out.append(merged)
    kept = [g for g in out if not any(o < g for o in out)]
    if len(kept) > MAX_GROUPS:
        raise NotExpressible(f"{len(kept)} combinations of values (more than {MAX_GROUPS})")
    return kept


def _merge(group: frozenset[Atom], multi: set[str]) -> frozenset[Atom] | None:
    by_key: dict[str, list[Atom]] = {}
    for atom in group:
        by_key.setdefault(atom.source, []).append(atom)
    out: set[Atom] = set()
    for key, atoms in by_key.items():
        ops = {a.operator for a in atoms}
        if "EMPTY" in ops and ops != {"EMPTY"}:
            return None  # empty and not empty at once
        tests = [a for a in atoms if a.operator == "IN"]
        if len(tests) > 1 and key not in multi:
            common = set(tests[0].values)
            for a in tests[1:]:
                common &= set(a.values)
            if not common:
                return None
            tests = [Atom(key, "IN", tuple(v for v in tests[0].values if v in common))]
        out.update(tests)
        others = [a for a in atoms if a.operator != "IN"]
        if tests:  # an empty field is in no list: the value test implies a value
            others = [a for a in others if a.operator != "NOT_EMPTY"]
        out.update(others)
    return frozenset(out)


def sort_group(group: frozenset[Atom], order: dict[str, int]) -> Group:
    """Atoms in field order (stable output)."""
    return tuple(sorted(group, key=lambda a: (order.get(a.source, len(order)), a.source, a.operator, a.values)))
