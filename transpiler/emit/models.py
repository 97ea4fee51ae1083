"""Attribute model -> pydantic models, through datamodel-code-generator.

Three steps, all pure (text in, text out) except `emit_models`, which writes files:

1. `normalized_schema(product_type)`: a plain JSON Schema derived from the attribute model (never
   from the raw Amazon schema): one object per attribute item and nested object, strict scalar
   types, closed enums, character limits and numeric bounds, JSON Schema numbers named by
   `x-python-type` (the shared `AmazonNumber` / `AmazonInteger`), and the definition's marketplace
   and language as the default of the context properties an item requires. Keywords
   datamodel-code-generator cannot express (conditions, UTF-8 byte limits, unique items per
   selectors, bounds of numbers inside arrays) are left out here.
2. datamodel-code-generator (pinned) turns it into pydantic v2 classes, configured rather than
   patched afterwards: every class derives from the shared bases of `generated.models.values`
   (which carry the model config once: no extra keys, no null), optional members are typed
   `X | None = None`, and identical objects become one class (`reuse_model` +
   `collapse_reuse_models`: the eight `other_product_image_locator_N` items share one class).
3. The jinja2 templates in `templates/models/` wrap those classes into the final module: a header
   that names the schema checksum and the generator version, the imports, and the rules the
   generator ignores (conditions, byte limits, selectors, French option labels), which the shared
   base class `generated.models.values.AmazonListing` enforces as a model validator.

A generated module imports pydantic, `generated.models.values` and the light rule records and
checks of `transpiler.rules` only: never the compiler, jsonschema or the meta-schema.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
import sys
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from transpiler.amazon import patterns
from transpiler.compiler.model import Attribute, Kind, Leaf, ProductType
from transpiler.config import CONTEXT_PROPERTIES
from transpiler.rules.conditions import Condition
from transpiler.rules.constraints import Constraints

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates" / "models"
#: The shared module every generated product type module imports its base classes from.
VALUES_MODULE = "values"

_JSON_TYPES = {"string", "number", "integer", "boolean", "object"}
_STRING_KEYS = {"min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}
_NUMBER_KEYS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusive_minimum": "exclusiveMinimum",
    "exclusive_maximum": "exclusiveMaximum",
}
#: JSON Schema number types -> the shared types of `generated.models.values` that implement them
#: (1.0 is an integer in JSON Schema; values are kept as given).
_NUMBER_TYPES = {"integer": "AmazonInteger", "number": "AmazonNumber"}


def generator_version() -> str:
    """The datamodel-code-generator version the models are produced with (pinned in pyproject)."""
    from importlib.metadata import version

    return version("datamodel-code-generator")


def module_name(product_type: str) -> str:
    """`CELLULAR_PHONE` -> `cellular_phone` (a valid Python module name)."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", product_type).strip("_").lower() or "product_type"
    return f"pt_{name}" if name[0].isdigit() else name


