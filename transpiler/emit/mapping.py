"""Field mapping: Product-Live field keys <-> Amazon attribute paths, with the value transforms.

Built from the attribute model only. The publisher uses it in both directions:
`fields_to_attributes` turns the values of one Product-Live item into Amazon `attributes`
(filling `marketplace_id` / `language_tag` from settings), `attributes_to_fields` does the reverse
(e.g. to import an existing listing). For every payload the mapping can represent, the round trip
attributes -> fields -> attributes is the identity (hypothesis property test).

Values on the Product-Live side are what the items XML carries (docs/mapping.md):
`str` for one `<Field>` text, `list[str]` for a MULTIPLE-SELECT (one `<Field>` per option key),
`Quantity(amount, suffix)` for a NUMBER with `Suffixes` (`<Field key=".." suffix="..">amount</Field>`).

Layout of an attribute (how its items become fields):
- `single`: one item; one field per leaf (`item_name`, `item_package_dimensions_length`).
- `numbered`: up to N items; fields `<key>_1..N` (`bullet_point_1..5`).
- `keyed`: one item per option of a closed-enum selector (`num_batteries_quantity_aaa`); the
  selector value is the slot, not a field.
- `items_select`: one item per selected option of the attribute's only leaf -> one MULTIPLE-SELECT.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from transpiler.compiler.model import Attribute, Kind, Leaf, ProductType
from transpiler.emit.keys import clip_title, field_key, option_key, slug, unique

CLASSIFICATION_KEY = "AMAZON_PRODUCT_TYPE"
SKU = "SKU"
EAN = "EAN"

#: Cap on numbered slots: values beyond it are not represented (listed in the mapping's `unmapped`).
NUMBERED_CAP_SINGLE = 20  # single-leaf attributes (bullet_point, compatible_phone_models, generic_keyword)
NUMBERED_CAP_OBJECT = 3  # attributes with several leaves per item
KEYED_MAX_OPTIONS = 30  # a selector with more options is numbered instead
LONG_TEXT_OVER = 1000  # texts allowed more characters than this are LONG-TEXT
_DESCRIPTIVE = ("description", "instructions", "warning", "disclaimer", "legal", "notes")

#: Preferred default units (metric first); the first one present in a unit enum is the default.
METRIC_UNITS = (
    "centimeters", "millimeters", "meters", "kilograms", "grams", "milligrams", "liters", "milliliters",
    "GB", "gigabytes", "MB", "TB", "watt_hours", "milliamp_hours", "watts", "volts", "hertz", "hours",
    "minutes", "seconds", "degrees_celsius", "inches",
)

BOOLEAN_TITLES = {True: "Oui", False: "Non"}


@dataclass(frozen=True)
class Quantity:
    """A NUMBER with a unit: the decimal text and the suffix key (Amazon unit value)."""

    amount: str
    suffix: str


FieldValue = str | list[str] | Quantity


@dataclass(frozen=True)
class Choice:
    """An option (or unit suffix): Product-Live key, Amazon value, French title."""

    key: str
    value: Any
    title: str


@dataclass(frozen=True)
class FieldMapping:
    """One Product-Live field (or identifier) of a product type and the Amazon value behind it."""

    key: str
    type: str  # one of the twelve Product-Live field types
    transform: str  # text | number | unit | boolean | select | items_select | values_select | list1 | lines
    attribute: str
    path: str  # full dotted leaf path (`item_dimensions.length.value`)
    amazon_path: str  # readable location (`bullet_point[1].value`, `num_batteries[type=aaa].quantity`)
    title: str
    description: str | None = None
    section: str = "other"
    role: str = "field"  # field | identifier
    slot_index: int | None = None  # numbered layout: 0-based item index
    slot_value: Any = None  # keyed layout: selector value
    unit_path: str | None = None
    value_type: str = "string"  # JSON type of the Amazon value
    options: tuple[Choice, ...] = ()
    suffixes: tuple[Choice, ...] = ()
    default_suffix: str | None = None
    precision: int | None = None
    required: bool = False  # unconditionally required by this product type
    limits: dict[str, Any] = field(default_factory=dict)  # this type's constraints on the value


@dataclass(frozen=True)
class AttributeLayout:
    name: str
    layout: str  # single | numbered | keyed | items_select
    slots: int
    selector: str | None = None  # keyed: relative path of the selector leaf
    selector_values: tuple[Any, ...] = ()
    context: tuple[str, ...] = ()  # relative paths of marketplace_id / language_tag
    constants: tuple[tuple[str, Any], ...] = ()  # relative path -> value filled in every item
    arrays: tuple[str, ...] = ()  # relative paths of nested arrays (first element is used)
    max_values: int | None = None


@dataclass(frozen=True)
class Mapping:
    """Everything needed to go between one product type's attributes and Product-Live values."""

    product_type: str
    category: str
    title: str
    marketplace_id: str | None
    locale: str | None
    version: str | None
    checksum: str | None
    fields: tuple[FieldMapping, ...]
    layouts: tuple[AttributeLayout, ...]
    unmapped: tuple[tuple[str, str], ...] = ()  # (path, reason)

    def field(self, key: str) -> FieldMapping | None:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def layout(self, attribute: str) -> AttributeLayout | None:
        for layout in self.layouts:
            if layout.name == attribute:
                return layout
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)


