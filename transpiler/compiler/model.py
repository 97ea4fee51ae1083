"""The attribute model: what every emitter knows about an Amazon product type.

Plain data only (frozen dataclasses and tuples) so it can be snapshotted, compared, cached and
shared between processes. Its rules (`Condition`) and value constraints (`Constraints`) are the
records of `transpiler.rules`, which the generated models carry too. Paths are dotted attribute
paths without array markers (`item_package_dimensions.length.value`); pointers are JSON pointers
into the source schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from transpiler.config import CONTEXT_PROPERTIES
from transpiler.rules.conditions import Condition
from transpiler.rules.constraints import Constraints


class Kind(StrEnum):
    """What kind of value a leaf holds; decides the Product-Live field type and the model type."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ENUM = "enum"  # closed list of values
    OPEN_ENUM = "open_enum"  # anyOf [string, enum]: suggested values, any string accepted
    DATE = "date"
    DATE_TIME = "date_time"
    URL = "url"  # links and media locations
    OBJECT = "object"  # free-form object the compiler does not break down


@dataclass(frozen=True)
class Option:
    """One allowed value and its label in the schema's locale (from `enumNames`)."""

    value: str | int | float | bool
    label: str | None = None
    deprecated: bool = False


@dataclass(frozen=True)
class Lifecycle:
    """Amazon's `$lifecycle` annotation: deprecations and replacements."""

    replaced_by: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    enum_deprecated: tuple[str, ...] = ()
    enum_replacement: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.replaced_by:
            out["replaced_by"] = list(self.replaced_by)
        if self.replaces:
            out["replaces"] = list(self.replaces)
        if self.enum_deprecated:
            out["enum_deprecated"] = list(self.enum_deprecated)
        if self.enum_replacement:
            out["enum_replacement"] = [{"value": v, "replacements": list(r)} for v, r in self.enum_replacement]
        return out


@dataclass(frozen=True)
class Leaf:
    """One scalar value inside a top-level attribute (`item_package_dimensions.length.unit`).

    `arrays` lists the dotted prefixes of the path that are arrays below the top level (for
    `purchasable_offer.our_price.schedule.value_with_tax`: `purchasable_offer.our_price` and
    `purchasable_offer.our_price.schedule`). `required` is true when every enclosing object
    down from the attribute's item requires it; `required_chain` says, for each segment below the
    attribute, whether its parent object requires it (so an optional object can still require its
    own members when present).
    """

    path: str
    pointer: str
    kind: Kind
    title: str | None = None
    description: str | None = None
    options: tuple[Option, ...] = ()
    constraints: Constraints = field(default_factory=Constraints)
    required: bool = False
    required_chain: tuple[bool, ...] = ()
    multiple: bool = False  # an array of scalars
    arrays: tuple[str, ...] = ()
    hidden: bool = False
    editable: bool = True
    default: Any = None
    examples: tuple[Any, ...] = ()
    lifecycle: Lifecycle | None = None
    value_type: str = "string"  # JSON type of the value: string, number, integer, boolean, object

    @property
    def name(self) -> str:
        """Last segment of the path."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def relative_path(self) -> str:
        """The path below the top-level attribute (`length.value`), empty for a bare array."""
        return self.path.partition(".")[2]


@dataclass(frozen=True)
class Attribute:
    """One top-level property of the product type: always an array of objects in Amazon's schemas."""

    name: str
    pointer: str
    title: str | None
    description: str | None
    leaves: tuple[Leaf, ...]
    constraints: Constraints = field(default_factory=Constraints)
    required: bool = False
    localized: bool = False  # items carry language_tag
    marketplace_scoped: bool = False  # items carry marketplace_id
    context_paths: tuple[str, ...] = ()  # where marketplace_id / language_tag live
    hidden: bool = False
    editable: bool = True
    group: str | None = None
    lifecycle: Lifecycle | None = None
    item_required: tuple[str, ...] = ()  # properties the item object requires (schema order)
    #: Arrays of objects below the top level (`purchasable_offer.our_price.schedule`) and their own
    #: constraints (minItems, maxItems, unique items per selectors), by dotted path.
    array_constraints: tuple[tuple[str, Constraints], ...] = ()
    #: Context paths (`display.type.language_tag`) that their enclosing object requires, at any depth.
    context_required: tuple[str, ...] = ()
    #: Objects (dotted paths; the attribute's name for its items) whose schema does not set
    #: `additionalProperties` to false: members they do not declare are valid there, with any value.
    open_objects: tuple[str, ...] = ()

    @property
    def kind(self) -> Kind:
        """The leaf kind when the attribute holds one value per item, OBJECT otherwise."""
        if len(self.leaves) == 1:
            return self.leaves[0].kind
        return Kind.OBJECT

    @property
    def max_values(self) -> int | None:
        """How many items a listing may carry for one marketplace and language (None: no limit).

        `maxItems` when present; else `maxUniqueItems` when the selectors are only the context
        properties (the publisher always sends one marketplace and one language).
        """
        c = self.constraints
        if c.max_items is not None:
            return c.max_items
        if c.max_unique_items is not None and set(c.selectors) <= set(CONTEXT_PROPERTIES):
            return c.max_unique_items
        return None

    def leaf(self, path: str) -> Leaf | None:
        """The leaf with this full dotted path, if any."""
        for leaf in self.leaves:
            if leaf.path == path:
                return leaf
        return None


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    title: str | None
    description: str | None
    property_names: tuple[str, ...]


