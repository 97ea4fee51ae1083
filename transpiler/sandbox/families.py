"""Variation families judged as Amazon judges them, on top of the schema.

A child (`child_parent_sku_relationship.parent_sku` set) is refused when:

- its parent SKU is itself (8019), unknown for this vendor and marketplace, not a parent
  (`parentage_level` parent), or of another product type (8007);
- its theme differs from its parent's, or one attribute its theme varies is missing (8016);
- another child of the same parent already has the same values for the theme's attributes (8016:
  two children of one family must differ on the axes, or shoppers could not choose between them).

These checks run once the listing passes its schema (whose own rules already require the theme's
attributes when they tie them). Which attributes a theme varies is read from the schema, as the
compiler reads it (`transpiler.compiler.variations`). Amazon documents 8007, 8016 and 8019 for
variation data; it documents no separate code for a duplicate combination, so 8016 says it.
"""

from __future__ import annotations

import json
from typing import Any

from transpiler.sandbox.issues import french, make_issue
from transpiler.sandbox.product_types import ProductTypeEntry
from transpiler.sandbox.state import SandboxState

PARENTAGE = "parentage_level"
RELATIONSHIP = "child_parent_sku_relationship"
THEME = "variation_theme"
CONTEXT = ("marketplace_id", "language_tag")


def parentage(attributes: dict[str, Any]) -> str | None:
    """`parent`, `child` or None, as the listing declares it."""
    value = first_value(attributes, PARENTAGE)
    return value.lower() if isinstance(value, str) else None


def parent_sku(attributes: dict[str, Any]) -> str | None:
    value = first_value(attributes, RELATIONSHIP, "parent_sku")
    return value if isinstance(value, str) and value else None


def theme(attributes: dict[str, Any]) -> str | None:
    value = first_value(attributes, THEME, "name")
    return value if isinstance(value, str) and value else None


class Families:
    """Family checks and relationship views over one sandbox's listings."""

    def __init__(self, state: SandboxState):
        self.state = state

    def judge(self, seller_id: str, sku: str, entry: ProductTypeEntry, attributes: dict[str, Any],
              marketplace_id: str, locale: str | None) -> list[dict[str, Any]]:
        """Issues of a child's place in its family (nothing for a parent or a lone listing)."""
        parent = parent_sku(attributes)
        if parent is None:
            return []
        fr = french(locale)
        common = {"marketplace_id": marketplace_id}
        if parent == sku:
            return [make_issue("8019", locale, attributes=[RELATIONSHIP], detail=sku, **common)]
        listing = self.state.store.listing(seller_id, parent)
        problem = None
        if listing is None or listing["marketplace_id"] != marketplace_id:
            problem = "aucune annonce n'a ce SKU" if fr else "no listing has this SKU"
        elif parentage(listing["attributes"]) != "parent":
            problem = ("cette annonce n'est pas un parent (parentage_level = parent)" if fr
                       else "that listing is not a parent (parentage_level = parent)")
        elif listing["product_type"] != entry.name:
            problem = (f"le parent est du type de produit {listing['product_type']}, l'enfant du type {entry.name}"
                       if fr else f"the parent is a {listing['product_type']}, the child a {entry.name}")
        if problem is not None or listing is None:
            return [make_issue("8007", locale, attributes=[RELATIONSHIP], detail=parent, expected=problem, **common)]
        family_theme = theme(listing["attributes"])
        own_theme = theme(attributes) or family_theme
        if own_theme != family_theme:
            reason = (f"son thème de variation {own_theme} diffère de celui du parent ({family_theme})" if fr
                      else f"its variation theme {own_theme} differs from the parent's ({family_theme})")
            return [make_issue("8016", locale, attributes=[THEME], detail=parent, expected=reason, **common)]
        axes = self.axes(entry, own_theme)
        missing = [name for name in axes if not _values(attributes, name)]
        if missing:
            reason = (f"attribut(s) du thème {own_theme} manquant(s) : {', '.join(missing)}" if fr
                      else f"missing attribute(s) of the theme {own_theme}: {', '.join(missing)}")
            return [make_issue("8016", locale, attributes=missing, detail=parent, expected=reason, **common)]
        mine = _combination(attributes, axes)
        for sibling in self.children(seller_id, parent, marketplace_id):
            if sibling["sku"] == sku or _combination(sibling["attributes"], axes) != mine:
                continue
            shown = ", ".join(f"{name} = {_shown(attributes, name)}" for name in axes)
            reason = (f"l'enfant {sibling['sku']} de la même famille a déjà {shown} ; chaque enfant doit différer "
                      "sur les attributs du thème" if fr
                      else f"the child {sibling['sku']} of the same family already has {shown}; each child must "
                           "differ on the theme's attributes")
            return [make_issue("8016", locale, attributes=list(axes), detail=parent, expected=reason, **common)]
        return []

    def axes(self, entry: ProductTypeEntry, name: str | None) -> tuple[str, ...]:
        """The attributes a theme varies for this product type (empty for an unknown theme)."""
        found = self.state.product_types.variations(entry).named(name) if name else None
        return found.attributes if found else ()

    def children(self, seller_id: str, parent: str, marketplace_id: str) -> list[dict[str, Any]]:
        return [x for x in self.state.store.listings(seller_id)
                if x["marketplace_id"] == marketplace_id and parent_sku(x["attributes"]) == parent]

    def relationships(self, listing: dict[str, Any]) -> list[dict[str, Any]]:
        """`relationships` of getListingsItem: a parent lists its children, a child its parent."""
        attributes = listing["attributes"]
        name = theme(attributes)
        entry = self.state.product_types.get(listing["product_type"], listing["marketplace_id"])
        variation: dict[str, Any] = {"type": "VARIATION"}
        if name and entry is not None:
            variation["variationTheme"] = {"theme": name, "attributes": list(self.axes(entry, name))}
        if parentage(attributes) == "parent":
            skus = [x["sku"] for x in self.children(listing["seller_id"], listing["sku"], listing["marketplace_id"])]
            return [{**variation, "childSkus": skus}] if skus else []
        parent = parent_sku(attributes)
        return [{**variation, "parentSkus": [parent]}] if parent else []


def first_value(attributes: dict[str, Any], name: str, key: str = "value") -> Any:
    """The `key` of an attribute's first value (Amazon's usual single-valued attribute), or None."""
    values = attributes.get(name)
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return values[0].get(key)
    return None


def _values(attributes: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The attribute's items without their context properties (what the value is, wherever it is sold)."""
    items = attributes.get(name)
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, dict):
            kept = {k: v for k, v in item.items() if k not in CONTEXT}
            if kept:
                out.append(kept)
    return out


def _combination(attributes: dict[str, Any], axes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(json.dumps(sorted(json.dumps(v, sort_keys=True) for v in _values(attributes, name)))
                 for name in axes)


def _shown(attributes: dict[str, Any], name: str) -> str:
    parts = []
    for item in _values(attributes, name):
        if "value" in item:
            parts.append(" ".join(str(item[k]) for k in ("value", "unit") if k in item))
        else:
            parts.append(json.dumps(item, ensure_ascii=False, sort_keys=True))
    return "« " + " / ".join(parts) + " »"