# --- building ---------------------------------------------------------------------------------


def _rel(leaf_path: str) -> str:
    return leaf_path.partition(".")[2]


def _title(leaf: Leaf, attribute: Attribute) -> str:
    return clip_title(leaf.title or attribute.title or leaf.path)


def _choices(leaf: Leaf) -> tuple[Choice, ...]:
    if leaf.kind == Kind.BOOLEAN:
        return (Choice("true", True, BOOLEAN_TITLES[True]), Choice("false", False, BOOLEAN_TITLES[False]))
    seen: set[str] = set()
    out = []
    for option in leaf.options:
        key = unique(option_key(option.value), seen)
        seen.add(key)
        out.append(Choice(key, option.value, clip_title(option.label or str(option.value)) or key))
    return tuple(out)


def _default_suffix(suffixes: Sequence[Choice]) -> str | None:
    keys = [s.key for s in suffixes]
    for unit in METRIC_UNITS:
        if unit in keys:
            return unit
    return keys[0] if keys else None


def _precision(leaf: Leaf) -> int:
    if leaf.kind == Kind.INTEGER or leaf.value_type == "integer":
        return 0
    step = leaf.constraints.multiple_of
    if step:
        exponent = Decimal(repr(step)).normalize().as_tuple().exponent
        return max(0, -int(exponent))
    return 2


def _text_type(leaf: Leaf, attribute: Attribute) -> str:
    limit = leaf.constraints.effective_max_length
    name = attribute.name
    if any(word in name for word in _DESCRIPTIVE) and not name.endswith("_url"):
        return "LONG-TEXT"
    if limit is not None and limit > LONG_TEXT_OVER and not name.endswith("_url"):
        return "LONG-TEXT"
    return "SINGLE-LINE-TEXT"


def _limits(leaf: Leaf, attribute: Attribute, transform: str) -> dict[str, Any]:
    c = leaf.constraints
    out: dict[str, Any] = {}
    for name in ("min_length", "max_length", "min_utf8_bytes", "max_utf8_bytes", "pattern", "minimum",
                 "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of"):
        value = getattr(c, name)
        if value is not None:
            out[name] = value
    if transform == "items_select" and attribute.max_values is not None:
        out["max_values"] = attribute.max_values
    if transform == "values_select" and c.max_items is not None:
        out["max_values"] = c.max_items
    return out


def _is_constant(leaf: Leaf) -> bool:
    return leaf.required and leaf.kind == Kind.ENUM and len(leaf.options) == 1


