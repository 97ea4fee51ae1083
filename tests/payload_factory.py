"""Random Amazon `attributes` payloads built from the attribute model (for property-style tests).

Values are drawn from the leaves' options and from the values the conditions test, so the rules
fire often. Payloads are well-typed but not necessarily valid: tests decide what they expect.
"""

from __future__ import annotations

import random
from typing import Any

from transpiler.compiler.model import AllOf, AnyOf, Attribute, Kind, Leaf, Not, ProductType, ValueIn


def interesting_values(product_type: ProductType) -> dict[str, list[Any]]:
    """Values tested by conditions, per full leaf path (scoped rules prefixed with their scope)."""
    found: dict[str, list[Any]] = {}

    def visit(predicate: Any, scope: str) -> None:
        if isinstance(predicate, ValueIn):
            path = f"{scope}.{predicate.path}" if scope else predicate.path
            found.setdefault(path, []).extend(predicate.values)
        elif isinstance(predicate, Not):
            visit(predicate.operand, scope)
        elif isinstance(predicate, (AllOf, AnyOf)):
            for operand in predicate.operands:
                visit(operand, scope)

    for condition in product_type.conditions:
        visit(condition.when, condition.scope)
    return found


def _value(leaf: Leaf, rng: random.Random, hints: dict[str, list[Any]]) -> Any:
    if leaf.path in hints and rng.random() < 0.6:
        return rng.choice(hints[leaf.path])
    if (leaf.options and leaf.kind != Kind.OPEN_ENUM) or (leaf.options and rng.random() < 0.7):
        return rng.choice(leaf.options).value
    if leaf.kind == Kind.BOOLEAN:
        return rng.random() < 0.5
    if leaf.kind == Kind.INTEGER:
        return rng.randint(1, 5)
    if leaf.kind == Kind.NUMBER:
        return round(rng.uniform(0.5, 50), 2)
    if leaf.kind == Kind.OBJECT:
        return {}
    if leaf.kind == Kind.DATE:
        return "2026-11-28"
    if leaf.kind == Kind.DATE_TIME:
        return "2026-11-28T10:00:00Z"
    if leaf.kind == Kind.URL:
        return "https://m.media-amazon.com/images/I/example.jpg"
    return rng.choice(["Noir", "Écran 6,1 pouces", "Galaxy S24", "Coque renforcée"])


def _put(item: dict[str, Any], attribute: str, leaf_path: str, arrays: tuple[str, ...], value: Any) -> None:
    segments = leaf_path.split(".")[1:]
    node: Any = item
    prefix = attribute
    for i, segment in enumerate(segments):
        prefix = f"{prefix}.{segment}"
        last = i == len(segments) - 1
        if last:
            node[segment] = value
        elif prefix in arrays:
            node = node.setdefault(segment, [{}])[0]
        else:
            node = node.setdefault(segment, {})


def build_item(attribute: Attribute, rng: random.Random, hints: dict[str, list[Any]], settings: tuple[str, str]):
    marketplace_id, language_tag = settings
    item: dict[str, Any] = {}
    for leaf in attribute.leaves:
        if not leaf.required and rng.random() < 0.35:
            continue
        value = _value(leaf, rng, hints)
        if leaf.multiple:
            value = [value]
        if leaf.path == attribute.name:
            return value
        _put(item, attribute.name, leaf.path, leaf.arrays, value)
    for path in attribute.context_paths:
        arrays = tuple(p for leaf in attribute.leaves for p in leaf.arrays)
        value = marketplace_id if path.endswith("marketplace_id") else language_tag
        _put(item, attribute.name, path, arrays, value)
    return item


def random_payload(product_type: ProductType, rng: random.Random, presence: float = 0.5) -> dict[str, Any]:
    hints = interesting_values(product_type)
    settings = (product_type.marketplace_id or "A13V1IB3VIYZZH", product_type.locale or "fr_FR")
    payload: dict[str, Any] = {}
    for attribute in product_type.attributes:
        if attribute.required or rng.random() < presence:
            count = 2 if (attribute.max_values or 1) > 1 and rng.random() < 0.3 else 1
            payload[attribute.name] = [build_item(attribute, rng, hints, settings) for _ in range(count)]
    return payload
