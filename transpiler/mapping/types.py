"""The records of a field mapping: what the structure side promises the items side.

A `Mapping` is written to `generated/mapping/<TYPE>.json` by `pl-amazon regenerate` and read back by
the publisher, so these plain, frozen records are the whole contract between the two sides: the
publisher never looks at the compiler's attribute model or at a schema to know how a Product-Live
item becomes Amazon attributes, which attributes it may patch, or how to delete one.

Values on the Product-Live side are what the items XML carries (docs/mapping.md): `str` for one
`<Field>` text, `list[str]` for a MULTIPLE-SELECT (one `<Field>` per option key), `Quantity(amount,
suffix)` for a NUMBER with `Suffixes` (`<Field key=".." suffix="..">amount</Field>`).

Layout of an attribute (how its items become fields):
- `single`: one item; one field per leaf (`item_name`, `item_package_dimensions_length`).
- `numbered`: up to N items; fields `<key>_1..N` (`bullet_point_1..5`).
- `keyed`: one item per option of a closed-enum selector (`num_batteries_quantity_aaa`); the
  selector value is the slot, not a field.
- `items_select`: one item per selected option of the attribute's only leaf -> one MULTIPLE-SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Quantity:
    """A NUMBER with a unit: the decimal text and the suffix key (Amazon unit value)."""

    amount: str
    suffix: str


FieldValue = str | list[str] | Quantity


def item_path(path: str) -> str:
    """A dotted path below its attribute's item (`item_dimensions.length.value` -> `length.value`)."""
    return path.partition(".")[2]


@dataclass(frozen=True)
class Choice:
    """An option (or unit suffix): Product-Live key, Amazon value, French title."""

    key: str
    value: Any
    title: str
    description: str | None = None  # a unit's long name (the title is its symbol)


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
    level: str | None = None  # the table level holding the field (`transpiler.mapping.levels`)

    @cached_property
    def item_segments(self) -> tuple[str, ...]:
        """The leaf's path below its attribute's item, split (`("length", "value")`); computed once,
        as every item of an export goes through it."""
        rel = item_path(self.path)
        return tuple(rel.split(".")) if rel else ()

    @cached_property
    def option_values(self) -> dict[str, Any]:
        """Each option's Amazon value by its Product-Live key (the first one when a key repeats)."""
        return {c.key: c.value for c in reversed(self.options)}

    @cached_property
    def suffix_values(self) -> dict[str, Any]:
        """Each unit's Amazon value by its suffix key (the first one when a key repeats)."""
        return {c.key: c.value for c in reversed(self.suffixes)}

    @cached_property
    def unit_segments(self) -> tuple[str, ...]:
        """The unit leaf's path below the item, split (empty without a unit)."""
        return tuple(item_path(self.unit_path or "").split("."))


@dataclass(frozen=True)
class AttributeLayout:
    """How the items of one attribute the table represents spread over fields."""

    name: str
    layout: str  # single | numbered | keyed | items_select
    slots: int
    selector: str | None = None  # keyed: relative path of the selector leaf
    selector_values: tuple[Any, ...] = ()
    context: tuple[str, ...] = ()  # relative paths of marketplace_id / language_tag
    constants: tuple[tuple[str, Any], ...] = ()  # relative path -> value filled in every item
    arrays: tuple[str, ...] = ()  # relative paths of nested arrays (first element is used)
    max_values: int | None = None
    #: a required attribute whose values are all fixed (`constants`): no field carries it, and every
    #: item gets its one item all the same (Amazon would refuse the listing without it)
    fixed: bool = False

    @cached_property
    def array_set(self) -> frozenset[str]:
        return frozenset(self.arrays)

    @cached_property
    def context_segments(self) -> tuple[tuple[str, ...], ...]:
        """`context` paths, split."""
        return tuple(tuple(path.split(".")) for path in self.context)