def _layout(attribute: Attribute, usable: list[Leaf]) -> AttributeLayout:
    """How the items of `attribute` spread over fields."""
    rel_arrays = tuple(_rel(a) for a in sorted({a for leaf in attribute.leaves for a in leaf.arrays}))
    context = tuple(_rel(p) for p in attribute.context_paths)
    constants = tuple((_rel(leaf.path), leaf.options[0].value) for leaf in usable if _is_constant(leaf))
    editable = [leaf for leaf in usable if not _is_constant(leaf)]
    max_values = attribute.max_values
    selectors = [s for s in attribute.constraints.selectors if s not in ("marketplace_id", "language_tag")]
    base = dict(name=attribute.name, context=context, constants=constants, arrays=rel_arrays, max_values=max_values)
    if max_values == 1:
        return AttributeLayout(layout="single", slots=1, **base)
    if len(selectors) == 1 and len(editable) > 1:
        selector = attribute.leaf(f"{attribute.name}.{selectors[0]}")
        if (
            selector is not None
            and selector.kind in (Kind.ENUM, Kind.BOOLEAN)
            and not selector.multiple
            and 1 < len(selector.options) <= KEYED_MAX_OPTIONS
            and not selector.arrays
        ):
            values = tuple(o.value for o in selector.options)
            return AttributeLayout(
                layout="keyed", slots=len(values), selector=selectors[0], selector_values=values, **base
            )
    if len(editable) == 1 and editable[0].kind == Kind.ENUM and not editable[0].multiple and not editable[0].arrays:
        return AttributeLayout(layout="items_select", slots=max_values or len(editable[0].options), **base)
    cap = NUMBERED_CAP_SINGLE if len(editable) == 1 else NUMBERED_CAP_OBJECT
    if max_values is None and attribute.constraints.max_unique_items is not None:
        # Items must differ in their selectors: at most max_unique_items distinct ones.
        max_values = attribute.constraints.max_unique_items
        base["max_values"] = max_values
    slots = min(max_values, cap) if max_values is not None else (cap if len(editable) == 1 else 1)
    if slots <= 1:
        return AttributeLayout(layout="single", slots=1, **base)
    return AttributeLayout(layout="numbered", slots=slots, **base)


def _unit_sibling(leaf: Leaf, attribute: Attribute) -> Leaf | None:
    if leaf.name != "value" or leaf.kind not in (Kind.NUMBER, Kind.INTEGER) or leaf.multiple:
        return None
    parent = leaf.path.rsplit(".", 1)[0]
    unit = attribute.leaf(f"{parent}.unit")
    if unit is not None and unit.kind in (Kind.ENUM, Kind.OPEN_ENUM) and unit.options and not unit.multiple:
        return unit
    return None


