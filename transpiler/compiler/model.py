"""The attribute model: what every emitter and the publisher know about an Amazon product type.

Plain data only (frozen dataclasses and tuples) so it can be snapshotted, compared, cached and
shared between processes. Paths are dotted attribute paths without array markers
(`item_package_dimensions.length.value`); pointers are JSON pointers into the source schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: Properties that Amazon uses to scope a value to a marketplace and a language. They are never
#: edited by people: the publisher fills them from settings.
CONTEXT_PROPERTIES = ("marketplace_id", "language_tag")


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
class Constraints:
    """Validation keywords that apply to one value (leaf) or one array (attribute)."""

    min_length: int | None = None
    max_length: int | None = None
    min_utf8_bytes: int | None = None
    max_utf8_bytes: int | None = None
    pattern: str | None = None
    format: str | None = None
    formats: tuple[str, ...] = ()  # several accepted formats (Amazon's oneOf date | date-time)
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    multiple_of: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    min_unique_items: int | None = None
    max_unique_items: int | None = None
    selectors: tuple[str, ...] = ()
    unique_items: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Only the constraints that are set, with stable key order."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value is False or value == ():
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @property
    def effective_max_length(self) -> int | None:
        """The tighter of the character and UTF-8 byte limits (a byte limit also caps characters)."""
        limits = [v for v in (self.max_length, self.max_utf8_bytes) if v is not None]
        return min(limits) if limits else None


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


# --- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Present:
    """`path` has a value. For a nested path, `quantifier` says whether any or every item must."""

    path: str
    quantifier: str = "any"  # "any" | "all"


@dataclass(frozen=True)
class ValueIn:
    """A value at `path` is one of `values` (any item: `contains`; every item: `items`)."""

    path: str
    values: tuple[Any, ...]
    quantifier: str = "any"


@dataclass(frozen=True)
class Not:
    operand: Predicate


@dataclass(frozen=True)
class AllOf:
    operands: tuple[Predicate, ...]


@dataclass(frozen=True)
class AnyOf:
    operands: tuple[Predicate, ...]


Predicate = Present | ValueIn | Not | AllOf | AnyOf


@dataclass(frozen=True)
class Require:
    """These paths must have a value (a nested path: in every item of its parent)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class RequireOneOf:
    """At least one of these paths must have a value (`anyOf` of `required` sets)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class Forbid:
    """These paths must not have a value."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class AllowValues:
    """Values at `path` must be among `values` (`exclude`: must not be among them)."""

    path: str
    values: tuple[Any, ...]
    exclude: bool = False


@dataclass(frozen=True)
class RequireContains:
    """At least one item of the attribute has a value at `path` among `values`."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Limit:
    """Extra constraints on `path` (e.g. `maxItems: 1`)."""

    path: str
    constraints: Constraints


Effect = Require | RequireOneOf | Forbid | AllowValues | RequireContains | Limit


@dataclass(frozen=True)
class Condition:
    """A rule of the schema: when `when` holds, `then` applies; otherwise `otherwise` applies.

    `scope` is empty for rules on the whole listing and the attribute name for rules that apply
    to each item of one attribute (paths are then relative to the item). `when` is None for a
    rule that always applies. An `expressible=False` condition is one the compiler could not
    break down: `raw` still holds the exact JSON so validators enforce it; it is never dropped.
    """

    source: str
    scope: str
    when: Predicate | None
    then: tuple[Effect, ...]
    otherwise: tuple[Effect, ...] = ()
    expressible: bool = True
    raw: str = ""
    reason: str | None = None  # why the condition is opaque

    @property
    def attributes(self) -> tuple[str, ...]:
        """Top-level attribute names this rule mentions (sorted)."""
        from transpiler.compiler.conditions import mentioned_attributes

        return mentioned_attributes(self)


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    title: str | None
    description: str | None
    property_names: tuple[str, ...]


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
