"""A listing's place in its variation family, as Amazon attributes.

In Product-Live a family is a multi-level item: the model (the parent listing) and its articles
(the children). The levels say who is who, so the publisher writes Amazon's parentage attributes
itself rather than reading them from fields: `parentage_level` (parent / child),
`child_parent_sku_relationship` (its constants, and the parent's SKU on a child) and
`variation_theme` (the theme chosen on the model), each item with the attribute's context
properties (`marketplace_id`...), as `FamilyRules` of the mapping describe them.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any

from transpiler.mapping.types import FamilyRules

PARENT = "parent"
CHILD = "child"


@dataclass(frozen=True)
class FamilyRole:
    """What a listing is in its family: the parent, or a child of `parent_sku`; both carry `theme`."""

    role: str  # parent | child
    theme: str
    parent_sku: str | None = None


def family_attributes(rules: FamilyRules, role: FamilyRole, context: MappingABC[str, str]) -> dict[str, Any]:
    """The three parentage attributes of a listing of this family (`context`: marketplace_id...)."""

    def item(attribute: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        found = {path: context[path] for path in rules.context(attribute) if path in context}
        return [{**values, **found}]

    relationship = dict(rules.relationship_constants)
    if role.role == CHILD and role.parent_sku:
        relationship[rules.parent_sku_leaf] = role.parent_sku
    return {
        rules.parentage: item(rules.parentage, {rules.parentage_leaf: role.role}),
        rules.relationship: item(rules.relationship, relationship),
        rules.theme: item(rules.theme, {rules.theme_leaf: role.theme}),
    }


def axis_values(attributes: MappingABC[str, Any], axes: tuple[str, ...],
                context: tuple[str, ...] = ("marketplace_id", "language_tag")) -> tuple[Any, ...] | None:
    """A child's values on the theme's axes (without context properties); None when one is missing."""
    out = []
    for name in axes:
        items = attributes.get(name)
        values = [{k: v for k, v in i.items() if k not in context} for i in items or () if isinstance(i, dict)]
        values = [v for v in values if v]
        if not values:
            return None
        out.append(values)
    return tuple(out)