def class_name(dotted: str) -> str:
    """`item_package_dimensions.length` -> `ItemPackageDimensionsLength`."""
    words = [w for w in re.split(r"[^0-9a-zA-Z]+", dotted) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Value"
    return f"V{name}" if name[0].isdigit() else name


# --- 1. normalized schema -------------------------------------------------------------------------


@dataclass
class _Node:
    """An object in the item tree of one attribute (the item itself or a nested object)."""

    path: str
    children: dict[str, Any] = field(default_factory=dict)  # name -> _Node | Leaf | "context"
    #: child names that are arrays of objects -> the array's own constraints
    arrays: dict[str, Constraints] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    #: the object's schema does not set additionalProperties to false (undeclared members are kept)
    open: bool = False


def _item_tree(attribute: Attribute) -> _Node:
    """The objects of one attribute item. A member is required in its object when that object's
    schema requires it (`Leaf.required_chain`), so an optional nested object still requires its own
    members whenever it is present."""
    opened = set(attribute.open_objects)
    root = _Node(attribute.name, required=set(attribute.item_required), open=attribute.name in opened)
    arrays = {prefix for leaf in attribute.leaves for prefix in leaf.arrays}
    array_constraints = dict(attribute.array_constraints)

    def place(full_path: str, value: Any, chain: tuple[bool, ...]) -> None:
        segments = full_path.split(".")[1:]
        node = root
        prefix = attribute.name
        for depth, segment in enumerate(segments):
            if depth < len(chain) and chain[depth]:
                node.required.add(segment)
            if depth == len(segments) - 1:
                break
            prefix = f"{prefix}.{segment}"
            child = node.children.get(segment)
            if not isinstance(child, _Node):
                child = _Node(prefix, open=prefix in opened)
                node.children[segment] = child
            if prefix in arrays:
                node.arrays[segment] = array_constraints.get(prefix, Constraints())
            node = child
        node.children.setdefault(segments[-1], value)

    for leaf in attribute.leaves:
        place(leaf.path, leaf, leaf.required_chain or ((True,) * leaf.path.count(".") if leaf.required else ()))
    for path in attribute.context_paths:
        place(path, "context", (*(False for _ in range(path.count(".") - 1)), path in attribute.context_required))
    return root


def _json_enum(leaf: Leaf) -> tuple[Any, ...] | None:
    """The closed list of a leaf whose values are not all strings (checked by `ListingRules` with
    JSON equality: pydantic's Literal would take `true` for 1 and turn 1.0 into 1). Suggested values
    (an open list, `anyOf [integer, integer with enum]`) are no closed list."""
    values = tuple(o.value for o in leaf.options)
    if leaf.kind == Kind.OPEN_ENUM or not values or all(isinstance(v, str) for v in values):
        return None
    if leaf.kind == Kind.BOOLEAN and set(values) == {True, False} and all(isinstance(v, bool) for v in values):
        return None  # StrictBool says it all
    return values


def _value_schema(leaf: Leaf, *, in_array: bool) -> dict[str, Any]:
    """The schema of one value of a leaf; `in_array` when the value is an array item (a multiple
    leaf, or an attribute whose items are scalars)."""
    c = leaf.constraints
    if leaf.value_type == "any":  # no one JSON type: any value here, the attribute's exact schema judges it
        schema = {"type": "string", "x-python-type": f"generated.models.{VALUES_MODULE}.AmazonJson"}
        return {**schema, "description": leaf.title} if leaf.title else schema
    value_type = leaf.value_type if leaf.value_type in _JSON_TYPES else "string"
    schema: dict[str, Any] = {"type": value_type}
    if leaf.title:
        schema["description"] = leaf.title
    if (leaf.kind == Kind.ENUM or (leaf.kind == Kind.BOOLEAN and leaf.options)) and _json_enum(leaf) is None:
        values = [o.value for o in leaf.options]
        if not (leaf.kind == Kind.BOOLEAN and set(values) == {True, False}):
            schema["enum"] = values
    elif _json_enum(leaf) is not None and not all(_is_json_type(o.value, value_type) for o in leaf.options):
        schema.pop("type")  # values of several JSON types: any value, the list is checked by ListingRules
    if value_type == "string":
        schema.update({key: getattr(c, name) for name, key in _STRING_KEYS.items() if getattr(c, name) is not None})
        if c.pattern is not None:  # pydantic's Rust engine, with ECMA-262's \d, \w and \s
            schema["pattern"] = patterns.for_rust(c.pattern)
    elif schema.get("type") in _NUMBER_TYPES:
        schema["x-python-type"] = f"generated.models.{VALUES_MODULE}.{_NUMBER_TYPES[value_type]}"
        if not in_array:  # an array item's bounds would be dropped by the generator: ListingRules checks them
            schema.update({key: getattr(c, name) for name, key in _NUMBER_KEYS.items() if getattr(c, name) is not None})
    return schema


def _leaf_schema(leaf: Leaf) -> dict[str, Any]:
    if not leaf.multiple:
        return _value_schema(leaf, in_array=False)
    array: dict[str, Any] = {"type": "array", "items": _value_schema(leaf, in_array=True)}
    if leaf.constraints.min_items is not None:
        array["minItems"] = leaf.constraints.min_items
    if leaf.constraints.max_items is not None:
        array["maxItems"] = leaf.constraints.max_items
    return array  # uniqueItems: ListingRules (JSON equality, order kept)


def _is_json_type(value: Any, json_type: str) -> bool:
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "integer":
        integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return integral and not isinstance(value, bool)
    if json_type == "number":
        return not isinstance(value, bool) and isinstance(value, (int, float))
    return isinstance(value, str)


def _array_keywords(c: Constraints) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if c.min_items is not None:
        out["minItems"] = c.min_items
    if c.max_items is not None:
        out["maxItems"] = c.max_items
    return out


def _object_schema(node: _Node, defs: dict[str, Any], context: dict[str, str]) -> dict[str, Any]:
    """An object of the item tree. No `additionalProperties`: the shared base classes forbid extra
    keys once for every model. A context property the object requires defaults to the definition's
    marketplace or language (`context`), so an item built in Python code gets it; a payload must
    still carry it (`ListingRules.required_context`)."""
    properties: dict[str, Any] = {}
    defaulted: set[str] = set()
    for name, child in node.children.items():
        if isinstance(child, _Node):
            ref = {"$ref": f"#/$defs/{_define(child, defs, context)}"}
            properties[name] = (
                {"type": "array", "items": ref, **_array_keywords(node.arrays[name])} if name in node.arrays else ref
            )
        elif child == "context":
            properties[name] = {"type": "string"}
            if name in node.required and context.get(name):
                properties[name]["default"] = context[name]
                defaulted.add(name)
        else:
            properties[name] = _leaf_schema(child)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if node.open:
        schema["additionalProperties"] = True
    required = [name for name in node.children if name in node.required and name not in defaulted]
    if required:
        schema["required"] = required
    return schema


def _define(node: _Node, defs: dict[str, Any], context: dict[str, str]) -> str:
    name = class_name(node.path)
    defs[name] = _object_schema(node, defs, context)
    return name


def _attribute_schema(attribute: Attribute, defs: dict[str, Any], context: dict[str, str]) -> dict[str, Any]:
    c = attribute.constraints
    top = next((leaf for leaf in attribute.leaves if leaf.path == attribute.name), None)
    if top is not None:  # an array of scalars at the top level
        items = _value_schema(top, in_array=True)
    else:
        items = {"$ref": f"#/$defs/{_define(_item_tree(attribute), defs, context)}"}
    schema: dict[str, Any] = {"type": "array", "items": items}
    if attribute.title:
        schema["description"] = attribute.title
    if c.min_items is not None:
        schema["minItems"] = c.min_items
    if c.max_items is not None:
        schema["maxItems"] = c.max_items
    return schema


def root_class_name(product_type: ProductType, taken: Iterable[str] = ()) -> str:
    name = class_name(product_type.name.lower())
    return f"{name}Listing" if name in set(taken) else name


def normalized_schema(product_type: ProductType) -> dict[str, Any]:
    """The JSON Schema datamodel-code-generator reads, derived from the attribute model only."""
    defs: dict[str, Any] = {}
    context = dict(zip(CONTEXT_PROPERTIES, (product_type.marketplace_id, product_type.locale), strict=True))
    properties = {a.name: _attribute_schema(a, defs, context) for a in product_type.attributes}
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "title": root_class_name(product_type, defs),
        "type": "object",
        "properties": properties,
        "$defs": dict(sorted(defs.items())),
    }
    if product_type.required:
        schema["required"] = list(product_type.required)
    if product_type.undeclared_attributes_allowed:  # the root class keeps undeclared attributes as they are
        schema["additionalProperties"] = True
    return schema


