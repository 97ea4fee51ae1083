"""Formulas of the table: what Product-Live computes or offers by itself.

- `SET_SELECTABLE_OPTIONS` per product type on shared select fields: one field holds the options of
  every product type (the union), and each type is offered only its own (a phone is never offered
  the case keywords of `item_type_keyword`). The readiness rules flag a value another way brought
  in (`other-type-option`).

The condition on the product type reads the classification key, as Product-Live's rules engine
conditions do (`<Condition source="AMAZON_PRODUCT_TYPE" operator="IN">`).
"""

from __future__ import annotations

from collections.abc import Sequence

from transpiler.emit.table_records import Atom, Formula, FormulaRule, TableField
from transpiler.mapping.identifiers import CLASSIFICATION_KEY
from transpiler.mapping.types import Mapping


def option_formulas(fields: Sequence[TableField], mappings: Sequence[Mapping]) -> list[Formula]:
    """One formula per select field whose options differ between the product types that have it."""
    out = []
    for table_field in fields:
        if not table_field.options or table_field.read_only:
            continue
        union = [o.key for o in table_field.options]
        per_type: dict[tuple[str, ...], list[str]] = {}
        for m in mappings:
            fm = m.field(table_field.key)
            if fm is None:
                continue
            own = {c.key for c in fm.options}
            per_type.setdefault(tuple(k for k in union if k in own), []).append(m.category)
        if len(per_type) < 2 and all(len(keys) == len(union) for keys in per_type):
            continue
        rules = tuple(
            FormulaRule(priority, ((Atom(CLASSIFICATION_KEY, "IN", tuple(categories)),),),
                        "SET_SELECTABLE_OPTIONS", values=keys)
            for priority, (keys, categories) in enumerate(per_type.items(), start=1)
        )
        out.append(Formula("Field", table_field.key, rules))
    return out
