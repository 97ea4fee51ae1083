"""The "Amazon readiness" Conditional-Formatting: which Amazon rules Product-Live can check itself.

Three statuses: READY (default, green), INCOMPLETE (orange: a required value is missing) and
INVALID (red: a value breaks a format rule; lowest Priority number, so it wins). Rules:

- `Rule-Required` per product type (in `Specific` blocks) for unconditional requirements;
- `Rule-Max-Length` = the tighter of Amazon's character and UTF-8 byte limits (a byte limit also
  caps characters; the publisher still checks the exact byte count for accented text),
  `Rule-Min-Length`, `Rule-Regex`, numeric bounds, `Rule-Max-Values`, `Rule-Barcode` for the EAN;
- conditional requirements of the shape "when X is set / has one of these options, Y is required"
  become `Rule-Required-If-Another-Field-Is-Not-Empty` / `-Has-Options`. Every other condition
  is left to the publisher's validation and listed by `pl-amazon regenerate --report`.

Numeric bounds are written only when they are non-negative integers (Product-Live's own table
parser reads them as unsigned integers); other bounds are left to the publisher.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from transpiler.compiler.model import ProductType
from transpiler.emit.table_records import ConditionalFormatting, Rule, RuleTarget, Status
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN
from transpiler.mapping.types import FieldMapping, Mapping
from transpiler.rules.conditions import Condition, Present, Quantifier, Require, ValueIn

KEY = "AMAZON_READINESS"
READY, INCOMPLETE, INVALID = "READY", "INCOMPLETE", "INVALID"
TITLE = "Préparation Amazon"
DESCRIPTION = ("Prêt : toutes les règles vérifiables dans Product-Live sont respectées. Incomplet : une valeur "
               "obligatoire pour Amazon manque. Invalide : une valeur enfreint une règle d'Amazon.")


@dataclass
class ConditionOutcome:
    source: str
    description: str
    native: str  # native | partial | publisher
    reason: str | None = None


@dataclass
class TypeRules:
    """Rules of one product type: field key -> rules, per status."""

    required: dict[str, list[Rule]] = field(default_factory=dict)  # INCOMPLETE
    invalid: dict[str, list[Rule]] = field(default_factory=dict)  # INVALID
    conditions: list[ConditionOutcome] = field(default_factory=list)
    bounds_left: list[str] = field(default_factory=list)  # field keys whose bounds the publisher checks


def _int_text(value: float) -> str | None:
    if value < 0 or value != int(value):
        return None
    return str(int(value))


def format_rules(fm: FieldMapping) -> tuple[list[Rule], bool]:
    """INVALID-status rules of one field, and whether some bound had to be left to the publisher."""
    rules: list[Rule] = []
    left = False
    limits = fm.limits
    if fm.type in ("SINGLE-LINE-TEXT", "LONG-TEXT") and fm.role == "field":
        caps = [limits[k] for k in ("max_length", "max_utf8_bytes") if limits.get(k) is not None]
        if limits.get("min_length", 0) >= 2:
            rules.append(Rule("Rule-Min-Length", (("min", str(limits["min_length"])),)))
        if caps:
            rules.append(Rule("Rule-Max-Length", (("max", str(min(caps))),)))
        if limits.get("pattern"):
            rules.append(Rule("Rule-Regex", (("regex", limits["pattern"]),)))
    if fm.type == "NUMBER":
        for name, element in (
            ("minimum", "Rule-Greater-Than-Or-Equal"),
            ("exclusive_minimum", "Rule-Greater-Than"),
            ("maximum", "Rule-Less-Than-Or-Equal"),
            ("exclusive_maximum", "Rule-Less-Than"),
        ):
            if limits.get(name) is None:
                continue
            text = _int_text(limits[name])
            if text is None:
                left = True
            else:
                rules.append(Rule(element, (("value", text),)))
    max_values = limits.get("max_values")
    if fm.type == "MULTIPLE-SELECT" and max_values is not None and max_values < len(fm.options):
        rules.append(Rule("Rule-Max-Values", (("max", str(limits["max_values"])),)))
    return rules, left


def _fields_at(mapping: Mapping, product_type: ProductType, path: str) -> list[FieldMapping] | None:
    """Fields that hold the value at `path` (single value per listing); None if not expressible."""
    exact = [
        f for f in mapping.fields
        if (f.path == path or f.unit_path == path) and f.slot_value is None and (f.slot_index or 0) == 0
    ]
    if exact:
        return exact if all(f.role == "field" for f in exact) else None
    attribute = product_type.attribute(path.split(".")[0])
    if attribute is None:
        return None
    layout = mapping.layout(attribute.name)
    if layout is None or layout.layout not in ("single", "numbered", "items_select"):
        return None
    under = [leaf for leaf in attribute.leaves if leaf.path.startswith(path + ".")]
    chosen = [leaf for leaf in under if leaf.required] or (under if len(under) == 1 else [])
    out: list[FieldMapping] = []
    constants = {f"{attribute.name}.{p}" for p, _ in layout.constants}
    for leaf in chosen:
        fields = [
            f for f in mapping.fields
            if (f.path == leaf.path or f.unit_path == leaf.path) and (f.slot_index or 0) == 0
        ]
        if layout.layout == "items_select" and not fields:
            fields = [f for f in mapping.fields if f.attribute == attribute.name]
        if not fields:
            if leaf.path in constants:
                continue  # filled automatically in every item
            return None
        out.extend(fields)
    unique: dict[str, FieldMapping] = {f.key: f for f in out}
    return list(unique.values()) or None


def _condition_rules(
    condition: Condition, mapping: Mapping, product_type: ProductType
) -> tuple[dict[str, list[Rule]], str, str | None]:
    """Rules for one condition and whether it is native, partial or left to the publisher."""
    if not condition.expressible:
        return {}, "publisher", condition.reason or "not broken down by the compiler"
    if condition.otherwise:
        return {}, "publisher", "has an 'otherwise' branch"
    prefix = ""
    if condition.scope:
        layout = mapping.layout(condition.scope)
        if layout is None or layout.layout != "single":
            return {}, "publisher", "per-item rule on a repeated attribute"
        prefix = condition.scope + "."
    when = condition.when
    if not isinstance(when, (Present, ValueIn)) or when.quantifier == Quantifier.ALL:
        return {}, "publisher", "trigger is not a single 'is set' / 'has option' test"
    triggers = _fields_at(mapping, product_type, prefix + when.path)
    if not triggers or len(triggers) != 1:
        return {}, "publisher", f"trigger {prefix + when.path} is not one field"
    trigger = triggers[0]
    if isinstance(when, ValueIn):
        if trigger.type not in ("SINGLE-SELECT", "MULTIPLE-SELECT"):
            return {}, "publisher", "option test on a field that is not a select"
        keys = [c.key for c in trigger.options if any(c.value == v and type(c.value) is type(v) for v in when.values)]
        if not keys:
            return {}, "publisher", "trigger options not in the field"
        rule_base = Rule("Rule-Required-If-Another-Field-Has-Options", (("field", trigger.key),), tuple(keys))
    else:
        rule_base = Rule("Rule-Required-If-Another-Field-Is-Not-Empty", (("field", trigger.key),))
    paths: list[str] = []
    others = 0
    for effect in condition.then:
        if isinstance(effect, Require):
            paths.extend(prefix + p for p in effect.paths)
        else:
            others += 1
    paths = [p for p in paths if not any(q.startswith(p + ".") for q in paths)]
    rules: dict[str, list[Rule]] = {}
    missing = 0
    for path in paths:
        targets = _fields_at(mapping, product_type, path)
        if not targets:
            missing += 1
            continue
        for target in targets:
            if target.key != trigger.key:
                rules.setdefault(target.key, []).append(rule_base)
    if not rules:
        return {}, "publisher", "required values are not single fields"
    if missing or others:
        return rules, "partial", "some effects are checked by the publisher only"
    return rules, "native", None


def rules_for(mapping: Mapping, product_type: ProductType) -> TypeRules:
    """Every readiness rule of one product type, before merging into the table."""
    from transpiler.rules.describe import describe

    out = TypeRules()
    for fm in mapping.fields:
        if fm.required and fm.role == "field":
            out.required.setdefault(fm.key, []).append(Rule("Rule-Required"))
        rules, left = format_rules(fm)
        if rules:
            out.invalid[fm.key] = rules
        if left:
            out.bounds_left.append(fm.key)
    for condition in product_type.conditions:
        rules, native, reason = _condition_rules(condition, mapping, product_type)
        for key, items in rules.items():
            existing = out.required.setdefault(key, [])
            existing.extend(r for r in items if r not in existing)
        out.conditions.append(ConditionOutcome(condition.source, describe(condition), native, reason))
    return out


def ean_rules(mappings: Sequence[Mapping]) -> list[Rule]:
    """`Rule-Barcode` on the EAN identifier when some product type maps it."""
    if any(f.key == "EAN" and f.role == "identifier" for m in mappings for f in m.fields):
        return [Rule("Rule-Barcode", (("type", "EAN13"),))]
    return []




def conditional_formatting(mappings: Sequence[Mapping], type_rules: dict[str, TypeRules], common: set[str],
                           has_ean: bool, level: str) -> ConditionalFormatting:
    """The readiness indicator: rules every product type shares in `Common`, the others per category.

    The product type itself is required and must be a leaf category (an item without a type, or
    classified on a parent category, can never be published).
    """
    invalid = Status(INVALID, "Invalide pour Amazon", "RED", 1)
    incomplete = Status(INCOMPLETE, "Incomplet pour Amazon", "ORANGE", 2)
    incomplete.common.append(RuleTarget("Classification", CLASSIFICATION_KEY, (Rule("Rule-Required"),)))
    invalid.common.append(RuleTarget("Classification", CLASSIFICATION_KEY, (Rule("Rule-Is-Leaf"),)))
    if has_ean:
        invalid.common.append(RuleTarget("Identifier", EAN, tuple(ean_rules(mappings))))
    # Format rules of a Common field go to Rules/Common when every product type agrees on them.
    order = [f.key for f in mappings[0].fields] if mappings else []
    shared: dict[str, list[Rule]] = {}
    for key in sorted(common, key=lambda k: order.index(k) if k in order else len(order)):
        per_type = [tuple(type_rules[m.category].invalid.get(key, ())) for m in mappings]
        if per_type and per_type[0] and all(r == per_type[0] for r in per_type):
            shared[key] = list(per_type[0])
    invalid.common.extend(RuleTarget("Field", key, tuple(rules)) for key, rules in shared.items())
    for m in mappings:
        rules = type_rules[m.category]
        field_order = [f.key for f in m.fields]
        inv = [(k, r) for k, r in rules.invalid.items() if k not in shared]
        inc = list(rules.required.items())
        if inv:
            invalid.specific.append((m.category, [RuleTarget("Field", k, tuple(r)) for k, r in
                                                  sorted(inv, key=lambda kv: field_order.index(kv[0]))]))
        if inc:
            incomplete.specific.append((m.category, [RuleTarget("Field", k, tuple(r)) for k, r in
                                                     sorted(inc, key=lambda kv: field_order.index(kv[0]))]))
    return ConditionalFormatting(KEY, level, TITLE, DESCRIPTION, (READY, "Prêt pour Amazon", "GREEN"),
                                 [invalid, incomplete])