# --- 2. datamodel-code-generator ----------------------------------------------------------------


def generate_classes(schema: dict[str, Any]) -> str:
    """Run datamodel-code-generator on a normalized schema; returns its module text.

    `strict_nullable`: a member with a default is not nullable; `reuse_model` with
    `collapse_reuse_models`: an object identical to an earlier one is that class, not a copy.
    """
    from datamodel_code_generator import DataModelType, InputFileType, PythonVersion, generate
    from datamodel_code_generator.enums import StrictTypes

    root = schema["title"]
    output = generate(
        json.dumps(schema, ensure_ascii=False),
        input_file_type=InputFileType.JsonSchema,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        enum_field_as_literal="all",
        field_constraints=True,
        use_annotated=True,
        use_standard_collections=True,
        use_union_operator=True,
        strict_types=[StrictTypes.str, StrictTypes.int, StrictTypes.float, StrictTypes.bool],
        disable_timestamp=True,
        base_class=f"generated.models.{VALUES_MODULE}.AmazonValue",
        base_class_map={root: f"generated.models.{VALUES_MODULE}.AmazonListing"},
        strict_nullable=True,
        reuse_model=True,
        collapse_reuse_models=True,
        formatters=[],
    )
    if not isinstance(output, str):
        raise TypeError("datamodel-code-generator returned several modules for one schema")
    return output


