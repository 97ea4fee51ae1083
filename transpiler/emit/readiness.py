"""The "Préparation Amazon" indicator: Amazon's rules, checked by Product-Live itself.

Three statuses: READY (default, green), INCOMPLETE (orange: a value Amazon requires is missing) and
INVALID (red: a value breaks a rule; lowest Priority number, so it wins). An item shows "Prêt pour
Amazon" only when none of these rules is broken, and every rule is one of Amazon's:

- requirements: the attributes the product type requires and the properties each attribute's items
  require (`item_dimensions` needs length, width and height), as `Rule-Required` when one field
  holds the value and as a `Rule-Condition` otherwise (bullet points: any of the five);
- format rules per field: `Rule-Max-Length` = the tighter of Amazon's character and UTF-8 byte
  limits (the exact byte count of accented text stays with the publisher), `Rule-Min-Length`,
  `Rule-Regex`, numeric bounds (`Rule-Greater-Than-Or-Equal`… for non-negative integers, a
  `Rule-Condition` with `LESS_THAN`/`GREATER_THAN` otherwise), `Rule-Max-Values`;
- options and units a shared field offers that this product type does not allow (a phone's
  `item_type_keyword` cannot be a case keyword): `Rule-Condition` `IN` / `EQUALS use="SUFFIX_KEY"`;
- every conditional rule of the schema, translated by `transpiler.emit.rule_conditions` into
  condition groups (the identifier rule of a new product: an EAN, an ASIN or the exemption), as the
  simple `Rule-Required-If-Another-Field-…` controls where they say exactly the same thing.

What cannot be said in Product-Live is listed with its reason (`pl-amazon regenerate --report`) and
checked by the publisher's validation only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from transpiler.compiler.model import Attribute, ProductType
from transpiler.emit.rule_conditions import FieldView, NotExpressible, Translator, sort_group
from transpiler.emit.table_records import (
    Atom,
    ConditionalFormatting,
    ConditionRule,
    Control,
    Rule,
    RuleTarget,
    Status,
    TableField,
)
from transpiler.mapping import publication
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, EXTERNAL_IDENTIFIER
from transpiler.mapping.keys import slug
from transpiler.mapping.levels import LevelPlan
from transpiler.mapping.types import FieldMapping, Mapping
from transpiler.mapping.wording import clip, condition_fr, fields_at, identity_fr, limits_fr, quote
from transpiler.rules.conditions import Condition, Effect, Require, RequireOneOf, effect_paths
from transpiler.rules.describe import describe

KEY = "AMAZON_READINESS"
READY, INCOMPLETE, INVALID = "READY", "INCOMPLETE", "INVALID"
TITLE = "Préparation Amazon"
DESCRIPTION = ("Prêt : toutes les règles d'Amazon que Product-Live peut vérifier sont respectées. Incomplet : une "
               "valeur obligatoire pour Amazon manque. Invalide : une valeur enfreint une règle d'Amazon.")
GTIN_PATTERN = "^([0-9]{8}|[0-9]{12,14})$"
OTHER_OPTION_TITLE = "Option non proposée par Amazon pour ce type de produit."
OTHER_UNIT_TITLE = "Unité non proposée par Amazon pour ce type de produit."


@dataclass
class ConditionOutcome:
    """How one of the schema's conditions is enforced: native, partial or by the publisher only."""

    source: str
    description: str
    native: str  # native | partial | publisher
    reason: str | None = None


@dataclass(frozen=True)
class Entry:
    """One control of one product type, on its target, for one status."""

    status: str
    element: str  # Field | Identifier
    key: str
    control: Control


@dataclass
class TypeRules:
    """The readiness rules of one product type, and what they leave to the publisher."""

    entries: list[Entry] = field(default_factory=list)
    conditions: list[ConditionOutcome] = field(default_factory=list)
    requirements: int = 0  # requirements enforced natively
    left: list[tuple[str, str]] = field(default_factory=list)  # (field key or path, reason)

    def add(self, entry: Entry) -> None:
        """Keep `entry` unless it repeats one (the same rule from two conditions of the schema)."""
        if entry in self.entries:
            return
        if not any(e.status == entry.status and _same(e.control, entry.control) for e in self.entries):
            self.entries.append(entry)


