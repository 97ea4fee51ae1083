"""Amazon `attributes` <-> Product-Live field values, through a mapping.

The publisher uses it in both directions: `fields_to_attributes` turns the values of one
Product-Live item into Amazon `attributes` (filling the context properties from the settings),
`attributes_to_fields` does the reverse (e.g. to import an existing listing). For every payload
the mapping can represent, the round trip attributes -> fields -> attributes is the identity
(hypothesis property test). The value forms are described in `transpiler.mapping.types`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence, Set
from decimal import Decimal
from typing import Any

from transpiler.amazon.numbers import parse_decimal
from transpiler.config import Settings
from transpiler.mapping.types import (
    AttributeLayout,
    Choice,
    FieldMapping,
    FieldValue,
    Mapping,
    Quantity,
)


def number_text(value: int | float) -> str:
    """Plain decimal text (no exponent) that converts back to the same number."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{value} cannot be written to Product-Live")
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def parse_number(text: str, value_type: str) -> int | float:
    """The number of a Product-Live NUMBER value; NumberTextError (a ValueError) when Amazon would
    not receive it exactly as written (see transpiler.amazon.numbers)."""
    return parse_decimal(text, integer=value_type == "integer")


def _get(node: Any, segments: Sequence[str]) -> Any:
    """Value at `segments` below an item, taking the first element of nested arrays."""
    for segment in segments:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, MappingABC) or segment not in node:
            return None
        node = node[segment]
    return node


def _set(item: dict[str, Any], segments: Sequence[str], value: Any, arrays: Set[str]) -> None:
    node: Any = item
    for depth, segment in enumerate(segments[:-1]):
        prefix = ".".join(segments[: depth + 1]) if arrays else ""
        if prefix in arrays:
            container = node.setdefault(segment, [{}])
            node = container[0]
        else:
            node = node.setdefault(segment, {})
    node[segments[-1]] = value


def _choice_key(choices: Sequence[Choice], value: Any) -> str | None:
    for c in choices:
        if c.value == value and isinstance(c.value, bool) == isinstance(value, bool):
            return c.key
    return None


def _choice_value(values: MappingABC[str, Any], key: str, field_key_: str) -> Any:
    """The Amazon value of an option or unit key (`FieldMapping.option_values` / `suffix_values`)."""
    try:
        return values[key]
    except (KeyError, TypeError):
        raise ValueError(f"{field_key_}: {key!r} is not an option of this field") from None


def _items(mapping: Mapping, attributes: MappingABC[str, Any], fm: FieldMapping, layout: AttributeLayout) -> list[Any]:
    items = attributes.get(fm.attribute)
    if not isinstance(items, list):
        return []
    if layout.layout == "numbered":
        return [items[fm.slot_index]] if fm.slot_index is not None and fm.slot_index < len(items) else []
    if layout.layout == "keyed":
        sel = (layout.selector or "").split(".")
        return [i for i in items if _get(i, sel) == fm.slot_value][:1]
    return items if layout.layout == "items_select" else items[:1]


def attributes_to_fields(mapping: Mapping, attributes: MappingABC[str, Any]) -> dict[str, FieldValue]:
    """Product-Live values (by field / identifier key) of an Amazon `attributes` object."""
    out: dict[str, FieldValue] = {}
    layouts = mapping.layouts_by_name
    for fm in mapping.fields:
        layout = layouts[fm.attribute]
        items = _items(mapping, attributes, fm, layout)
        if not items:
            continue
        rel = fm.item_segments
        if fm.transform == "items_select":
            keys = [k for i in items if (k := _choice_key(fm.options, _get(i, rel))) is not None]
            if keys:
                out[fm.key] = keys
            continue
        value = _get(items[0], rel)
        if value is None:
            continue
        if fm.transform == "unit":
            unit = _get(items[0], fm.unit_segments)
            suffix = _choice_key(fm.suffixes, unit) if unit is not None else None
            out[fm.key] = Quantity(number_text(value), suffix or fm.default_suffix or "")
        elif fm.transform == "number":
            out[fm.key] = number_text(value)
        elif fm.transform in ("select", "boolean"):
            key = _choice_key(fm.options, value)
            if key is not None:
                out[fm.key] = key
        elif fm.transform == "values_select":
            out[fm.key] = [k for v in value if (k := _choice_key(fm.options, v)) is not None]
        elif fm.transform == "list1":
            if isinstance(value, list) and value:
                first = value[0]
                out[fm.key] = _choice_key(fm.options, first) or "" if fm.options else str(first)
        elif fm.transform == "lines":
            if isinstance(value, list) and value:
                out[fm.key] = "\n".join(str(v) for v in value)
        else:
            out[fm.key] = str(value)
    return out


