"""Top-level properties of a product type schema -> Attribute and Leaf records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transpiler.compiler.model import Attribute, Kind, Leaf, Lifecycle, Option
from transpiler.compiler.refs import RefResolver, escape
from transpiler.config import CONTEXT_PROPERTIES, LANGUAGE_TAG_PROPERTY, MARKETPLACE_ID_PROPERTY
from transpiler.rules.constraints import Constraints

_CONSTRAINT_KEYWORDS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "minUtf8ByteLength": "min_utf8_bytes",
    "maxUtf8ByteLength": "max_utf8_bytes",
    "pattern": "pattern",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minUniqueItems": "min_unique_items",
    "maxUniqueItems": "max_unique_items",
}

_URL_FORMATS = {"uri", "url", "iri", "uri-reference", "iri-reference"}
#: Schemas one attribute may expand to once references are followed: Amazon's largest attributes
#: have a few hundred; references that fan out would otherwise expand to billions.
MAX_ATTRIBUTE_SCHEMAS = 20_000


def constraints_of(schema: Mapping[str, Any], *, array: Mapping[str, Any] | None = None) -> Constraints:
    """Constraints of a value schema, plus those of its enclosing array schema when given."""
    values: dict[str, Any] = {}
    for source in (schema, array or {}):
        for keyword, name in _CONSTRAINT_KEYWORDS.items():
            if keyword in source and name not in values:
                values[name] = source[keyword]
    fmt = _format_of(schema)
    if fmt:
        values["format"] = fmt
    accepted = _formats_of(schema)
    if len(accepted) > 1:
        values["formats"] = accepted
    selectors = (array or {}).get("selectors") or schema.get("selectors")
    if selectors:
        values["selectors"] = tuple(selectors)
    if (array or {}).get("uniqueItems") or schema.get("uniqueItems"):
        values["unique_items"] = True
    return Constraints(**values)


def lifecycle_of(schema: Mapping[str, Any]) -> Lifecycle | None:
    raw = schema.get("$lifecycle")
    if not isinstance(raw, Mapping):
        return None
    replacement = tuple(
        (str(entry.get("value")), tuple(entry.get("replacements") or ()))
        for entry in raw.get("enumReplacement") or ()
        if isinstance(entry, Mapping)
    )
    return Lifecycle(
        replaced_by=tuple(raw.get("replacedBy") or ()),
        replaces=tuple(raw.get("replaces") or ()),
        enum_deprecated=tuple(raw.get("enumDeprecated") or ()),
        enum_replacement=replacement,
    )


def _format_of(schema: Mapping[str, Any]) -> str | None:
    if isinstance(schema.get("format"), str):
        return schema["format"]
    formats = {
        branch.get("format")
        for key in ("anyOf", "oneOf")
        for branch in schema.get(key) or ()
        if isinstance(branch, Mapping) and isinstance(branch.get("format"), str)
    }
    if "date-time" in formats:
        return "date-time"
    if "date" in formats:
        return "date"
    return None


def _formats_of(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """Formats a value may take: one, or the branches of a oneOf/anyOf (Amazon's date | date-time)."""
    if isinstance(schema.get("format"), str):
        return (schema["format"],)
    found = [
        branch["format"]
        for key in ("anyOf", "oneOf")
        for branch in schema.get(key) or ()
        if isinstance(branch, Mapping) and isinstance(branch.get("format"), str)
    ]
    return tuple(dict.fromkeys(found))


def _options(schema: Mapping[str, Any], deprecated: set[Any]) -> tuple[Option, ...]:
    enum = schema.get("enum") or ()
    names = schema.get("enumNames") or ()
    return tuple(
        Option(value, names[i] if i < len(names) else None, value in deprecated) for i, value in enumerate(enum)
    )


def classify(
    schema: Mapping[str, Any], name: str, resolver: RefResolver, pointer: str, deprecated: set[Any]
) -> tuple[Kind, tuple[Option, ...], str]:
    """Kind, options and JSON value type of a scalar value schema."""
    json_type = schema.get("type")
    if isinstance(json_type, list):
        json_type = next((t for t in json_type if t != "null"), "string")
    if "enum" in schema:
        options = _options(schema, deprecated)
        if json_type == "boolean" or all(isinstance(o.value, bool) for o in options):
            return Kind.BOOLEAN, options, "boolean"
        value_type = json_type or _json_type_of_values(options)
        return Kind.ENUM, options, value_type
    if "const" in schema:
        option = Option(schema["const"], None)
        return Kind.ENUM, (option,), json_type or _json_type_of_values((option,))
    for key in ("anyOf", "oneOf"):
        branches = [
            resolver.deref(b, f"{pointer}/{key}/{i}") for i, b in enumerate(schema.get(key) or ())
        ]
        branches = [b for b in branches if isinstance(b, Mapping)]
        if not branches:
            continue
        enum_branches = [b for b in branches if "enum" in b]
        if enum_branches:
            options = tuple(o for b in enum_branches for o in _options(b, deprecated))
            free = [b for b in branches if "enum" not in b and "const" not in b]
            value_type = json_type or enum_branches[0].get("type") or _json_type_of_values(options)
            if all(isinstance(o.value, bool) for o in options) and not free:
                return Kind.BOOLEAN, options, "boolean"
            return (Kind.OPEN_ENUM if free else Kind.ENUM), options, value_type
    fmt = _format_of(schema)
    if json_type == "boolean":
        return Kind.BOOLEAN, (), "boolean"
    if json_type == "integer":
        return Kind.INTEGER, (), "integer"
    if json_type == "number":
        return Kind.NUMBER, (), "number"
    if json_type == "object":
        return Kind.OBJECT, (), "object"
    if fmt == "date":
        return Kind.DATE, (), "string"
    if fmt == "date-time":
        return Kind.DATE_TIME, (), "string"
    if fmt in _URL_FORMATS or name == "media_location" or name.endswith("_url") or name == "url":
        return Kind.URL, (), "string"
    return Kind.TEXT, (), "string"


def _json_type_of_values(options: tuple[Option, ...]) -> str:
    values = [o.value for o in options]
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    return "string"


def _text(schema: Mapping[str, Any], key: str) -> str | None:
    value = schema.get(key)
    return value if isinstance(value, str) and value.strip() else None


class _Walker:
    """Collects the leaves of one attribute."""

    def __init__(self, resolver: RefResolver):
        self.resolver = resolver
        self.leaves: list[Leaf] = []
        self.context_paths: list[str] = []
        self.context_required: list[str] = []
        self.array_constraints: list[tuple[str, Constraints]] = []
        self.nested_rules: list[tuple[str, str]] = []  # (pointer, dotted path of the object)
        self.open_objects: list[str] = []
        self.visited = 0

    def leaf(
        self,
        schema: Mapping[str, Any],
        path: str,
        pointer: str,
        *,
        chain: tuple[bool, ...],
        arrays: tuple[str, ...],
        array_schema: Mapping[str, Any] | None = None,
    ) -> None:
        lifecycle = lifecycle_of(schema) or (lifecycle_of(array_schema) if array_schema else None)
        deprecated = set(lifecycle.enum_deprecated) if lifecycle else set()
        name = path.rsplit(".", 1)[-1]
        kind, options, value_type = classify(schema, name, self.resolver, pointer, deprecated)
        title_source = schema if _text(schema, "title") else (array_schema or schema)
        self.leaves.append(
            Leaf(
                path=path,
                pointer=pointer,
                kind=kind,
                title=_text(title_source, "title"),
                description=_text(schema, "description") or _text(array_schema or {}, "description"),
                options=options,
                constraints=constraints_of(schema, array=array_schema),
                required=all(chain),
                required_chain=chain,
                multiple=array_schema is not None,
                arrays=arrays,
                hidden=bool(schema.get("hidden", False)),
                editable=bool(schema.get("editable", True)),
                default=schema.get("default"),
                examples=tuple(schema.get("examples") or ()),
                lifecycle=lifecycle,
                value_type=value_type,
            )
        )

    def entered(self, node: Any, pointer: str, refs: tuple[str, ...]) -> tuple[str, ...]:
        """The references followed down to `node` and its own; SchemaError when `node` refers back
        to a schema it lies inside (a recursive schema has no finite list of leaves)."""
        self.visited += 1
        if self.visited > MAX_ATTRIBUTE_SCHEMAS:
            raise self.resolver.error(pointer, f"the attribute expands to more than {MAX_ATTRIBUTE_SCHEMAS} schemas "
                                               "(references nested too many times)")
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return refs
        ref = node["$ref"]
        if ref in refs:
            raise self.resolver.error(pointer + "/$ref", f"cyclic $ref {ref!r} (through {' -> '.join(refs)})")
        return (*refs, ref)

    def value(self, schema: Any, path: str, pointer: str, *, chain: tuple[bool, ...], arrays: tuple[str, ...],
              refs: tuple[str, ...] = ()) -> None:
        refs = self.entered(schema, pointer, refs)
        schema = self.resolver.deref(schema, pointer)
        if not isinstance(schema, Mapping):
            self.leaf({}, path, pointer, chain=chain, arrays=arrays)
            return
        json_type = schema.get("type")
        if json_type == "array" or (json_type is None and "items" in schema):
            item_refs = self.entered(schema.get("items"), pointer + "/items", refs)
            items = self.resolver.deref(schema.get("items", {}), pointer + "/items")
            if isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items):
                self.array_constraints.append((path, constraints_of({}, array=schema)))
                self.object(items, path, pointer + "/items", chain=chain, arrays=(*arrays, path), refs=item_refs)
            else:
                self.leaf(
                    items if isinstance(items, Mapping) else {},
                    path,
                    pointer + "/items",
                    chain=chain,
                    arrays=arrays,
                    array_schema=schema,
                )
        elif (json_type == "object" or json_type is None) and "properties" in schema:
            self.object(schema, path, pointer, chain=chain, arrays=arrays, refs=refs)
        else:
            self.leaf(schema, path, pointer, chain=chain, arrays=arrays)

    def object(
        self, schema: Mapping[str, Any], path: str, pointer: str, *, chain: tuple[bool, ...], arrays: tuple[str, ...],
        refs: tuple[str, ...] = (),
    ) -> None:
        required_here = set(schema.get("required") or ())
        if schema.get("additionalProperties", True) is not False:
            self.open_objects.append(path)
        if any(k in schema for k in ("if", "allOf", "anyOf", "oneOf", "not")):
            self.nested_rules.append((pointer, path))
        for name, sub in (schema.get("properties") or {}).items():
            sub_pointer = f"{pointer}/properties/{escape(name)}"
            sub_path = f"{path}.{name}"
            if name in CONTEXT_PROPERTIES:
                self.context_paths.append(sub_path)
                if name in required_here:
                    self.context_required.append(sub_path)
                continue
            self.value(sub, sub_path, sub_pointer, chain=(*chain, name in required_here), arrays=arrays, refs=refs)


