"""Compile one product type schema (and its definition envelope) into a ProductType."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transpiler.compiler.attributes import ASSERTING, compile_attribute
from transpiler.compiler.condition_parser import canonical
from transpiler.compiler.model import ProductType, PropertyGroup
from transpiler.compiler.refs import RefResolver
from transpiler.compiler.rule_sites import definition_conditions, root_conditions
from transpiler.compiler.schema_shape import SchemaShape
from transpiler.compiler.variations import variations_of
from transpiler.config import LANGUAGE_TAG_PROPERTY, MARKETPLACE_ID_PROPERTY
from transpiler.rules.conditions import Condition


def compile_product_type(
    schema: Mapping[str, Any],
    *,
    envelope: Mapping[str, Any] | None = None,
    name: str | None = None,
    source: str = "<schema>",
    checksum: str | None = None,
) -> ProductType:
    """The attribute model of a product type schema.

    `envelope` is the getDefinitionsProductType response (name, display name, locale, version,
    property groups); without it those come from the schema's `$id` and `$defs` defaults.
    Raises SchemaError (with a JSON pointer) for references it cannot resolve or a malformed
    structure. Every rule of the schema ends up as one or more Conditions (a group of rules or an
    `else` chain is flattened), expressible, inert (never applied by JSON Schema) or opaque.
    """
    envelope = envelope or {}
    product_type = name or envelope.get("productType") or _name_from_id(schema.get("$id")) or "UNKNOWN"
    resolver = RefResolver(schema, source, product_type)
    shape = SchemaShape(resolver)
    properties = schema.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise resolver.error("/properties", "properties must be an object")
    if not properties:  # a listing, or any JSON object, left among the definitions
        raise resolver.error("/properties" if "properties" in schema else "",
                             "declares no attribute (properties is empty or missing): not a product type schema")
    required = tuple(schema.get("required") or ())
    groups = _groups(envelope.get("propertyGroups"))
    group_of: dict[str, str] = {}
    for group in groups:
        for prop in group.property_names:
            group_of.setdefault(prop, group.name)

    attributes = []
    conditions: list[Condition] = []
    for attr_name, attr_schema in properties.items():
        attribute, nested, exact = compile_attribute(
            attr_name, attr_schema, resolver, required=attr_name in required, group=group_of.get(attr_name)
        )
        attributes.append(attribute)
        if exact is not None:
            conditions.append(exact)
        for pointer, path in nested:
            conditions.extend(definition_conditions(resolver, shape, pointer, path))
    conditions.extend(root_conditions(schema, resolver, shape))
    exact = root_exact_condition(schema, resolver)
    if exact is not None:
        conditions.append(exact)

    defs = schema.get("$defs") or {}
    return ProductType(
        name=product_type,
        display_name=envelope.get("displayName"),
        marketplace_id=_first(envelope.get("marketplaceIds")) or _default(defs, MARKETPLACE_ID_PROPERTY),
        locale=envelope.get("locale") or _default(defs, LANGUAGE_TAG_PROPERTY),
        requirements=envelope.get("requirements"),
        requirements_enforced=envelope.get("requirementsEnforced"),
        version=(envelope.get("productTypeVersion") or {}).get("version"),
        checksum=checksum or ((envelope.get("schema") or {}).get("checksum")),
        schema_id=schema.get("$id"),
        groups=groups,
        attributes=tuple(attributes),
        conditions=tuple(conditions),
        required=required,
        variations=variations_of(attributes, conditions),
        undeclared_attributes_allowed=schema.get("additionalProperties", True) is not False,
    )


#: What the attribute model expresses at the root: the attributes, the required ones, whether
#: undeclared attributes are allowed (true or false), and the rules (conditions).
_ROOT_MODELLED = frozenset({"type", "properties", "required", "additionalProperties", "allOf", "anyOf", "oneOf",
                            "not", "if", "then", "else"})


def root_exact_condition(schema: Mapping[str, Any], resolver: RefResolver) -> Condition | None:
    """The root keywords the attribute model does not express (`dependentRequired`, `minProperties`,
    `additionalProperties` as a schema...), as one opaque condition validators enforce through its
    JSON; None when there is none."""
    modelled = _ROOT_MODELLED if isinstance(schema.get("additionalProperties", True), bool) else (
        _ROOT_MODELLED - {"additionalProperties"})
    keys = sorted(set(schema) & ASSERTING - modelled)
    declared = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    if set(schema.get("required") or ()) - set(declared):  # a required attribute the schema never declares
        keys = sorted({*keys, "required"})
    if "additionalProperties" in keys and "properties" in schema:
        keys.append("properties")  # additionalProperties reads which attributes properties declares
    if not keys:
        return None
    fragment = resolver.inline({key: schema[key] for key in keys}, "")
    return Condition(f"/{keys[0]}", "", None, (), (), False, canonical(fragment),
                     f"root keywords the attribute model does not express ({', '.join(keys)}): checked against "
                     "the exact schema")


def _groups(raw: Any) -> tuple[PropertyGroup, ...]:
    if not isinstance(raw, Mapping):
        return ()
    return tuple(
        PropertyGroup(
            name=name,
            title=(g or {}).get("title"),
            description=(g or {}).get("description") or None,
            property_names=tuple((g or {}).get("propertyNames") or ()),
        )
        for name, g in raw.items()
    )


def _name_from_id(schema_id: Any) -> str | None:
    if isinstance(schema_id, str) and "/" in schema_id:
        return schema_id.rstrip("/").rsplit("/", 1)[-1]
    return None


def _first(values: Any) -> str | None:
    return values[0] if isinstance(values, list) and values else None


def _default(defs: Mapping[str, Any], key: str) -> str | None:
    value = (defs.get(key) or {}).get("default") if isinstance(defs.get(key), Mapping) else None
    return value if isinstance(value, str) else None


def compile_definition(definition: Any) -> ProductType:
    """Compile a transpiler.amazon.definitions.Definition (schema + envelope + checksum)."""
    return compile_product_type(
        definition.schema,
        envelope=definition.envelope,
        name=definition.name,
        source=str(definition.schema_path),
        checksum=definition.checksum,
    )
