"""Example listings built from the attribute model: valid `attributes` payloads for a product type.

Used by the differential tests and the validation benchmark, and handy to show what a complete
listing of a product type looks like. Values respect each leaf's options and constraints
(lengths, UTF-8 bytes, bounds, the patterns Amazon uses); a repair loop driven by a validator's
verdict then adds what conditional rules require and drops optional attributes it cannot satisfy.
"""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Callable, Iterable
from typing import Any

from transpiler.compiler.model import Attribute, Kind, Leaf, ProductType
from transpiler.config import FRANCE_LOCALE, FRANCE_MARKETPLACE_ID, MARKETPLACE_ID_PROPERTY
from transpiler.rules.conditions import AllOf, AllowValues, AnyOf, Not, RequireContains, ValueIn

#: (location in the payload, missing property name or None) of each problem a validator reports.
Problems = Callable[[dict[str, Any]], Iterable[tuple[tuple[Any, ...], str | None]]]

_KNOWN_PATTERNS: dict[str, Callable[[random.Random], str]] = {
    "^[A-Z0-9]{10}$": lambda rng: "B0" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8)),
    "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$": lambda rng: rng.choice(["contact@modelabs.fr", "qualite@modelabs-mobiles.com"]),
}
_WORDS = ["Noir", "Écran 6,1 pouces", "Galaxy", "Coque renforcée", "Modelabs", "Protection antichoc", "Bleu nuit"]


def text_value(leaf: Leaf, rng: random.Random) -> str | None:
    """A string meeting the leaf's length, byte and pattern limits (None when unknown pattern)."""
    c = leaf.constraints
    if c.pattern is not None:
        make = _KNOWN_PATTERNS.get(c.pattern)
        return make(rng) if make else None
    text = rng.choice(_WORDS)
    low = max(c.min_length or 0, c.min_utf8_bytes or 0, 1)
    while len(text) < low:
        text += " " + rng.choice(_WORDS)
    high = min(v for v in (c.max_length, c.max_utf8_bytes, 10_000) if v is not None)
    while len(text.encode("utf-8")) > high and text:
        text = text[:-1]
    return text


