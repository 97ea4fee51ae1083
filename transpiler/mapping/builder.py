"""Attribute model -> field mapping: which Product-Live field holds which Amazon value.

Built from the compiler's attribute model only, when `pl-amazon regenerate` runs: the result (a
`transpiler.mapping.types.Mapping`) is written to `generated/mapping/<TYPE>.json` and is all the
publisher knows about a product type's fields. Besides the fields and layouts it records, for every
attribute, the selectors a delete patch needs and whether the attribute may be patched at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from transpiler.compiler.model import Attribute, Kind, Leaf, ProductType
from transpiler.config import CONTEXT_PROPERTIES
from transpiler.mapping.identifiers import EAN, EXTERNAL_IDENTIFIER, IDENTITY_ATTRIBUTES, SKU
from transpiler.mapping.keys import clip_title, field_key, option_key, slug, unique
from transpiler.mapping.labels import (
    attribute_title,
    default_unit,
    fournisseur,
    image_description,
    numbered_description,
    unit_title,
)
from transpiler.mapping.levels import plan_levels
from transpiler.mapping.types import (
    AttributeLayout,
    AttributeRules,
    Choice,
    FamilyRules,
    FieldMapping,
    Mapping,
    item_path,
)

#: Cap on numbered slots: values beyond it are not represented (listed in the mapping's `unmapped`).
NUMBERED_CAP_SINGLE = 20  # single-leaf attributes (bullet_point, compatible_phone_models, generic_keyword)
NUMBERED_CAP_OBJECT = 3  # attributes with several leaves per item
KEYED_MAX_OPTIONS = 30  # a selector with more options is numbered instead
LONG_TEXT_OVER = 1000  # texts allowed more characters than this are LONG-TEXT
_DESCRIPTIVE = ("description", "instructions", "warning", "disclaimer", "legal", "notes")
#: The field kind of an open list by JSON type: suggested numbers are typed as numbers, not text.
_SUGGESTED_KINDS = {"integer": Kind.INTEGER, "number": Kind.NUMBER}

BOOLEAN_TITLES = {True: "Oui", False: "Non"}


def _is_image(leaf: Leaf, attribute: Attribute) -> bool:
    return leaf.kind == Kind.URL and "image" in attribute.name


def _title(leaf: Leaf, attribute: Attribute) -> str:
    return clip_title(attribute_title(attribute.name, leaf.title or attribute.title or leaf.path,
                                      _is_image(leaf, attribute)))


def _choices(leaf: Leaf) -> tuple[Choice, ...]:
    if leaf.kind == Kind.BOOLEAN:
        return (Choice("true", True, BOOLEAN_TITLES[True]), Choice("false", False, BOOLEAN_TITLES[False]))
    seen: set[str] = set()
    out = []
    for option in leaf.options:
        key = unique(option_key(option.value), seen)
        seen.add(key)
        out.append(Choice(key, option.value, clip_title(fournisseur(option.label or str(option.value))) or key))
    return tuple(out)


def _units(leaf: Leaf) -> tuple[Choice, ...]:
    """Unit suffixes: the short French symbol as title, Amazon's long name as description."""
    return tuple(replace(c, title=unit_title(str(c.value), c.title), description=c.title)
                 if unit_title(str(c.value), None) != str(c.value) else c for c in _choices(leaf))


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
    rel_arrays = tuple(item_path(a) for a in sorted({a for leaf in attribute.leaves for a in leaf.arrays}))
    context = tuple(item_path(p) for p in attribute.context_paths)
    constants = tuple((item_path(leaf.path), leaf.options[0].value) for leaf in usable if _is_constant(leaf))
    editable = [leaf for leaf in usable if not _is_constant(leaf)]
    max_values = attribute.max_values
    selectors = [s for s in attribute.constraints.selectors if s not in CONTEXT_PROPERTIES]
    base = dict(name=attribute.name, context=context, constants=constants, arrays=rel_arrays, max_values=max_values)
    if not editable and attribute.required:  # nothing to fill in, yet Amazon requires it: sent as fixed
        return AttributeLayout(layout="single", slots=1, fixed=True, **base)
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
    description = leaf.description or attribute.description
    common = dict(
        attribute=attribute.name,
        path=leaf.path,
        amazon_path=leaf.path,
        title=_title(leaf, attribute),
        description=image_description(description) if _is_image(leaf, attribute)
        else fournisseur(description) if description else None,
        section=attribute.group or "other",
        value_type=leaf.value_type,
    )
    key = field_key(leaf.path)
    if layout.layout == "items_select":
        return FieldMapping(key=key, type="MULTIPLE-SELECT", transform="items_select", options=_choices(leaf),
                            limits=_limits(leaf, attribute, "items_select"), **common)
    if unit is not None:
        suffixes = _units(unit)
        default = default_unit(product_type.name, leaf.path, [c.key for c in suffixes])
        return FieldMapping(key=key, type="NUMBER", transform="unit", unit_path=unit.path, suffixes=suffixes,
                            default_suffix=default, precision=_precision(leaf),
                            limits=_limits(leaf, attribute, "unit"), **common)
    kind = leaf.kind
    if kind == Kind.OPEN_ENUM:
        # Amazon accepts any text: a select would lose the values outside its list.
        suggestions = ", ".join(f"{o.value} ({o.label})" if o.label else str(o.value) for o in leaf.options[:40])
        more = " …" if len(leaf.options) > 40 else ""
        note = f"Valeurs suggérées par Amazon : {suggestions}{more}."
        common["description"] = f"{common['description']}\n{note}" if common["description"] else note
        kind = _SUGGESTED_KINDS.get(leaf.value_type, Kind.TEXT)  # suggested numbers stay JSON numbers
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
    rel = item_path(fm.path)
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
                description=numbered_description(fm.description, i + 1, layout.slots),
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
    family = family_rules(product_type)
    written = {family.parentage, family.relationship} if family else set()
    for attribute in product_type.attributes:
        if attribute.name in written:
            unmapped.append((attribute.name, "written by the publisher from the item's level (model: parent, "
                                             "article: child of its model)"))
            continue
        if attribute.hidden:
            unmapped.append((attribute.name, "hidden attribute (Amazon does not show it to sellers)"))
            continue
        usable = []
        for leaf in attribute.leaves:
            if leaf.hidden:
                unmapped.append((leaf.path, "hidden value"))
            elif leaf.value_type == "any" and (leaf.multiple or leaf.kind == Kind.OBJECT):
                unmapped.append((leaf.path, "value of several JSON types, not a text"))
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
            rel = item_path(leaf.path)
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
        attributes=tuple(attribute_rules(a) for a in product_type.attributes),
        family=family,
    )