def compile_attribute(
    name: str,
    schema: Any,
    resolver: RefResolver,
    *,
    required: bool,
    group: str | None,
) -> tuple[Attribute, list[tuple[str, str]]]:
    """One top-level property -> Attribute, plus the rules found nested inside its items."""
    pointer = f"/properties/{escape(name)}"
    schema = resolver.deref(schema, pointer)
    if not isinstance(schema, Mapping):
        raise resolver.error(pointer, "a property definition must be an object")
    walker = _Walker(resolver)
    item_required: tuple[str, ...] = ()
    items: Any = None
    refs: tuple[str, ...] = ()
    if schema.get("type") == "array" or "items" in schema:
        refs = walker.entered(schema.get("items"), pointer + "/items", ())
        items = resolver.deref(schema.get("items", {}), pointer + "/items")
    if isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items):
        item_required = tuple(items.get("required") or ())
        walker.object(items, name, pointer + "/items", chain=(), arrays=(), refs=refs)
        array_constraints = constraints_of({}, array=schema)
    else:
        walker.value(schema, name, pointer, chain=(), arrays=())
        array_constraints = constraints_of({}, array=schema) if "items" in schema else Constraints()
    leaves = tuple(walker.leaves)
    context = tuple(walker.context_paths)
    hidden = schema.get("hidden")
    editable = schema.get("editable")
    attribute = Attribute(
        name=name,
        pointer=pointer,
        title=_text(schema, "title"),
        description=_text(schema, "description"),
        leaves=leaves,
        constraints=array_constraints,
        required=required,
        localized=f"{name}.{LANGUAGE_TAG_PROPERTY}" in context,
        marketplace_scoped=f"{name}.{MARKETPLACE_ID_PROPERTY}" in context,
        context_paths=context,
        hidden=bool(hidden) if hidden is not None else bool(leaves) and all(leaf.hidden for leaf in leaves),
        editable=bool(editable) if editable is not None else all(leaf.editable for leaf in leaves),
        group=group,
        lifecycle=lifecycle_of(schema),
        item_required=item_required,
        array_constraints=tuple(walker.array_constraints),
        context_required=tuple(walker.context_required),
        open_objects=tuple(walker.open_objects),
    )
    return attribute, walker.nested_rules
