"""Top-level properties of a product type schema -> Attribute and Leaf records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transpiler.compiler.condition_parser import canonical
from transpiler.compiler.model import Attribute, Kind, Leaf, Lifecycle, Option
from transpiler.compiler.refs import RefResolver, escape
from transpiler.config import CONTEXT_PROPERTIES, LANGUAGE_TAG_PROPERTY, MARKETPLACE_ID_PROPERTY
from transpiler.rules.conditions import Condition
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

#: Keywords that constrain a value in Draft 2019-09 (applicators and assertions) or in Amazon's
#: vocabulary. Any other keyword is an annotation (or unknown, hence ignored by JSON Schema).
ASSERTING = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "maxContains",
    "minContains", "contains", "items", "additionalItems", "unevaluatedItems", "maxProperties", "minProperties",
    "required", "dependentRequired", "dependentSchemas", "properties", "patternProperties",
    "additionalProperties", "unevaluatedProperties", "propertyNames", "allOf", "anyOf", "oneOf", "not", "if",
    "then", "else", "$ref", "$recursiveRef", "maxUniqueItems", "minUniqueItems", "maxUtf8ByteLength",
    "minUtf8ByteLength",
})
_RULE_KEYWORDS = frozenset({"if", "then", "else", "allOf", "anyOf", "oneOf", "not"})
#: What the attribute model expresses on an array (its items are walked separately).
_ARRAY_MODELLED = frozenset({"type", "items", "minItems", "maxItems", "uniqueItems", "maxUniqueItems",
                             "minUniqueItems"})
#: ... on an object (its rules become conditions; `additionalProperties` only as true or false).
_OBJECT_MODELLED = frozenset({"type", "properties", "required", "additionalProperties"}) | _RULE_KEYWORDS
#: ... on a scalar value (`anyOf` / `oneOf` only in the shapes `classify` reads, see `_branches_modelled`).
_SCALAR_MODELLED = frozenset({"type", "enum", "const", "format", "multipleOf", "maximum", "exclusiveMaximum",
                              "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
                              "maxUtf8ByteLength", "minUtf8ByteLength", "anyOf", "oneOf"})
_SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean"})
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
    if any(isinstance(value, (Mapping, list)) for value in enum):
        return ()  # objects or arrays in a closed list: no options, the attribute's exact schema checks them
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


def _structural_type(schema: Mapping[str, Any], pointer: str, resolver: RefResolver, expected: str) -> None:
    """The arrays and objects an attribute is made of must say so (`type: array` / `type: object`, as
    Amazon's schemas always do): the models, the mapping and the table are built on them, while
    JSON Schema would take any other JSON value in the place of an untyped one, or of one typed
    with several types (`["array", "null"]`). Anything else is a SchemaError."""
    declared = schema.get("type")
    if declared == expected:
        return
    if isinstance(declared, list):
        raise resolver.error(f"{pointer}/type", f"type {declared!r} on an attribute or an object in it: several "
                                                "JSON types are supported on values only")
    raise resolver.error(f"{pointer}/type" if "type" in schema else pointer,
                         f"{'type ' + repr(declared) if 'type' in schema else 'no type'} where the schema holds "
                         f"{'an array' if expected == 'array' else 'an object'}: `type: {expected}` is required "
                         "there (JSON Schema would accept other JSON values in its place)")


def _may_be_text(schema: Any) -> bool:
    """Whether a value schema lets some texts through, as far as its types say."""
    if not isinstance(schema, Mapping):
        return schema is not False
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "string" not in types:
            return False
    if "enum" in schema or "const" in schema:
        values = schema.get("enum") if isinstance(schema.get("enum"), list) else [schema.get("const")]
        if not any(isinstance(v, str) for v in values):
            return False
    branches = [b for key in ("anyOf", "oneOf") for b in schema.get(key) or ()]
    if branches and not any(_may_be_text(b) for b in branches):
        return False
    return all(_may_be_text(b) for b in schema.get("allOf") or ())


def _single_type(schema: Mapping[str, Any]) -> set[str]:
    """{"type"} when the schema names one JSON type (the only form of `type` the model reads), else {}."""
    return {"type"} if isinstance(schema.get("type"), str) else set()


def _one_type_of_values(schema: Mapping[str, Any]) -> bool:
    """Whether an untyped `enum` / `const` holds values of one scalar JSON type only (the type is then
    implied: a closed list of texts needs no `type: string`)."""
    values = schema["enum"] if isinstance(schema.get("enum"), list) else (
        [schema["const"]] if "const" in schema else [])
    kinds = {type(v) for v in values}
    return bool(values) and (kinds == {str} or kinds == {bool} or kinds <= {int, float})


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


def _branches_modelled(schema: Mapping[str, Any], json_type: Any) -> bool:
    """Whether the `anyOf` / `oneOf` of a scalar value is one `classify` reads exactly: branches of the
    value's own type holding only a closed list or a format (Amazon's suggested values
    `anyOf [string, string with enum]`, Amazon's dates `oneOf [date, date-time]`). A `oneOf` with a
    free branch would refuse the values two branches accept, which the model does not say."""
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if branches is None:
            continue
        if not isinstance(branches, list) or not all(isinstance(b, Mapping) for b in branches):
            return False
        for branch in branches:
            if set(branch) & ASSERTING - {"type", "enum", "format"}:
                return False
            if branch.get("type", json_type) != json_type:
                return False
        dates = all("format" in b for b in branches) and len({b["format"] for b in branches}) == len(branches)
        if key == "oneOf" and not (dates or all("enum" in b for b in branches)):
            return False
    return True


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
        #: (pointer, keywords) of the schemas holding keywords the attribute model does not express
        self.unmodelled: list[tuple[str, tuple[str, ...]]] = []
        self.visited = 0

    def note_ref_siblings(self, node: Any, pointer: str) -> None:
        """A `$ref` beside other asserting keywords applies both (Draft 2019-09); the model reads the
        target with the siblings written over it, so such a schema is left to the exact schema."""
        if isinstance(node, Mapping) and "$ref" in node:
            self.note_unmodelled(node, pointer, frozenset({"$ref"}))

    def note_unmodelled(self, schema: Mapping[str, Any], pointer: str, modelled: frozenset[str]) -> bool:
        """Record the asserting keywords of `schema` outside `modelled`; True when there are some."""
        extra = tuple(sorted(set(schema) & ASSERTING - modelled | ({"type"} & set(schema) - _single_type(schema))))
        if extra:
            self.unmodelled.append((pointer, extra))
        return bool(extra)

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
        if self._scalar_unmodelled(schema, pointer, array_schema):
            value_type = "any"  # the model takes any JSON value here, the attribute's exact schema decides
            if not options:  # a Product-Live text field when a text may do, else no field (see mapping)
                kind = Kind.TEXT if _may_be_text(schema) else Kind.OBJECT
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

    def _scalar_unmodelled(self, schema: Mapping[str, Any], pointer: str,
                           array_schema: Mapping[str, Any] | None) -> bool:
        """Record what the model cannot say of a scalar value (and of its array); True when the value's
        JSON type is not one scalar type the model can name (none, several, an array of arrays...)."""
        if array_schema is not None:
            self.note_unmodelled(array_schema, pointer.removesuffix("/items"), _ARRAY_MODELLED)
        json_type = schema.get("type")
        typed = (isinstance(json_type, str) and json_type in (*_SCALAR_TYPES, "object")) or (
            "type" not in schema and _one_type_of_values(schema))
        if not typed:  # any JSON value as far as the model knows: every keyword is the exact schema's
            extra = tuple(sorted(set(schema) & ASSERTING)) or ("type",)
            self.unmodelled.append((pointer, extra))
            return True
        modelled = _SCALAR_MODELLED
        if not _branches_modelled(schema, json_type) or ("enum" in schema and "const" in schema):
            modelled = modelled - {"anyOf", "oneOf", "const"}
        self.note_unmodelled(schema, pointer, modelled)
        return False

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
        self.note_ref_siblings(schema, pointer)
        schema = self.resolver.deref(schema, pointer)
        if not isinstance(schema, Mapping):
            self.leaf({}, path, pointer, chain=chain, arrays=arrays)
            return
        json_type = schema.get("type")
        if json_type == "array" or (json_type is None and "items" in schema):
            item_refs = self.entered(schema.get("items"), pointer + "/items", refs)
            self.note_ref_siblings(schema.get("items"), pointer + "/items")
            items = self.resolver.deref(schema.get("items", {}), pointer + "/items")
            _structural_type(schema, pointer, self.resolver, "array")
            if isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items):
                self.note_unmodelled(schema, pointer, _ARRAY_MODELLED)
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
        _structural_type(schema, pointer, self.resolver, "object")
        required_here = set(schema.get("required") or ())
        closed = schema.get("additionalProperties", True)
        self.note_unmodelled(schema, pointer, _OBJECT_MODELLED if isinstance(closed, bool) else
                             _OBJECT_MODELLED - {"additionalProperties"})
        if closed is not False:
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
        for name in required_here - set(schema.get("properties") or {}):  # required, never declared
            self.unmodelled.append((f"{pointer}/required", (f"required {name}",)))


def compile_attribute(
    name: str,
    schema: Any,
    resolver: RefResolver,
    *,
    required: bool,
    group: str | None,
) -> tuple[Attribute, list[tuple[str, str]], Condition | None]:
    """One top-level property -> Attribute, plus the rules found nested inside its items, plus the
    attribute's exact schema as a condition when it holds keywords the attribute model does not
    express (`exact_condition`)."""
    pointer = f"/properties/{escape(name)}"
    walker = _Walker(resolver)
    walker.note_ref_siblings(schema, pointer)
    raw_schema = schema
    schema = resolver.deref(schema, pointer)
    if not isinstance(schema, Mapping):
        raise resolver.error(pointer, "a property definition must be an object")
    item_required: tuple[str, ...] = ()
    items: Any = None
    refs: tuple[str, ...] = ()
    if schema.get("type") == "array" or "items" in schema:
        refs = walker.entered(schema.get("items"), pointer + "/items", ())
        walker.note_ref_siblings(schema.get("items"), pointer + "/items")
        items = resolver.deref(schema.get("items", {}), pointer + "/items")
    if isinstance(items, Mapping) and (items.get("type") == "object" or "properties" in items):
        _structural_type(schema, pointer, resolver, "array")
        walker.note_unmodelled(schema, pointer, _ARRAY_MODELLED)
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
    return attribute, walker.nested_rules, exact_condition(name, raw_schema, walker.unmodelled, resolver)


def exact_condition(name: str, schema: Any, unmodelled: list[tuple[str, tuple[str, ...]]],
                    resolver: RefResolver) -> Condition | None:
    """The attribute's exact schema as an opaque condition, when the attribute model cannot say all
    it says (`None` otherwise). Validators enforce an opaque condition through its JSON, so the
    generated model judges such an attribute as the schema does; its loose values take any JSON
    value in the typed classes (`AmazonJson`, null included)."""
    if not unmodelled:
        return None
    inlined = resolver.inline(schema, f"/properties/{escape(name)}")
    where = "; ".join(f"{', '.join(keys)} at {at}" for at, keys in unmodelled)
    return Condition(unmodelled[0][0], "", None, (), (), False, canonical({"properties": {name: inlined}}),
                     f"keywords the attribute model does not express ({where}): checked against the exact schema")