def family_rules(product_type: ProductType) -> FamilyRules | None:
    """The family rules of a product type whose schema has parentage, a parent SKU and themes."""
    v = product_type.variations
    if not (v.supported and v.parentage_path and v.parent_sku_path and v.theme_path):
        return None
    names = (v.parentage, v.relationship, v.theme)
    attributes = {name: product_type.attribute(name) for name in names if name}
    constants: list[tuple[str, Any]] = []
    relationship = attributes.get(v.relationship or "")
    for leaf in relationship.leaves if relationship else ():
        if leaf.path != v.parent_sku_path and leaf.required and len(leaf.options) == 1:
            constants.append((item_path(leaf.path), leaf.options[0].value))
    contexts = tuple(
        (name, tuple(item_path(p) for p in attribute.context_paths if p.count(".") == 1))
        for name, attribute in attributes.items() if attribute is not None
    )
    return FamilyRules(
        parentage=v.parentage or "", parentage_leaf=item_path(v.parentage_path),
        relationship=v.relationship or "", parent_sku_leaf=item_path(v.parent_sku_path),
        theme=v.theme or "", theme_leaf=item_path(v.theme_path),
        relationship_constants=tuple(constants), contexts=contexts,
        themes=tuple((t.name, t.attributes) for t in v.themes),
    )


def attribute_rules(attribute: Attribute) -> AttributeRules:
    """What the publisher must know to patch an attribute (see `AttributeRules`)."""
    return AttributeRules(
        attribute.name,
        selectors=attribute.constraints.selectors,
        editable=attribute.editable,
        identity=attribute.name in IDENTITY_ATTRIBUTES,
        title=clip_title(attribute.title) if attribute.title else None,
    )


def _identifiers(fields: list[FieldMapping]) -> list[FieldMapping]:
    """The EAN slot of `externally_assigned_product_identifier` becomes the EAN identifier."""
    out = []
    for fm in fields:
        if fm.attribute == EXTERNAL_IDENTIFIER and fm.slot_value == "ean" and fm.path.endswith(".value"):
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
    plan = plan_levels(mappings)
    return [replace(m, fields=tuple(replace(f, level=plan.level_of(f.key).key) for f in m.fields))
            for m in mappings]


def shared_keys(mappings: Iterable[Mapping]) -> set[str]:
    """Field keys every mapping has (the table's `Common` matrix)."""
    sets = [set(f.key for f in m.fields if f.role == "field") for m in mappings]
    return set.intersection(*sets) if sets else set()