def _typed(fm: FieldMapping, text: str) -> Any:
    if fm.transform in ("select", "boolean", "list1") and fm.options:
        return _choice_value(fm.option_values, text, fm.key)
    if fm.transform == "number":
        return parse_number(text, fm.value_type)
    return text


def fields_to_attributes(mapping: Mapping, fields: MappingABC[str, FieldValue], settings: Settings) -> dict[str, Any]:
    """Amazon `attributes` of one Product-Live item; context properties come from `settings`.

    Unknown keys are ignored (other product types' fields); a value that is not an option of its
    field raises ValueError naming the field key.
    """
    context = settings.context
    layouts = mapping.layouts_by_name
    slots: dict[str, dict[Any, dict[str, Any]]] = {}
    multi: dict[str, list[dict[str, Any]]] = {}
    positions = mapping.field_positions
    # the item's keys in the mapping's order (an item carries a few dozen of the mapping's fields)
    for n in sorted(n for key in fields for n in positions.get(key, ())):
        fm = mapping.fields[n]
        raw = fields[fm.key]
        if raw is None or raw == "" or raw == []:
            continue
        layout = layouts[fm.attribute]
        arrays = layout.array_set
        rel = fm.item_segments
        if fm.transform == "items_select":
            keys = raw if isinstance(raw, list) else [raw]
            multi[fm.attribute] = []
            for key in keys:
                item: dict[str, Any] = {}
                _set(item, rel, _choice_value(fm.option_values, key, fm.key), arrays)
                multi[fm.attribute].append(item)
            continue
        slot = fm.slot_index if layout.layout == "numbered" else fm.slot_value if layout.layout == "keyed" else 0
        item = slots.setdefault(fm.attribute, {}).setdefault(slot, {})
        if fm.transform == "unit":
            q = raw if isinstance(raw, Quantity) else Quantity(str(raw), fm.default_suffix or "")
            _set(item, rel, parse_number(q.amount, fm.value_type), arrays)
            unit_key = q.suffix or fm.default_suffix or ""
            _set(item, fm.unit_segments, _choice_value(fm.suffix_values, unit_key, fm.key), arrays)
        elif fm.transform == "values_select":
            keys = raw if isinstance(raw, list) else [raw]
            _set(item, rel, [_choice_value(fm.option_values, k, fm.key) for k in keys], arrays)
        elif fm.transform == "list1":
            _set(item, rel, [_typed(fm, str(raw))], arrays)
        elif fm.transform == "lines":
            _set(item, rel, [line for line in str(raw).split("\n") if line != ""], arrays)
        else:
            _set(item, rel, _typed(fm, str(raw)), arrays)
    out: dict[str, Any] = {}
    for layout in mapping.layouts:
        if layout.name in multi:
            items = multi[layout.name]
        elif layout.name in slots:
            by_slot = slots[layout.name]
            if layout.layout == "keyed":
                order = [v for v in layout.selector_values if v in by_slot]
                items = []
                for value in order:
                    _set(by_slot[value], (layout.selector or "").split("."), value, layout.array_set)
                    items.append(by_slot[value])
            else:
                items = [by_slot[k] for k in sorted(by_slot)]
        elif layout.fixed:
            items = [{}]
        else:
            continue
        for item in items:
            for path, value in layout.constants:
                _set(item, path.split("."), value, layout.array_set)
            for segments in layout.context_segments:
                parent = _get(item, segments[:-1]) if len(segments) > 1 else item
                if isinstance(parent, list):
                    parent = parent[0] if parent else None
                if isinstance(parent, dict):
                    parent[segments[-1]] = context[segments[-1]]
        out[layout.name] = items
    return out