@dataclass(frozen=True)
class AttributeRules:
    """What the publisher must know about one attribute of the product type, represented or not.

    `selectors` are the properties that tell its items apart (Amazon's `selectors`; empty when the
    schema declares none, then the context properties do): a `delete` patch names the instances it
    removes by them. An attribute
    that is not `editable` (Amazon's `editable: false`) or that establishes the product's identity
    is set when the listing is created and never patched.
    """

    name: str
    selectors: tuple[str, ...] = ()
    editable: bool = True
    identity: bool = False
    title: str | None = None  # Amazon's French title (messages name an attribute without a field by it)

    @property
    def patchable(self) -> bool:
        """True when a JSON Patch may replace or delete this attribute."""
        return self.editable and not self.identity


@dataclass(frozen=True)
class FamilyRules:
    """How the publisher writes a variation family of this product type (Amazon's parentage).

    Attribute names and the relative paths of their values (`parentage_level[0].value`,
    `child_parent_sku_relationship[0].parent_sku`, `variation_theme[0].name`), the constants the
    relationship always carries (`child_relationship_type` = `variation`), each attribute's context
    properties, and every theme with the attributes it varies (the family's axes).
    """

    parentage: str
    parentage_leaf: str
    relationship: str
    parent_sku_leaf: str
    theme: str
    theme_leaf: str
    relationship_constants: tuple[tuple[str, Any], ...] = ()
    contexts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    themes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def axes(self, theme: str) -> tuple[str, ...] | None:
        """The attributes a theme varies; None for a theme the product type does not accept."""
        for name, axes in self.themes:
            if name == theme:
                return axes
        return None

    def context(self, attribute: str) -> tuple[str, ...]:
        for name, paths in self.contexts:
            if name == attribute:
                return paths
        return ()


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
    #: Every attribute of the product type (hidden ones too), by schema order.
    attributes: tuple[AttributeRules, ...] = ()
    #: Variation families, when the product type has parentage and themes.
    family: FamilyRules | None = None

    # Lookups by key, built once per mapping (a record read from its JSON file once per run): every
    # item of an export asks for each of its fields.
    @cached_property
    def fields_by_key(self) -> dict[str, FieldMapping]:
        """Each field by key (the first one when a key repeats)."""
        return {f.key: f for f in reversed(self.fields)}

    @cached_property
    def field_positions(self) -> dict[str, tuple[int, ...]]:
        """Where each key sits in `fields` (an item's values are converted in the mapping's order)."""
        positions: dict[str, list[int]] = {}
        for n, f in enumerate(self.fields):
            positions.setdefault(f.key, []).append(n)
        return {key: tuple(found) for key, found in positions.items()}

    @cached_property
    def layouts_by_name(self) -> dict[str, AttributeLayout]:
        """Each attribute's layout by attribute name (the first one when a name repeats)."""
        return {layout.name: layout for layout in reversed(self.layouts)}

    def field(self, key: str) -> FieldMapping | None:
        return self.fields_by_key.get(key)

    def layout(self, attribute: str) -> AttributeLayout | None:
        return self.layouts_by_name.get(attribute)

    def rules(self, attribute: str) -> AttributeRules:
        """The rules of an attribute; an attribute the product type does not declare gets the defaults."""
        for rules in self.attributes:
            if rules.name == attribute:
                return rules
        return AttributeRules(attribute)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def managed(self) -> tuple[str, ...]:
        """Attributes the Product-Live table represents: an item without them means "none"."""
        return tuple(layout.name for layout in self.layouts)

    @property
    def selectors(self) -> dict[str, tuple[str, ...]]:
        """Each attribute's selector properties (for delete patches)."""
        return {rules.name: rules.selectors for rules in self.attributes}

    @property
    def frozen(self) -> frozenset[str]:
        """Attributes never patched: not editable, or part of the product's identity."""
        return frozenset(rules.name for rules in self.attributes if not rules.patchable)