def _same(a: Control, b: Control) -> bool:
    if isinstance(a, ConditionRule) and isinstance(b, ConditionRule):
        return a.groups == b.groups
    return False


def _int_text(value: float) -> str | None:
    if value < 0 or value != int(value):
        return None
    return str(int(value))


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def format_rules(fm: FieldMapping) -> tuple[list[Control], list[str]]:
    """INVALID-status controls of one field, and the limits only the publisher checks (reasons)."""
    rules: list[Control] = []
    left: list[str] = []
    limits = fm.limits
    if fm.type in ("SINGLE-LINE-TEXT", "LONG-TEXT") and fm.role == "field":
        caps = [limits[k] for k in ("max_length", "max_utf8_bytes") if limits.get(k) is not None]
        if limits.get("min_length", 0) >= 2:
            rules.append(Rule("Rule-Min-Length", (("min", str(limits["min_length"])),)))
        if caps:
            rules.append(Rule("Rule-Max-Length", (("max", str(min(caps))),)))
        if limits.get("max_utf8_bytes") is not None and limits["max_utf8_bytes"] < 4 * min(caps):
            left.append(f"at most {limits['max_utf8_bytes']} UTF-8 bytes: characters are checked natively, "
                        "bytes of accented text by the publisher")
        if limits.get("pattern"):
            rules.append(Rule("Rule-Regex", (("regex", limits["pattern"]),)))
    if fm.type == "NUMBER":
        for name, element, operator in (
            ("minimum", "Rule-Greater-Than-Or-Equal", "LESS_THAN"),
            ("exclusive_minimum", "Rule-Greater-Than", "LESS_THAN_OR_EQUAL"),
            ("maximum", "Rule-Less-Than-Or-Equal", "GREATER_THAN"),
            ("exclusive_maximum", "Rule-Less-Than", "GREATER_THAN_OR_EQUAL"),
        ):
            if limits.get(name) is None:
                continue
            text = _int_text(limits[name])
            if text is not None:
                rules.append(Rule(element, (("value", text),)))
            else:  # Product-Live's bound rules take unsigned integers: a condition says the rest
                rules.append(ConditionRule(f"bound-{name.replace('_', '-')}", clip(limits_fr(quote(fm.title), {
                    name: limits[name]}) + "."), ((Atom(fm.key, operator, (_number_text(limits[name]),)),),)))
        step = limits.get("multiple_of")
        places = _decimal_places(step) if step is not None else None
        if fm.value_type == "integer":
            places = 0
        if places is not None:
            rules.append(Rule("Rule-Decimal-Places", (("precision", str(places)),)))
        # A step of 10^-k on decimal values is exactly "at most k decimal places": native. Other
        # steps (0.05, 0.5) need the division, which only the publisher does.
        if step is not None and places is None:
            left.append(f"multiple of {step}: checked by the publisher")
    if fm.attribute == EXTERNAL_IDENTIFIER and fm.role == "field" and fm.path.endswith(".value"):
        # the publisher sends a GTIN only: digits, 8, 12, 13 or 14 of them (its check digit stays there)
        rules.append(Rule("Rule-Regex", (("regex", GTIN_PATTERN),)))
        left.append("GS1 check digit: checked by the publisher")
    max_values = limits.get("max_values")
    if fm.type == "MULTIPLE-SELECT" and max_values is not None and max_values < len(fm.options):
        rules.append(Rule("Rule-Max-Values", (("max", str(limits["max_values"])),)))
    return rules, left


def _decimal_places(step: float) -> int | None:
    """k when `step` is 10^-k (0.01 -> 2), else None."""
    for places in range(0, 10):
        if abs(step * 10**places - 1) < 1e-9:
            return places
    return None


def requirement_conditions(product_type: ProductType, mapping: Mapping) -> list[Condition]:
    """The schema's unconditional requirements as conditions without trigger: the attributes the
    product type requires, and per attribute the properties its items (and their objects) require."""
    out = []
    for attribute in product_type.attributes:
        if attribute.hidden and not attribute.required:
            continue
        if attribute.required:
            out.append(Condition(f"required:{attribute.name}", "", None, (Require((attribute.name,)),)))
        layout = mapping.layout(attribute.name)
        if layout is None or layout.layout == "items_select":
            continue  # not in the table, or each selected option is a whole item
        for rel in _required_in_items(attribute):
            out.append(Condition(f"required:{attribute.name}.{rel}", attribute.name, None, (Require((rel,)),)))
    return out