@dataclass(frozen=True)
class VariationTheme:
    """One value of `variation_theme`: the attributes a family's children differ by.

    `attributes` are the product type's attributes each child of a family with this theme must
    set (in the order of the theme's name). `derived_from` says how they were found: `rules`
    (the schema's rules that require them of a child with this theme, as Amazon writes them) or
    `name` (the theme's name, `COLOR_NAME/SIZE_NAME` -> color, size, when no rule ties them);
    `unresolved` lists the parts of the name no attribute matches.
    """

    name: str
    label: str | None
    attributes: tuple[str, ...]
    derived_from: str
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variations:
    """How listings of a product type form variation families (Amazon's parentage).

    `parentage` holds parent / child (`parentage_level`), `relationship` links a child to its
    parent's SKU (`child_parent_sku_relationship`), `theme` names the axes (`variation_theme`);
    each is the attribute's name, or None when the product type does not have it. The paths name
    the leaves that hold the values. `themes` lists every theme the product type accepts.
    """

    parentage: str | None = None
    parentage_path: str | None = None
    relationship: str | None = None
    parent_sku_path: str | None = None
    relationship_type_path: str | None = None
    theme: str | None = None
    theme_path: str | None = None
    themes: tuple[VariationTheme, ...] = ()

    @property
    def supported(self) -> bool:
        """Whether families can be built: parentage, relationship and theme attributes all exist."""
        return bool(self.parentage and self.relationship and self.theme and self.themes)

    def named(self, name: str) -> VariationTheme | None:
        for theme in self.themes:
            if theme.name == name:
                return theme
        return None

    @property
    def attributes(self) -> tuple[str, ...]:
        """The family attributes themselves (parentage, relationship, theme)."""
        return tuple(a for a in (self.parentage, self.relationship, self.theme) if a)

    @property
    def axes(self) -> tuple[str, ...]:
        """Every attribute some theme varies, in first-seen order."""
        return tuple(dict.fromkeys(a for t in self.themes for a in t.attributes))


@dataclass(frozen=True)
class ProductType:
    """A compiled product type definition."""

    name: str
    display_name: str | None
    marketplace_id: str | None
    locale: str | None
    requirements: str | None
    requirements_enforced: str | None
    version: str | None
    checksum: str | None
    schema_id: str | None
    groups: tuple[PropertyGroup, ...]
    attributes: tuple[Attribute, ...]
    conditions: tuple[Condition, ...]
    required: tuple[str, ...]
    variations: Variations = field(default_factory=Variations)
    #: The root does not set `additionalProperties` to false (some real schemas, e.g. HAIRBAND):
    #: under Draft 2019-09 an attribute the schema does not declare is then valid, with any value.
    undeclared_attributes_allowed: bool = False

    def attribute(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return tuple(leaf for attribute in self.attributes for leaf in attribute.leaves)

    @property
    def opaque_conditions(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if not c.expressible)