def _leaf_field(
    leaf: Leaf, attribute: Attribute, layout: AttributeLayout, product_type: ProductType
) -> FieldMapping | None:
    """The field of one leaf (before slots are applied); None for leaves that are not fields."""
    unit = _unit_sibling(leaf, attribute)
    common = dict(
        attribute=attribute.name,
        path=leaf.path,
        amazon_path=leaf.path,
        title=_title(leaf, attribute),
        description=leaf.description or attribute.description,
        section=attribute.group or "other",
        value_type=leaf.value_type,
    )
    key = field_key(leaf.path)
    if layout.layout == "items_select":
        return FieldMapping(key=key, type="MULTIPLE-SELECT", transform="items_select", options=_choices(leaf),
                            limits=_limits(leaf, attribute, "items_select"), **common)
    if unit is not None:
        suffixes = _choices(unit)
        return FieldMapping(key=key, type="NUMBER", transform="unit", unit_path=unit.path, suffixes=suffixes,
                            default_suffix=_default_suffix(suffixes), precision=_precision(leaf),
                            limits=_limits(leaf, attribute, "unit"), **common)
    kind = leaf.kind
    if kind == Kind.OPEN_ENUM:
        # Amazon accepts any text: a select would lose the values outside its list.
        suggestions = ", ".join(f"{o.value} ({o.label})" if o.label else str(o.value) for o in leaf.options[:40])
        more = " …" if len(leaf.options) > 40 else ""
        note = f"Valeurs suggérées par Amazon : {suggestions}{more}."
        common["description"] = f"{common['description']}\n{note}" if common["description"] else note
        kind = Kind.TEXT
    if kind in (Kind.ENUM, Kind.BOOLEAN):
        if not leaf.options and kind != Kind.BOOLEAN:
            return None
        transform = "boolean" if kind == Kind.BOOLEAN else "select"
        ftype = "SINGLE-SELECT"
        if leaf.multiple:
            single = leaf.constraints.max_items == 1
            transform = "list1" if single else "values_select"
            ftype = "SINGLE-SELECT" if single else "MULTIPLE-SELECT"
        return FieldMapping(key=key, type=ftype, transform=transform, options=_choices(leaf),
                            limits=_limits(leaf, attribute, transform), **common)
    if kind in (Kind.NUMBER, Kind.INTEGER):
        if leaf.multiple:
            return None
        return FieldMapping(key=key, type="NUMBER", transform="number", precision=_precision(leaf),
                            limits=_limits(leaf, attribute, "number"), **common)
    if kind in (Kind.DATE, Kind.DATE_TIME):
        ftype = "DATE" if kind == Kind.DATE else "DATE-TIME"
        return FieldMapping(key=key, type=ftype, transform="list1" if leaf.multiple else "text",
                            limits=_limits(leaf, attribute, "text"), **common)
    if kind == Kind.URL and "image" in attribute.name:
        return FieldMapping(key=key, type="IMAGE", transform="list1" if leaf.multiple else "text",
                            limits=_limits(leaf, attribute, "text"), **common)
    if kind in (Kind.TEXT, Kind.URL):
        if leaf.multiple:
            single = leaf.constraints.max_items == 1
            return FieldMapping(key=key, type="SINGLE-LINE-TEXT" if single else "LONG-TEXT",
                                transform="list1" if single else "lines",
                                limits=_limits(leaf, attribute, "text"), **common)
        return FieldMapping(key=key, type=_text_type(leaf, attribute), transform="text",
                            limits=_limits(leaf, attribute, "text"), **common)
    return None


def _slotted(fm: FieldMapping, layout: AttributeLayout, leaf: Leaf, attribute: Attribute) -> list[FieldMapping]:
    rel = _rel(fm.path)
    required_here = attribute.required and leaf.required
    if layout.layout in ("single", "items_select"):
        shown = f"{attribute.name}[0].{rel}" if rel else f"{attribute.name}[*]"
        return [replace(fm, amazon_path=shown, required=required_here)]
    if layout.layout == "numbered":
        return [
            replace(
                fm,
                key=f"{fm.key}_{i + 1}",
                amazon_path=f"{attribute.name}[{i}].{rel}" if rel else f"{attribute.name}[{i}]",
                title=clip_title(f"{fm.title} {i + 1}"),
                slot_index=i,
                required=required_here and i == 0,
            )
            for i in range(layout.slots)
        ]
    selector = attribute.leaf(f"{attribute.name}.{layout.selector}")
    labels = {o.value: (o.label or str(o.value)) for o in (selector.options if selector else ())}
    return [
        replace(
            fm,
            key=f"{fm.key}_{slug(value)}",
            amazon_path=f"{attribute.name}[{layout.selector}={value}].{rel}",
            title=clip_title(f"{fm.title} ({labels.get(value, value)})"),
            slot_value=value,
        )
        for value in layout.selector_values
    ]