def _required_in_items(attribute: Attribute) -> list[str]:
    paths: list[str] = []
    for leaf in attribute.leaves:
        segments = leaf.relative_path.split(".") if leaf.relative_path else []
        for depth, required in enumerate(leaf.required_chain[: len(segments)]):
            rel = ".".join(segments[: depth + 1])
            if required and rel not in paths:
                paths.append(rel)
    return paths


class _Builder:
    """Collects the entries of one product type."""

    def __init__(self, mapping: Mapping, table_fields: dict[str, TableField]):
        self.mapping = mapping
        self.table_fields = table_fields
        self.view = FieldView(_with_known_asin(mapping))
        self.translator = Translator(self.view)
        self.order = {f.key: i for i, f in enumerate(self.view.mapping.fields)}
        self.roles = {f.key: f.role for f in mapping.fields}
        self.out = TypeRules()

    def target(self, condition: Condition, effect: Effect, groups: list[frozenset[Atom]]) -> str | None:
        """The field the user has to fix: the first field of what the effect asks, else of the rule."""
        scope = condition.scope
        paths = effect_paths(effect)
        sources = {a.source for g in groups for a in g}
        candidates = [f.key for p in paths for f in fields_at(self.view.mapping, f"{scope}.{p}" if scope else p)
                      if f.key in sources]
        candidates += sorted(sources, key=lambda k: self.order.get(k, len(self.order)))
        for key in candidates:
            if key in sources and key in self.roles:
                return key
        return None

    def add_groups(self, status: str, key: str, rule_key: str, title: str,
                   groups: list[frozenset[Atom]]) -> None:
        element = "Identifier" if self.roles.get(key) == "identifier" else "Field"
        simple = [g for g in groups if _simple(g, key, self.view.multi) is not None]
        rest = [g for g in groups if g not in simple]
        for group in simple:
            control = _simple(group, key, self.view.multi)
            assert control is not None
            self.out.add(Entry(status, element, key, control))
        if rest:
            self.out.add(Entry(status, element, key, ConditionRule(
                rule_key, title, tuple(sort_group(g, self.order) for g in rest))))

    def condition(self, condition: Condition, *, count: bool = True) -> None:
        outcome = ConditionOutcome(condition.source, describe(condition), "native")
        if not condition.expressible:
            outcome.native, outcome.reason = "publisher", condition.reason or "not broken down by the compiler"
            self._count(outcome, count)
            return
        effects = [(e, False) for e in condition.then] + [(e, True) for e in condition.otherwise]
        done = 0
        reasons = []
        for n, (effect, otherwise) in enumerate(effects, start=1):
            try:
                parts = self._parts(condition, effect, otherwise, f"{slug(condition.source)}-{n}")
            except NotExpressible as exc:
                reasons.append(exc.reason)
                continue
            status = INCOMPLETE if isinstance(effect, (Require, RequireOneOf)) else INVALID
            attached = True
            for rule_key, groups, mapping in parts:
                key = self.target(condition, effect, groups)
                if key is None:
                    attached = False
                    continue
                # a rule on the items of an attribute is worded for the one item it checks
                title = identity_fr(condition, effect) or condition_fr(condition, mapping, effect, otherwise,
                                                                           per_item=bool(condition.scope))
                self.add_groups(status, key, rule_key, title, groups)
            if attached:
                done += 1
            else:
                reasons.append("no field to attach the rule to")
        if done < len(effects):
            outcome.native = "partial" if done else "publisher"
            outcome.reason = "; ".join(dict.fromkeys(reasons))
        self._count(outcome, count)

    def _parts(self, condition: Condition, effect: Effect, otherwise: bool, rule_key: str
               ) -> list[tuple[str, list[frozenset[Atom]], Mapping]]:
        """(rule key, groups, mapping to word it with) per rule: one for a rule on the listing, one per
        item for a rule on the items of a repeated attribute (its own fields and titles)."""
        slots = self.translator.scope_slots(condition) if condition.scope else []
        if len(slots) < 2:
            groups = self.translator.broken(condition, effect, otherwise)
            return [(rule_key, groups, self.mapping)] if groups else []
        out = []
        for index, slot in enumerate(slots, start=1):
            groups = self.translator.broken_in(condition, effect, otherwise, slot)
            if groups:
                own = {f.key for f in slot.fields}
                mapping = replace(self.mapping, fields=tuple(
                    f for f in self.mapping.fields if f.attribute != slot.attribute or f.key in own))
                out.append((f"{rule_key}-{index}", groups, mapping))
        return out

    def _count(self, outcome: ConditionOutcome, count: bool) -> None:
        if count:
            self.out.conditions.append(outcome)
        elif outcome.native == "native":
            self.out.requirements += 1
        else:
            self.out.left.append((outcome.source.removeprefix("required:"), outcome.reason or ""))

    def field_rules(self, fm: FieldMapping) -> None:
        rules, left = format_rules(fm)
        element = "Identifier" if fm.role == "identifier" else "Field"
        for rule in rules:
            self.out.add(Entry(INVALID, element, fm.key, rule))
        self.out.left.extend((fm.key, reason) for reason in left)
        table_field = self.table_fields.get(fm.key)
        if table_field is None:
            return
        others = tuple(o.key for o in table_field.options if o.key not in {c.key for c in fm.options})
        if others:
            self.out.add(Entry(INVALID, element, fm.key, ConditionRule(
                "other-type-option", OTHER_OPTION_TITLE, ((Atom(fm.key, "IN", others),),))))
        units = [s.key for s in table_field.suffixes if s.key not in {c.key for c in fm.suffixes}]
        if units:
            self.out.add(Entry(INVALID, element, fm.key, ConditionRule(
                "other-type-unit", OTHER_UNIT_TITLE,
                tuple((Atom(fm.key, "EQUALS", (u,), "SUFFIX_KEY"),) for u in units))))


