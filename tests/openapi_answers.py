"""Hypothesis strategies for Amazon's answers, generated from Amazon's own models.

`answers(document, name)` draws JSON values conforming to a definition of an OpenAPI (Swagger 2.0)
model in ../shared/amazon/openapi, or to a JSON Schema (the feed processing report): optional
properties present or absent, arrays empty or not, every enum value, and undocumented extra
properties now and then (Amazon adds fields without notice). `overrides` replace the values of
named properties wherever they appear (`sku`: a SKU drawn among the SKUs sent), or in one definition
only (`Item.attributes`), so that generated answers speak of the test's listings.

hypothesis-jsonschema would be the library for this, but its last release (0.23.1) no longer runs
on the Hypothesis of the lock; the subset of JSON Schema Amazon's models use is small (`$ref`,
`type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `minItems`,
`maxItems`, `minLength`, `minimum`, `minProperties`) and handled here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.conftest import amazon_dir

#: an undocumented property Amazon might add to any object
EXTRA_PROPERTY = "undocumentedField"
TEXT = st.text(alphabet=st.sampled_from("abcdeé XYZ_-'«»0123456789"), min_size=1, max_size=12)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), TEXT)
JSON_VALUE = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=2)
                          | st.dictionaries(TEXT, inner, max_size=2), max_leaves=4)
#: below this depth, objects carry their required properties only and arrays hold what they must
DEEP = 5
DATE_TIMES = st.sampled_from(["2026-12-03T10:00:00Z", "2026-12-03T10:00:00.123+01:00"])


@cache
def openapi(name: str) -> dict[str, Any]:
    """An OpenAPI model of ../shared/amazon/openapi (`listingsItems_2021-08-01`, `feeds_2021-06-30`)."""
    return json.loads((amazon_dir() / "openapi" / f"{name}.json").read_text(encoding="utf-8"))


@cache
def feed_schema(name: str) -> dict[str, Any]:
    """A JSON_LISTINGS_FEED schema of ../shared/amazon/feeds (`listings-feed-processing-report-schema-v2`)."""
    return json.loads((amazon_dir() / "feeds" / f"{name}.json").read_text(encoding="utf-8"))


def answers(document: Mapping[str, Any], name: str | None = None, *,
            overrides: Mapping[str, st.SearchStrategy[Any]] | None = None,
            extras: bool = True) -> st.SearchStrategy[Any]:
    """Values of the definition `name` of `document` (the document itself when None)."""
    schema = document["definitions"][name] if name else document
    return _Generator(document, dict(overrides or {}), extras).strategy(schema, depth=0)


class _Generator:
    def __init__(self, document: Mapping[str, Any], overrides: dict[str, st.SearchStrategy[Any]], extras: bool):
        self.document = document
        self.overrides = overrides
        self.extras = extras

    def resolve(self, schema: Mapping[str, Any], owner: str | None) -> tuple[Mapping[str, Any], str | None]:
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if not ref.startswith("#/"):
                raise ValueError(f"only local references are followed, not {ref}")
            node: Any = self.document
            for part in ref[2:].split("/"):
                node = node[part]
            schema, owner = node, part
        return schema, owner

    def strategy(self, schema: Mapping[str, Any], depth: int, owner: str | None = None) -> st.SearchStrategy[Any]:
        schema, owner = self.resolve(schema, owner)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        if kind == "object":
            return self.object(schema, depth, owner)
        if kind == "array":
            items = schema.get("items") or {}
            low = int(schema.get("minItems", 0))
            high = max(low, min(int(schema.get("maxItems", 3)), 3 if depth < 3 else 1 if depth < DEEP else 0))
            return st.lists(self.strategy(items, depth + 1), min_size=low, max_size=high)
        if kind == "string":
            if schema.get("format") == "date-time":
                return DATE_TIMES
            return st.text(alphabet=st.sampled_from("abcdeé XYZ_-0123456789"),
                           min_size=max(1, int(schema.get("minLength", 0))), max_size=12)
        if kind == "integer":
            return st.integers(int(schema.get("minimum", 0)), int(schema.get("maximum", 50)))
        if kind == "number":
            return st.floats(float(schema.get("minimum", 0)), 1000, allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        return JSON_VALUE

    def object(self, schema: Mapping[str, Any], depth: int, owner: str | None) -> st.SearchStrategy[dict[str, Any]]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        fixed: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for key, sub in properties.items():
            if key not in required and depth >= DEEP:
                continue  # deep down, the required properties only: values stay small
            named = next((self.overrides[k] for k in (f"{owner}.{key}", key) if k in self.overrides), None)
            value = named if named is not None else self.strategy(sub, depth + 1)
            (fixed if key in required else optional)[key] = value
        if not properties and schema.get("additionalProperties") not in (None, False):
            extra = schema["additionalProperties"]
            values = self.strategy(extra, depth + 1) if isinstance(extra, Mapping) else JSON_VALUE
            low = int(schema.get("minProperties", 0))
            return st.dictionaries(TEXT, values, min_size=low, max_size=max(low, 2))
        if self.extras and depth < DEEP:
            optional[EXTRA_PROPERTY] = JSON_VALUE
        return st.fixed_dictionaries(fixed, optional=optional)
