"""`pl-amazon regenerate --report`: what the table holds per product type, and what it leaves out.

Per product type: fields, options, readiness rules, the schema's conditions split into native
(Product-Live rules enforce every effect), partial (some effects native, the rest checked by the
publisher) and publisher (checked only by the publisher's validation) with the share enforced
natively, the requirements enforced natively, the value limits only the publisher checks, what
the mapping cannot hold, and whether the titles are French: the table shows a definition's titles and
help texts as Amazon wrote them, so one pulled (or copied) for another locale reads in that language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transpiler.compiler.model import ProductType
from transpiler.emit.productlive import sorted_types
from transpiler.emit.structure import build_structure


def build_report(product_types: Sequence[ProductType]) -> dict[str, Any]:
    structure = build_structure(sorted_types(product_types))
    table = structure.table
    types = []
    for mapping in structure.mappings:
        rules = structure.type_rules[mapping.category]
        fields = [f for f in mapping.fields if f.role == "field"]
        counts = {"native": 0, "partial": 0, "publisher": 0}
        for c in rules.conditions:
            counts[c.native] += 1
        total = sum(counts.values())
        types.append(
            {
                "product_type": mapping.product_type,
                "category": mapping.category,
                "locale": mapping.locale,
                "french_labels": (mapping.locale or "").lower().startswith("fr"),
                "fields": len(fields),
                "options": sum(len(f.options) + len(f.suffixes) for f in fields),
                "rules": len(rules.entries),
                "conditions": counts,
                "native_share": round(counts["native"] / total, 3) if total else 1.0,
                "requirements_native": rules.requirements,
                "left_to_publisher": [
                    {"source": c.source, "native": c.native, "reason": c.reason, "condition": c.description}
                    for c in rules.conditions
                    if c.native != "native"
                ],
                "limits_left_to_publisher": [{"field": k, "reason": r} for k, r in rules.left],
                "unmapped": [{"path": p, "reason": r} for p, r in mapping.unmapped],
            }
        )
    statuses = [s for cf in table.conditional_formattings for s in cf.statuses]
    rule_count = sum(len(t.controls) for s in statuses for t in s.common) + sum(
        len(t.controls) for s in statuses for _, targets in s.specific for t in targets)
    return {
        "table": table.key,
        "fields": len(table.fields),
        "options": sum(len(f.options) + len(f.suffixes) for f in table.fields),
        "rules": rule_count,
        "categories": len(table.categories),
        "product_types": types,
    }


def render_report(document: dict[str, Any]) -> str:
    lines = [
        f"table {document['table']}: {document['categories']} categories, {document['fields']} fields, "
        f"{document['options']} options/units, {document['rules']} readiness rules",
    ]
    for t in document["product_types"]:
        c = t["conditions"]
        lines.append(
            f"{t['category']}: {t['fields']} fields, {t['options']} options/units, {t['rules']} rules; "
            f"conditions {c['native']} native, {c['partial']} partial, {c['publisher']} publisher only "
            f"({t['native_share']:.0%} enforced by Product-Live); {t['requirements_native']} requirements native"
        )
        for entry in t["left_to_publisher"]:
            lines.append(f"  [{entry['native']}] {entry['source']}: {entry['condition']} ({entry['reason']})")
        by_reason: dict[str, list[str]] = {}
        for entry in t["limits_left_to_publisher"]:
            by_reason.setdefault(entry["reason"], []).append(entry["field"])
        for reason, keys in by_reason.items():
            shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
            lines.append(f"  [limit] {shown}: {reason}")
        for entry in t["unmapped"]:
            lines.append(f"  [unmapped] {entry['path']}: {entry['reason']}")
        if not t["french_labels"]:
            locale = t["locale"] or "an unknown locale"
            lines.append(f"  [labels] titles and help texts as Amazon wrote them for {locale}, not in French")
    return "\n".join(lines)