def _simple(group: frozenset[Atom], key: str, multi: set[str]) -> Control | None:
    """The `Rule-Required…` control saying exactly what one group says about `key`, if there is one."""
    if Atom(key, "EMPTY") not in group:
        return None
    others = [a for a in group if a != Atom(key, "EMPTY")]
    if not others:
        return Rule("Rule-Required")
    if len(others) != 1 or others[0].source == key:
        return None
    other = others[0]
    if other.operator == "NOT_EMPTY":
        return Rule("Rule-Required-If-Another-Field-Is-Not-Empty", (("field", other.source),))
    if other.operator == "IN" and other.source not in multi:
        return Rule("Rule-Required-If-Another-Field-Has-Options", (("field", other.source),), other.values)
    return None


def _with_known_asin(mapping: Mapping) -> Mapping:
    """The publisher enriches the ASIN Amazon gave back (`amazon_asin`) when no ASIN is suggested:
    for the rules, that field holds `merchant_suggested_asin` too."""
    suggested = [f for f in mapping.fields if f.attribute == "merchant_suggested_asin" and f.path.endswith(".value")]
    if not suggested:
        return mapping
    return replace(mapping, fields=(*mapping.fields, replace(suggested[0], key=publication.ASIN, role="field")))


def rules_for(mapping: Mapping, product_type: ProductType, table_fields: dict[str, TableField]) -> TypeRules:
    """Every readiness rule of one product type, before merging into the table."""
    builder = _Builder(mapping, table_fields)
    for condition in requirement_conditions(product_type, mapping):
        builder.condition(condition, count=False)
    for fm in mapping.fields:
        builder.field_rules(fm)
    for condition in product_type.conditions:
        builder.condition(condition)
    return builder.out


def ean_rules(mappings: Sequence[Mapping]) -> list[Rule]:
    """`Rule-Barcode` on the EAN identifier when some product type maps it."""
    if any(f.key == EAN and f.role == "identifier" for m in mappings for f in m.fields):
        return [Rule("Rule-Barcode", (("type", "EAN13"),))]
    return []