def _split_generated(text: str) -> tuple[dict[str, set[str]], str]:
    """(imports by module, class definitions) of datamodel-code-generator's output."""
    tree = ast.parse(text)
    imports: dict[str, set[str]] = {}
    first_class = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.module != "__future__":
                imports.setdefault(node.module or "", set()).update(a.name for a in node.names)
        elif first_class is None and not isinstance(node, ast.Import):
            first_class = node.lineno
    lines = text.splitlines()
    body = "\n".join(lines[(first_class or 1) - 1 :]).strip()
    return imports, body


# --- 3. templates -----------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )


def _py(value: Any) -> str:
    """Python source of a JSON-like value or a frozen dataclass tree (deterministic)."""
    return repr(value)


def _option_labels(product_type: ProductType) -> dict[str, dict[Any, str]]:
    labels: dict[str, dict[Any, str]] = {}
    for leaf in product_type.leaves:
        named = {o.value: o.label for o in leaf.options if o.label}
        if named:
            labels[leaf.path] = named
    return labels


def _utf8_limits(product_type: ProductType) -> dict[str, tuple[int | None, int | None]]:
    return {
        leaf.path: (leaf.constraints.min_utf8_bytes, leaf.constraints.max_utf8_bytes)
        for leaf in product_type.leaves
        if leaf.constraints.min_utf8_bytes is not None or leaf.constraints.max_utf8_bytes is not None
    }


def _unique_limits(product_type: ProductType) -> dict[str, tuple[int | None, int | None, tuple[str, ...]]]:
    out: dict[str, tuple[int | None, int | None, tuple[str, ...]]] = {}
    for attribute in product_type.attributes:
        for path, c in ((attribute.name, attribute.constraints), *attribute.array_constraints):
            if c.min_unique_items is not None or c.max_unique_items is not None:
                out[path] = (c.min_unique_items, c.max_unique_items, c.selectors)
        for leaf in attribute.leaves:
            lc = leaf.constraints
            if leaf.multiple and (lc.min_unique_items is not None or lc.max_unique_items is not None):
                out[leaf.path] = (lc.min_unique_items, lc.max_unique_items, lc.selectors)
    return out


def _required_context(product_type: ProductType) -> list[str]:
    """`marketplace_id` / `language_tag` paths that Amazon requires in every item (or nested object)."""
    out = [
        f"{attribute.name}.{name}"
        for attribute in product_type.attributes
        for name in CONTEXT_PROPERTIES
        if name in attribute.item_required
    ]
    nested = [p for a in product_type.attributes for p in a.context_required if p.count(".") > 1]
    return out + [p for p in nested if p not in out]


