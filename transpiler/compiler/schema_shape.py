"""What kind of value each dotted path of a product type holds: an array, an object or a scalar.

Rules name paths without array markers, but JSON Schema applies `properties` and `required` to
objects only and `items` / `contains` / `minItems` to arrays only. A rule written past an array
without `items` (Amazon writes `our_price: {properties: {schedule: ...}}` where `our_price` is an
array) therefore never applies. The rule parser asks this view, read from the schema itself, so
such fragments are compiled to what JSON Schema does with them rather than to what they seem to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from transpiler.compiler.refs import RefResolver, escape
from transpiler.errors import SchemaError

ARRAY, OBJECT, SCALAR = "array", "object", "scalar"
ValueKind = Literal["array", "object", "scalar"]


class SchemaShape:
    """Answers `kind(path)` for the schema a resolver reads (None: unknown path or undecidable)."""

    def __init__(self, resolver: RefResolver):
        self.resolver = resolver
        self._kinds: dict[str, ValueKind | None] = {}

    def kind(self, path: str) -> ValueKind | None:
        if path not in self._kinds:
            self._kinds[path] = self._find(path)
        return self._kinds[path]

    def is_array(self, path: str) -> bool:
        return self.kind(path) == ARRAY

    def _find(self, path: str) -> ValueKind | None:
        if not path:
            return OBJECT
        node: Any = self.resolver.document
        pointer = ""
        try:
            for segment in path.split("."):
                node = self.resolver.deref(node, pointer)
                if _kind_of(node) == ARRAY:
                    pointer += "/items"
                    node = self.resolver.deref(node.get("items"), pointer)
                properties = node.get("properties") if isinstance(node, Mapping) else None
                if not isinstance(properties, Mapping) or segment not in properties:
                    return None
                pointer += f"/properties/{escape(segment)}"
                node = properties[segment]
            return _kind_of(self.resolver.deref(node, pointer))
        except SchemaError:
            return None


def _kind_of(node: Any) -> ValueKind | None:
    if not isinstance(node, Mapping):
        return None
    declared = node.get("type")
    if declared == "array" or (declared is None and "items" in node):
        return ARRAY
    if declared == "object" or (declared is None and "properties" in node):
        return OBJECT
    if declared in ("string", "number", "integer", "boolean", "null") or (declared is None and "enum" in node):
        return SCALAR
    return None
