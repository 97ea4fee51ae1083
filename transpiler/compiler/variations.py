"""Parentage and variation themes of a product type, derived from its schema.

Amazon groups the variants of one product (a phone in three colours and two capacities) into a
family: a parent listing (`parentage_level` = parent, no offer) and children pointing at it
(`child_parent_sku_relationship.parent_sku`), all carrying the family's `variation_theme`. The
theme names the axes (`COLOR/MEMORY_STORAGE_CAPACITY`), but a name is not an attribute: Amazon's
schemas tie each theme to its attributes with rules of the shape "when the listing is a child and
its theme is one of [...], these attributes are required". Those rules are read first; a theme no
rule mentions falls back to matching the parts of its name with attribute names (`COLOR_NAME` ->
`color`), and parts nothing matches are reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from transpiler.compiler.model import Attribute, Leaf, Variations, VariationTheme
from transpiler.rules.conditions import AllOf, Condition, Predicate, Quantifier, Require, ValueIn

PARENTAGE = "parentage_level"
RELATIONSHIP = "child_parent_sku_relationship"
THEME = "variation_theme"
#: Suffixes Amazon's theme names add to attribute names (`SIZE_NAME` for `size`, `MATERIAL_TYPE`).
_NAME_SUFFIXES = ("_name", "_type", "_value")


def variations_of(attributes: Sequence[Attribute], conditions: Sequence[Condition]) -> Variations:
    """The product type's parentage attributes and themes (empty when it has no variation_theme)."""
    by_name = {a.name: a for a in attributes}
    parentage = by_name.get(PARENTAGE)
    relationship = by_name.get(RELATIONSHIP)
    theme = by_name.get(THEME)
    theme_leaf = _valued_leaf(theme, "name")
    family = {PARENTAGE, RELATIONSHIP, THEME}
    ties: dict[str, list[str]] = {}
    if theme_leaf is not None:
        for condition in conditions:
            if not condition.expressible or condition.scope:
                continue
            names = _theme_values(condition.when, theme_leaf.path)
            required = [
                path.split(".")[0]
                for effect in condition.then if isinstance(effect, Require)
                for path in effect.paths
                if path.split(".")[0] not in family and path.split(".")[0] in by_name
            ]
            for name in names:
                ties.setdefault(name, []).extend(required)
    themes = []
    for option in theme_leaf.options if theme_leaf is not None else ():
        name = str(option.value)
        matched, unresolved = _by_name(name, by_name)
        tied = list(dict.fromkeys(ties.get(name, ())))
        if tied:
            ordered = [a for a in matched if a in tied] + [a for a in tied if a not in matched]
            themes.append(VariationTheme(name, option.label, tuple(ordered), "rules"))
        else:
            themes.append(VariationTheme(name, option.label, tuple(matched), "name", tuple(unresolved)))
    parentage_leaf = _valued_leaf(parentage, "value")
    return Variations(
        parentage=parentage.name if parentage else None,
        parentage_path=parentage_leaf.path if parentage_leaf else None,
        relationship=relationship.name if relationship else None,
        parent_sku_path=_leaf_path(relationship, "parent_sku"),
        relationship_type_path=_leaf_path(relationship, "child_relationship_type"),
        theme=theme.name if theme else None,
        theme_path=theme_leaf.path if theme_leaf else None,
        themes=tuple(themes),
    )


def _valued_leaf(attribute: Attribute | None, preferred: str) -> Leaf | None:
    """The leaf holding the attribute's value list (`variation_theme.name`, `parentage_level.value`)."""
    if attribute is None:
        return None
    listed = [leaf for leaf in attribute.leaves if leaf.options]
    for leaf in listed:
        if leaf.name == preferred:
            return leaf
    return listed[0] if listed else attribute.leaf(f"{attribute.name}.{preferred}")


def _leaf_path(attribute: Attribute | None, name: str) -> str | None:
    leaf = attribute.leaf(f"{attribute.name}.{name}") if attribute else None
    return leaf.path if leaf else None


def _theme_values(predicate: Predicate | None, path: str) -> set[str]:
    """Theme names a predicate requires the theme to be among (tests that must all hold)."""
    if isinstance(predicate, ValueIn) and predicate.path == path and predicate.quantifier != Quantifier.ALL:
        return {str(v) for v in predicate.values}
    if isinstance(predicate, AllOf):
        found = [s for s in (_theme_values(p, path) for p in predicate.operands) if s]
        return set.intersection(*found) if found else set()
    return set()


def _by_name(theme: str, attributes: dict[str, Attribute]) -> tuple[list[str], list[str]]:
    """Attributes named by the parts of a theme name, and the parts no attribute matches."""
    matched: list[str] = []
    unresolved: list[str] = []
    for part in theme.split("/"):
        token = part.strip().lower()
        candidates = [token] + [token.removesuffix(s) for s in _NAME_SUFFIXES if token.endswith(s)]
        found = next((c for c in candidates if c in attributes), None)
        if found is None:
            unresolved.append(part.strip())
        elif found not in matched:
            matched.append(found)
    return matched, unresolved