def _unique_items(product_type: ProductType) -> list[str]:
    """Arrays with `uniqueItems` (attribute, nested array of objects or of values), by path."""
    out: list[str] = []
    for attribute in product_type.attributes:
        arrays = ((attribute.name, attribute.constraints), *attribute.array_constraints)
        out.extend(path for path, c in arrays if c.unique_items)
        out.extend(leaf.path for leaf in attribute.leaves if leaf.multiple and leaf.constraints.unique_items)
    return list(dict.fromkeys(out))


def _formats(product_type: ProductType) -> dict[str, tuple[str, ...]]:
    """Text leaves whose format Amazon asserts (`date`, `date-time`, or Amazon's oneOf of both)."""
    from transpiler.amazon.formats import ASSERTED

    out: dict[str, tuple[str, ...]] = {}
    for leaf in product_type.leaves:
        c = leaf.constraints
        accepted = c.formats or ((c.format,) if c.format else ())
        if accepted and leaf.value_type == "string" and all(f in ASSERTED for f in accepted):
            out[leaf.path] = accepted
    return out


def _multiples(product_type: ProductType) -> dict[str, float]:
    return {
        leaf.path: leaf.constraints.multiple_of
        for leaf in product_type.leaves
        if leaf.constraints.multiple_of is not None and leaf.value_type in {"number", "integer"}
    }


def _array_bounds(product_type: ProductType) -> dict[str, tuple[float | None, ...]]:
    """Bounds of the numbers that are array items (the normalized schema leaves them out)."""
    out: dict[str, tuple[float | None, ...]] = {}
    for attribute in product_type.attributes:
        for leaf in attribute.leaves:
            c = leaf.constraints
            bounds = (c.minimum, c.maximum, c.exclusive_minimum, c.exclusive_maximum)
            in_array = leaf.multiple or leaf.path == attribute.name
            if in_array and leaf.value_type in _NUMBER_TYPES and any(b is not None for b in bounds):
                out[leaf.path] = bounds
    return out


def _enums(product_type: ProductType) -> dict[str, tuple[Any, ...]]:
    return {leaf.path: values for leaf in product_type.leaves if (values := _json_enum(leaf)) is not None}


def _record_types(value: Any, found: dict[str, set[str]]) -> None:
    """The classes of the records (dataclasses, enums) inside `value`, by module, for the import line."""
    if isinstance(value, Enum) or dataclasses.is_dataclass(value):
        found.setdefault(type(value).__module__, set()).add(type(value).__name__)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _record_types(getattr(value, item.name), found)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _record_types(item, found)


def _condition_names(conditions: Sequence[Condition]) -> dict[str, set[str]]:
    """The record classes the conditions' repr() mentions, by module (for the import lines)."""
    found: dict[str, set[str]] = {}
    _record_types(tuple(conditions), found)
    return found


def _import_block(imports: dict[str, set[str]], condition_names: dict[str, set[str]]) -> str:
    imports = {m: n for m, n in imports.items() if n}
    stdlib = {m: n for m, n in imports.items() if m.split(".")[0] in sys.stdlib_module_names}
    third = {m: n for m, n in imports.items() if m not in stdlib and not m.startswith(("generated", "transpiler"))}
    first = {m: set(n) for m, n in imports.items() if m.startswith(("generated", "transpiler"))}
    first.setdefault(f"generated.models.{VALUES_MODULE}", set()).add("AmazonListing")
    first.setdefault("transpiler.rules.listing", set()).add("ListingRules")
    for module, names in condition_names.items():
        first.setdefault(module, set()).update(names)

    def section(group: dict[str, set[str]]) -> list[str]:
        return [f"from {m} import {', '.join(sorted(n, key=_isort_key))}" for m, n in sorted(group.items())]

    blocks = [section(g) for g in (stdlib, third, first) if g]
    return "\n\n".join("\n".join(b) for b in blocks)


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's isort order within one import: CONSTANTS, Classes, functions (case-sensitive).
    kind = 0 if name.isupper() and len(name) > 1 else (1 if name[:1].isupper() else 2)
    return kind, name


def _format(source: str) -> str:
    import black

    return black.format_str(source, mode=black.Mode(line_length=120, target_versions={black.TargetVersion.PY311}))