def build_mapping(product_type: ProductType, *, category: str | None = None) -> Mapping:
    """The mapping of one product type on its own (keys as in the table when no key conflicts)."""
    fields: list[FieldMapping] = []
    layouts: list[AttributeLayout] = []
    unmapped: list[tuple[str, str]] = []
    for attribute in product_type.attributes:
        if attribute.hidden:
            unmapped.append((attribute.name, "hidden attribute (Amazon does not show it to sellers)"))
            continue
        usable = []
        for leaf in attribute.leaves:
            if leaf.hidden:
                unmapped.append((leaf.path, "hidden value"))
            elif leaf.kind == Kind.OBJECT:
                unmapped.append((leaf.path, "free-form object"))
            else:
                usable.append(leaf)
        if not usable:
            continue
        layout = _layout(attribute, usable)
        layouts.append(layout)
        if layout.arrays:
            unmapped.append((attribute.name, f"nested arrays {', '.join(layout.arrays)}: first element only"))
        if layout.layout == "numbered" and (layout.max_values is None or layout.max_values > layout.slots):
            unmapped.append((attribute.name, f"values after the first {layout.slots} are not represented"))
        constant_paths = {p for p, _ in layout.constants}
        units = {u.path for leaf in usable if (u := _unit_sibling(leaf, attribute)) is not None}
        for leaf in usable:
            rel = _rel(leaf.path)
            if rel in constant_paths or leaf.path in units:
                continue
            if layout.layout == "keyed" and rel == layout.selector:
                continue
            fm = _leaf_field(leaf, attribute, layout, product_type)
            if fm is None:
                unmapped.append((leaf.path, f"{leaf.kind.value} value without a Product-Live equivalent"))
                continue
            fields.extend(_slotted(fm, layout, leaf, attribute))
            if layout.layout == "items_select":
                break
    fields = _identifiers(fields)
    fields = _dedupe(fields)
    return Mapping(
        product_type=product_type.name,
        category=category or product_type.name,
        title=clip_title(product_type.display_name or product_type.name),
        marketplace_id=product_type.marketplace_id,
        locale=product_type.locale,
        version=product_type.version,
        checksum=product_type.checksum,
        fields=tuple(fields),
        layouts=tuple(layouts),
        unmapped=tuple(unmapped),
    )


def _identifiers(fields: list[FieldMapping]) -> list[FieldMapping]:
    """The EAN slot of `externally_assigned_product_identifier` becomes the EAN identifier."""
    out = []
    for fm in fields:
        if fm.attribute == "externally_assigned_product_identifier" and fm.slot_value == "ean" and fm.path.endswith(
            ".value"
        ):
            fm = replace(fm, key=EAN, role="identifier", title="EAN", type="SINGLE-LINE-TEXT")
        out.append(fm)
    return out


def _dedupe(fields: list[FieldMapping]) -> list[FieldMapping]:
    taken: set[str] = {SKU}
    out = []
    for fm in fields:
        key = unique(fm.key, taken)
        taken.add(key)
        out.append(fm if key == fm.key else replace(fm, key=key))
    return out


def _signature(fm: FieldMapping) -> tuple[Any, ...]:
    """What must agree for two product types to share one Product-Live field."""
    return (fm.type, fm.transform, fm.path, fm.slot_index, json.dumps(fm.slot_value), fm.role)


def build_mappings(product_types: Sequence[ProductType]) -> list[Mapping]:
    """Mappings of several product types sharing one table: category keys unique, field keys agree.

    A field key used by several product types with incompatible definitions (different type or
    transform) stays with the definition most product types use; the others get
    `<key>__<product type>` so no field means two things.
    """
    names = [pt.name for pt in product_types]
    mappings = []
    for pt in product_types:
        category = pt.name if names.count(pt.name) == 1 else f"{pt.name}_{pt.marketplace_id or 'X'}"
        mappings.append(build_mapping(pt, category=category))
    by_key: dict[str, dict[tuple[Any, ...], list[int]]] = {}
    for i, m in enumerate(mappings):
        for fm in m.fields:
            by_key.setdefault(fm.key, {}).setdefault(_signature(fm), []).append(i)
    renames: dict[tuple[int, str], str] = {}
    for key, signatures in by_key.items():
        if len(signatures) < 2:
            continue
        ranked = sorted(signatures.items(), key=lambda kv: (-len(kv[1]), min(kv[1])))
        for _, users in ranked[1:]:
            for i in users:
                renames[(i, key)] = f"{key}__{slug(mappings[i].category)}"
    if renames:
        mappings = [
            replace(m, fields=tuple(replace(f, key=renames.get((i, f.key), f.key)) for f in m.fields))
            for i, m in enumerate(mappings)
        ]
    return mappings