def conditional_formattings(mappings: Sequence[Mapping], type_rules: dict[str, TypeRules], plan: LevelPlan
                            ) -> list[ConditionalFormatting]:
    """One readiness indicator per level of the table, each with the rules on that level's fields.

    Product-Live judges an item with the indicator of its level, on its own values: a rule that reads
    fields of two levels (a model's and an article's) cannot be checked there and is left to the
    publisher (listed by `regenerate --report`). The product type (a classification, level 1 only)
    is checked on the model; the EAN on the article.
    """
    if not plan.multi:
        return [conditional_formatting(mappings, type_rules, plan.article.key)]
    out = []
    for level in plan.levels:
        own: dict[str, TypeRules] = {}
        for category, rules in type_rules.items():
            kept = TypeRules(conditions=rules.conditions, requirements=rules.requirements, left=rules.left)
            for entry in rules.entries:
                levels = {plan.level_of(k).key for k in _keys_read(entry)}
                if levels == {level.key}:
                    kept.entries.append(entry)
                elif plan.level_of(entry.key).key == level.key and len(levels) > 1:
                    reason = f"reads fields of several levels ({', '.join(sorted(levels))}): checked by the publisher"
                    if (entry.key, reason) not in rules.left:
                        rules.left.append((entry.key, reason))
            own[category] = kept
        indicator = KEY if level is plan.article else f"{KEY}_{level.key}"
        title = TITLE if level is plan.article else f"{TITLE} ({level.title.lower()})"
        out.append(conditional_formatting(mappings, own, level.key, indicator=indicator, title=title,
                                          classification=level is plan.model, barcode=level is plan.article))
    return out


def _keys_read(entry: Entry) -> set[str]:
    """Every field or identifier key a rule reads: its target, the other field it names, its conditions."""
    keys = {entry.key}
    control = entry.control
    if isinstance(control, ConditionRule):
        keys.update(atom.source for group in control.groups for atom in group)
    else:
        keys.update(value for name, value in control.attrs if name == "field")
    return keys


def conditional_formatting(mappings: Sequence[Mapping], type_rules: dict[str, TypeRules], level: str, *,
                           indicator: str = KEY, title: str = TITLE, classification: bool = True,
                           barcode: bool = True) -> ConditionalFormatting:
    """A readiness indicator: rules every product type shares in `Common`, the others per category.

    The product type itself is required and must be a leaf category (`classification`). A rule on an
    identifier that only some product types have goes on the first field its condition reads
    (`Specific` blocks hold fields only).
    """
    statuses = {INVALID: Status(INVALID, "Invalide pour Amazon", "RED", 1,
                                "Une valeur enfreint une règle d'Amazon : à corriger avant publication."),
                INCOMPLETE: Status(INCOMPLETE, "Incomplet pour Amazon", "ORANGE", 2,
                                   "Une valeur obligatoire pour Amazon manque.")}
    if classification:
        statuses[INCOMPLETE].common.append(RuleTarget("Classification", CLASSIFICATION_KEY,
                                                      (Rule("Rule-Required"),)))
        statuses[INVALID].common.append(RuleTarget("Classification", CLASSIFICATION_KEY, (Rule("Rule-Is-Leaf"),)))
    ean = ean_rules(mappings) if barcode else []
    categories = [m.category for m in mappings]
    shared = [e for e in type_rules[categories[0]].entries
              if all(e in type_rules[c].entries for c in categories[1:])] if categories else []
    for status in (INVALID, INCOMPLETE):
        common: dict[tuple[str, str], list[Control]] = {}
        if status == INVALID and ean:
            common[("Identifier", EAN)] = list(ean)
        for e in shared:
            if e.status == status:
                common.setdefault((e.element, e.key), []).append(e.control)
        statuses[status].common.extend(RuleTarget(el, k, tuple(c)) for (el, k), c in common.items())
        for m in mappings:
            specific: dict[str, list[Control]] = {}
            for e in type_rules[m.category].entries:
                if e.status != status or e in shared:
                    continue
                key = e.key
                if e.element != "Field":
                    key = _first_field(e.control, m)
                    if key is None:
                        continue
                specific.setdefault(key, []).append(e.control)
            if specific:
                statuses[status].specific.append((m.category, [RuleTarget("Field", k, tuple(c))
                                                               for k, c in specific.items()]))
    return ConditionalFormatting(indicator, level, title, DESCRIPTION, (READY, "Prêt pour Amazon", "GREEN"),
                                 [statuses[INVALID], statuses[INCOMPLETE]])


def _first_field(control: Control, mapping: Mapping) -> str | None:
    if isinstance(control, ConditionRule):
        fields = {f.key for f in mapping.fields if f.role == "field"} | {publication.ASIN}
        for group in control.groups:
            for atom in group:
                if atom.source in fields:
                    return atom.source
    return None