def render_module(product_type: ProductType, *, formatted: bool = True) -> str:
    """The complete source of `generated/models/<product_type>.py`, formatted as the file is
    (`formatted=False`: the same code unformatted, for a module that is only executed)."""
    schema = normalized_schema(product_type)
    imports, body = _split_generated(generate_classes(schema))
    conditions = list(product_type.conditions)
    names = _condition_names(conditions)
    text = _environment().get_template("product_type.py.jinja2").render(
        product_type=product_type,
        generator=f"datamodel-code-generator {generator_version()}",
        imports=_import_block(imports, names),
        classes=body,
        root=schema["title"],
        conditions=[_py(c) for c in conditions],
        utf8_limits={k: _py(v) for k, v in sorted(_utf8_limits(product_type).items())},
        unique_limits={k: _py(v) for k, v in sorted(_unique_limits(product_type).items())},
        option_labels={k: {_py(v): _py(label) for v, label in labels.items()} for k, labels in sorted(
            _option_labels(product_type).items()
        )},
        required_context=[_py(p) for p in _required_context(product_type)],
        unique_items=[_py(p) for p in _unique_items(product_type)],
        formats={k: _py(v) for k, v in sorted(_formats(product_type).items())},
        multiples={k: _py(v) for k, v in sorted(_multiples(product_type).items())},
        enums={k: _py(v) for k, v in sorted(_enums(product_type).items())},
        bounds={k: _py(v) for k, v in sorted(_array_bounds(product_type).items())},
        py=_py,
    )
    return _format(text) if formatted else text


def render_values_module() -> str:
    """The shared module: base classes and context defaults every product type module uses."""
    return _format(_environment().get_template("values.py.jinja2").render())


def render_init(product_types: Sequence[ProductType]) -> str:
    entries = sorted((p.name, module_name(p.name)) for p in product_types)
    return _format(_environment().get_template("__init__.py.jinja2").render(entries=entries))


# --- writing and loading ------------------------------------------------------------------------


def emit_models(product_types: Sequence[ProductType], out_dir: Path) -> list[Path]:
    """Write `<out_dir>/<type>.py` per product type, the shared module and `__init__.py`.

    Files whose bytes are unchanged are not rewritten. Returns every path this emitter owns.
    """
    from transpiler.emit.regenerate import write_if_changed

    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: list[Path] = []
    for product_type in sorted(product_types, key=lambda p: p.name):
        path = out_dir / f"{module_name(product_type.name)}.py"
        write_if_changed(path, render_module(product_type))
        outputs.append(path)
    for name, text in ((f"{VALUES_MODULE}.py", render_values_module()), ("__init__.py", render_init(product_types))):
        write_if_changed(out_dir / name, text)
        outputs.append(out_dir / name)
    return sorted(outputs)


def emit(product_types: Sequence[Any], out_dir: Path) -> list[Path]:
    """The `regenerate` entry point: models go to `<out_dir>/models/`."""
    return emit_models(product_types, out_dir / "models")


def build_model(product_type: ProductType) -> Any:
    """The root model class of a product type, generated in memory: what a tool hands validation
    (`generate_model=`) for a schema that has no module in generated/models (a file given by path
    to `pl-amazon check`, the real corpus in tests and benchmarks)."""
    return build_module(product_type).MODEL


def build_module(product_type: ProductType) -> types.ModuleType:
    """The generated module of a product type built in memory (same code path as the files).

    Used for product types that have no module in `generated/models/` (a schema given by path,
    the real corpus in tests). The source is not formatted: black would take most of the time
    (3 of 5 s for a large schema) to change only the layout of code that is executed, never read.
    """
    source = render_module(product_type, formatted=False)
    name = f"generated.models._built_{module_name(product_type.name)}_{abs(hash(product_type.checksum)) % 10**8}"
    module = types.ModuleType(name)
    module.__dict__["__file__"] = f"<generated {product_type.name}>"
    sys.modules[name] = module  # pydantic resolves forward references through sys.modules
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