# --- values -----------------------------------------------------------------------------------


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
    text = text.strip().replace(",", ".")
    if value_type == "integer":
        number = Decimal(text)
        if number != number.to_integral_value():
            raise ValueError(f"{text!r} is not an integer")
        return int(number)
    if "." not in text and "e" not in text.lower():
        return int(text)
    return float(text)


def _get(node: Any, segments: Sequence[str]) -> Any:
    """Value at `segments` below an item, taking the first element of nested arrays."""
    for segment in segments:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, MappingABC) or segment not in node:
            return None
        node = node[segment]
    return node


def _set(item: dict[str, Any], segments: Sequence[str], value: Any, arrays: set[str]) -> None:
    node: Any = item
    for depth, segment in enumerate(segments[:-1]):
        prefix = ".".join(segments[: depth + 1])
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


def _choice_value(choices: Sequence[Choice], key: str, field_key_: str) -> Any:
    for c in choices:
        if c.key == key:
            return c.value
    raise ValueError(f"{field_key_}: {key!r} is not an option of this field")


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
    layouts = {layout.name: layout for layout in mapping.layouts}
    for fm in mapping.fields:
        layout = layouts[fm.attribute]
        items = _items(mapping, attributes, fm, layout)
        if not items:
            continue
        rel = _rel(fm.path).split(".") if _rel(fm.path) else []
        if fm.transform == "items_select":
            keys = [k for i in items if (k := _choice_key(fm.options, _get(i, rel))) is not None]
            if keys:
                out[fm.key] = keys
            continue
        value = _get(items[0], rel)
        if value is None:
            continue
        if fm.transform == "unit":
            unit = _get(items[0], _rel(fm.unit_path or "").split("."))
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
        return _choice_value(fm.options, text, fm.key)
    if fm.transform == "number":
        return parse_number(text, fm.value_type)
    return text


def fields_to_attributes(mapping: Mapping, fields: MappingABC[str, FieldValue], settings: Any) -> dict[str, Any]:
    """Amazon `attributes` of one Product-Live item; context properties come from `settings`.

    `settings` needs `marketplace_id` and `language_tag` (transpiler.config.Settings). Unknown keys
    are ignored (other product types' fields); a value that is not an option of its field raises
    ValueError naming the field key.
    """
    context = {"marketplace_id": settings.marketplace_id, "language_tag": settings.language_tag}
    layouts = {layout.name: layout for layout in mapping.layouts}
    slots: dict[str, dict[Any, dict[str, Any]]] = {}
    multi: dict[str, list[dict[str, Any]]] = {}
    for fm in mapping.fields:
        raw = fields.get(fm.key)
        if raw is None or raw == "" or raw == []:
            continue
        layout = layouts[fm.attribute]
        arrays = set(layout.arrays)
        rel = _rel(fm.path).split(".") if _rel(fm.path) else []
        if fm.transform == "items_select":
            keys = raw if isinstance(raw, list) else [raw]
            multi[fm.attribute] = []
            for key in keys:
                item: dict[str, Any] = {}
                _set(item, rel, _choice_value(fm.options, key, fm.key), arrays)
                multi[fm.attribute].append(item)
            continue
        slot = fm.slot_index if layout.layout == "numbered" else fm.slot_value if layout.layout == "keyed" else 0
        item = slots.setdefault(fm.attribute, {}).setdefault(slot, {})
        if fm.transform == "unit":
            q = raw if isinstance(raw, Quantity) else Quantity(str(raw), fm.default_suffix or "")
            _set(item, rel, parse_number(q.amount, fm.value_type), arrays)
            unit_key = q.suffix or fm.default_suffix or ""
            _set(item, _rel(fm.unit_path or "").split("."), _choice_value(fm.suffixes, unit_key, fm.key), arrays)
        elif fm.transform == "values_select":
            keys = raw if isinstance(raw, list) else [raw]
            _set(item, rel, [_choice_value(fm.options, k, fm.key) for k in keys], arrays)
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
                    _set(by_slot[value], (layout.selector or "").split("."), value, set(layout.arrays))
                    items.append(by_slot[value])
            else:
                items = [by_slot[k] for k in sorted(by_slot)]
        else:
            continue
        for item in items:
            for path, value in layout.constants:
                _set(item, path.split("."), value, set(layout.arrays))
            for path in layout.context:
                segments = path.split(".")
                parent = _get(item, segments[:-1]) if len(segments) > 1 else item
                if isinstance(parent, list):
                    parent = parent[0] if parent else None
                if isinstance(parent, dict):
                    parent[segments[-1]] = context[segments[-1]]
        out[layout.name] = items
    return out