def number_value(leaf: Leaf, rng: random.Random) -> int | float:
    c = leaf.constraints
    low = c.minimum if c.minimum is not None else (c.exclusive_minimum + 1 if c.exclusive_minimum is not None else 1)
    high = c.maximum if c.maximum is not None else (c.exclusive_maximum - 1 if c.exclusive_maximum is not None else 500)
    low, high = float(low), float(max(low, high))
    if c.multiple_of:
        steps = int((high - low) // c.multiple_of)
        start = -(-low // c.multiple_of) * c.multiple_of
        value = start + c.multiple_of * rng.randint(0, max(steps - 1, 0))
        value = round(value / c.multiple_of) * c.multiple_of
        return int(value) if leaf.value_type == "integer" or float(value).is_integer() else value
    if leaf.value_type == "integer":
        return rng.randint(int(-(-low // 1)), int(max(-(-low // 1), high // 1)))
    return round(rng.uniform(low, min(high, low + 500)), 2) if high > low else low


def leaf_value(leaf: Leaf, rng: random.Random, hints: dict[str, list[Any]] | None = None) -> Any:
    """One value for a leaf (None: no value can be made)."""
    if hints and leaf.path in hints and rng.random() < 0.5:
        return rng.choice(hints[leaf.path])
    if leaf.options and (leaf.kind != Kind.OPEN_ENUM or rng.random() < 0.7):
        return rng.choice(leaf.options).value
    if leaf.kind == Kind.BOOLEAN:
        return rng.random() < 0.5
    if leaf.kind in (Kind.INTEGER, Kind.NUMBER):
        return number_value(leaf, rng)
    if leaf.kind == Kind.OBJECT:
        return {}
    if leaf.kind == Kind.DATE:
        return "2026-11-28"
    if leaf.kind == Kind.DATE_TIME:
        return "2026-11-28T10:00:00Z"
    if leaf.kind == Kind.URL and leaf.constraints.pattern is None:
        return "https://m.media-amazon.com/images/I/exemple.jpg"
    return text_value(leaf, rng)


def condition_values(product_type: ProductType) -> dict[str, list[Any]]:
    """Values the conditions test or constrain, per full leaf path: hints that make rules fire often."""
    found: dict[str, list[Any]] = {}

    def visit(node: Any, scope: str) -> None:
        if isinstance(node, (ValueIn, AllowValues, RequireContains)):
            found.setdefault(f"{scope}.{node.path}" if scope else node.path, []).extend(node.values)
        elif isinstance(node, Not):
            visit(node.operand, scope)
        elif isinstance(node, (AllOf, AnyOf)):
            for operand in node.operands:
                visit(operand, scope)

    for condition in product_type.conditions:
        visit(condition.when, condition.scope)
        for effect in (*condition.then, *condition.otherwise):
            visit(effect, condition.scope)
    return found


def _put(item: dict[str, Any], leaf_path: str, arrays: Iterable[str], value: Any) -> None:
    segments = leaf_path.split(".")
    node: Any = item
    prefix = segments[0]
    for i, segment in enumerate(segments[1:]):
        prefix = f"{prefix}.{segment}"
        if i == len(segments) - 2:
            node[segment] = value
        elif prefix in arrays:
            node = node.setdefault(segment, [{}])[0]
        else:
            node = node.setdefault(segment, {})


def build_item(
    attribute: Attribute,
    product_type: ProductType,
    rng: random.Random,
    *,
    presence: float = 0.6,
    hints: dict[str, list[Any]] | None = None,
) -> Any:
    """One item of an attribute: required members always, each optional object or value with
    probability `presence` (an optional object, when present, gets every member it requires)."""
    arrays = {prefix for leaf in attribute.leaves for prefix in leaf.arrays}
    chosen: dict[str, bool] = {}

    def wanted(leaf: Leaf) -> bool:
        if not leaf.required_chain:
            return leaf.required or rng.random() < presence
        segments = leaf.path.split(".")
        for depth, required in enumerate(leaf.required_chain):
            prefix = ".".join(segments[: depth + 2])
            if not required and not chosen.setdefault(prefix, rng.random() < presence):
                return False
        return True

    item: dict[str, Any] = {}
    for leaf in attribute.leaves:
        if not wanted(leaf):
            continue
        value = leaf_value(leaf, rng, hints)
        if value is None:
            continue
        if leaf.path == attribute.name:
            return value
        _put(item, leaf.path, arrays, [value] if leaf.multiple else value)
    for path in attribute.context_paths:
        if path.endswith(MARKETPLACE_ID_PROPERTY):
            _put(item, path, arrays, product_type.marketplace_id or FRANCE_MARKETPLACE_ID)
        else:
            _put(item, path, arrays, (product_type.locale or FRANCE_LOCALE).replace("-", "_"))
    return item


def random_listing(
    product_type: ProductType,
    rng: random.Random,
    *,
    presence: float = 0.5,
    hints: dict[str, list[Any]] | None = None,
    second_item: float = 0.0,
) -> dict[str, Any]:
    """A well-typed payload (not necessarily valid): required attributes and a random share of the others.

    `second_item`: probability of a second item for attributes that may hold several values (rules
    such as "if one item says X, no item may say Y" only fire with two).
    """
    payload: dict[str, Any] = {}
    for attribute in product_type.attributes:
        if attribute.required or rng.random() < presence:
            count = 2 if (attribute.max_values or 1) > 1 and rng.random() < second_item else 1
            payload[attribute.name] = [build_item(attribute, product_type, rng, hints=hints) for _ in range(count)]
    return payload


def valid_listing(
    product_type: ProductType,
    rng: random.Random,
    problems: Problems,
    *,
    presence: float = 0.5,
    hints: dict[str, list[Any]] | None = None,
    rounds: int = 40,
) -> dict[str, Any] | None:
    """A payload `problems` finds nothing wrong with, or None when the repair loop gives up.

    Each round: a missing top-level attribute is added; an attribute with a problem is rebuilt
    with all its leaves when it is required, dropped when it is optional.
    """
    payload = random_listing(product_type, rng, presence=presence, hints=hints)
    by_name = {a.name: a for a in product_type.attributes}
    for attempt in range(rounds):
        found = list(problems(payload))
        if not found:
            return payload
        for loc, missing in found:
            name = loc[0] if loc else missing
            attribute = by_name.get(name) if isinstance(name, str) else None
            if attribute is None:
                if isinstance(name, str):
                    payload.pop(name, None)
                continue
            if name not in payload or ((attribute.required or not loc) and attempt < rounds // 2):
                full = 1.0 if name in payload else presence
                payload[name] = [build_item(attribute, product_type, rng, presence=full, hints=hints)]
            else:
                payload.pop(name, None)
    return None if list(problems(payload)) else payload


def mutated(payload: dict[str, Any]) -> dict[str, Any]:
    """A deep copy to mutate."""
    return copy.deepcopy(payload)
