"""Amazon's product type definition meta-schema (v1), expressed as code.

Amazon's schemas name this meta-schema by a URI that is not network-addressable, so it is built
here from the vocabulary table and served from a local `referencing` registry: nothing is ever
fetched over the network. Unlike the published file, the meta-schema built here also carries
`$recursiveAnchor`, so the vocabulary's keyword types are checked in every subschema, not only at
the root (a strictly tighter check; see tests/test_vocabulary.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import referencing
import referencing.jsonschema
from jsonschema_specifications import REGISTRY as SPECIFICATIONS

META_SCHEMA_URI = "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1"
VOCABULARY_URI = "https://schemas.amazon.com/selling-partners/definitions/product-types/vocabulary/v1"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"

_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

#: keyword -> (JSON Schema of its value, role). Roles: "annotation" keywords only inform;
#: "validation" keywords are enforced by transpiler.amazon.vocabulary.
KEYWORDS: dict[str, tuple[dict[str, Any], str]] = {
    "editable": ({"type": "boolean"}, "annotation"),
    "enumNames": (_STRINGS, "annotation"),
    "hidden": ({"type": "boolean"}, "annotation"),
    "maxUniqueItems": ({"type": "integer"}, "validation"),
    "minUniqueItems": ({"type": "integer"}, "validation"),
    "maxUtf8ByteLength": ({"type": "integer"}, "validation"),
    "minUtf8ByteLength": ({"type": "integer"}, "validation"),
    "selectors": (_STRINGS, "validation"),
    "$lifecycle": (
        {
            "type": "object",
            "properties": {
                "replacedBy": _STRINGS,
                "replaces": _STRINGS,
                "enumDeprecated": _STRINGS,
                "enumReplacement": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"value": {"type": "string"}, "replacements": _STRINGS},
                    },
                },
            },
        },
        "annotation",
    ),
}

_DRAFT_VOCABULARIES = ("core", "applicator", "validation", "meta-data", "format", "content")


@cache
def meta_schema() -> dict[str, Any]:
    """The meta-schema document (a fresh structure is built once and cached; do not mutate)."""
    vocabulary = {f"https://json-schema.org/draft/2019-09/vocab/{v}": True for v in _DRAFT_VOCABULARIES}
    vocabulary[VOCABULARY_URI] = True
    return {
        "$schema": DRAFT_2019_09,
        "$id": META_SCHEMA_URI,
        "$recursiveAnchor": True,
        "$vocabulary": vocabulary,
        "title": "Amazon Product Type Definition Meta-Schema v1",
        "allOf": [{"$ref": DRAFT_2019_09}],
        "properties": {name: dict(schema) for name, (schema, _role) in KEYWORDS.items()},
    }


@cache
def registry() -> referencing.Registry:
    """A registry holding the JSON Schema drafts and Amazon's meta-schema; never retrieves."""
    resource = referencing.jsonschema.DRAFT201909.create_resource(meta_schema())
    return SPECIFICATIONS.with_resource(META_SCHEMA_URI, resource).crawl()