# --- JSON -------------------------------------------------------------------------------------


def mapping_document(mapping: Mapping) -> dict[str, Any]:
    """The JSON form written to generated/mapping/<TYPE>.json (stable key order)."""
    doc = asdict(mapping)
    doc["fields"] = [_field_doc(f) for f in mapping.fields]
    doc["layouts"] = [
        {k: v for k, v in asdict(layout).items() if v not in (None, (), [])} for layout in mapping.layouts
    ]
    doc["unmapped"] = [{"path": p, "reason": r} for p, r in mapping.unmapped]
    return doc


def _field_doc(fm: FieldMapping) -> dict[str, Any]:
    doc = asdict(fm)
    doc["options"] = [[c.key, c.value, c.title] for c in fm.options]
    doc["suffixes"] = [[c.key, c.value, c.title] for c in fm.suffixes]
    return {k: v for k, v in doc.items() if v not in (None, [], {}) and not (k == "required" and v is False)}


def mapping_from_document(doc: MappingABC[str, Any]) -> Mapping:
    """Inverse of `mapping_document` (the publisher loads generated/mapping/<TYPE>.json with it)."""
    fields = []
    for f in doc["fields"]:
        data = dict(f)
        data["options"] = tuple(Choice(*c) for c in data.get("options", ()))
        data["suffixes"] = tuple(Choice(*c) for c in data.get("suffixes", ()))
        data.setdefault("limits", {})
        fields.append(FieldMapping(**data))
    layouts = []
    for layout in doc["layouts"]:
        data = dict(layout)
        for name in ("selector_values", "context", "arrays"):
            data[name] = tuple(data.get(name, ()))
        data["constants"] = tuple(tuple(c) for c in data.get("constants", ()))
        layouts.append(AttributeLayout(**data))
    return Mapping(
        product_type=doc["product_type"],
        category=doc["category"],
        title=doc["title"],
        marketplace_id=doc.get("marketplace_id"),
        locale=doc.get("locale"),
        version=doc.get("version"),
        checksum=doc.get("checksum"),
        fields=tuple(fields),
        layouts=tuple(layouts),
        unmapped=tuple((u["path"], u["reason"]) for u in doc.get("unmapped", ())),
    )


def mapping_json(mapping: Mapping) -> str:
    return json.dumps(mapping_document(mapping), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def load_mapping(product_type: str, directory: Path | None = None) -> Mapping:
    """The generated mapping of a product type (generated/mapping/<TYPE>.json)."""
    from transpiler.emit.regenerate import DEFAULT_OUT

    path = (directory or DEFAULT_OUT / "mapping") / f"{product_type}.json"
    return mapping_from_document(json.loads(path.read_text(encoding="utf-8")))


def shared_keys(mappings: Iterable[Mapping]) -> set[str]:
    """Field keys every mapping has (the table's `Common` matrix)."""
    sets = [set(f.key for f in m.fields if f.role == "field") for m in mappings]
    return set.intersection(*sets) if sets else set()
