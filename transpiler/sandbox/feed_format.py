"""The JSON_LISTINGS_FEED v2 document format, as the sandbox checks it.

Written from Amazon's listings feed schemas (header, messages, per-message `oneOf` by operation
type); tests/test_sandbox_feeds.py proves it accepts and rejects exactly what the official
schemas in ../shared/amazon/feeds do on a set of documents.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft7Validator

INCLUDED_DATA = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
                 "relationships", "productTypes"]
MAX_MESSAGES = 25_000

HEADER: dict[str, Any] = {
    "type": "object",
    "required": ["sellerId", "version"],
    "properties": {
        "sellerId": {"type": "string"},
        "version": {"type": "string", "const": "2.0"},
        "issueLocale": {"type": "string"},
        "report": {
            "type": "object",
            "required": ["includedData", "apiVersion"],
            "properties": {
                "includedData": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": INCLUDED_DATA}},
                "apiVersion": {"type": "string", "enum": ["2021-08-01"]},
            },
        },
    },
}

MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["messageId", "sku", "operationType"],
    "properties": {
        "messageId": {"type": "integer", "minimum": 1},
        "sku": {"type": "string", "minLength": 1},
        "operationType": {"type": "string", "enum": ["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"]},
        "productType": {"type": "string", "minLength": 1},
        "requirements": {"type": "string", "enum": ["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]},
        "attributes": {"type": "object", "minProperties": 1},
        "patches": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["op", "path"],
                "properties": {
                    "op": {"type": "string", "enum": ["add", "replace", "merge", "delete"]},
                    "path": {"type": "string"},
                    "value": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
    "oneOf": [
        {"properties": {"operationType": {"const": "UPDATE"}, "patches": False},
         "required": ["productType", "attributes"]},
        {"properties": {"operationType": {"const": "DELETE"}, "requirements": False, "attributes": False,
                        "productType": False, "patches": False}},
        {"properties": {"operationType": {"const": "PARTIAL_UPDATE"}, "requirements": False, "patches": False},
         "required": ["productType", "attributes"]},
        {"properties": {"operationType": {"const": "PATCH"}, "requirements": False, "attributes": False},
         "required": ["productType", "patches"]},
    ],
}

DOCUMENT: dict[str, Any] = {
    "type": "object",
    "required": ["header", "messages"],
    "properties": {
        "header": HEADER,
        "messages": {"type": "array", "minItems": 1, "maxItems": MAX_MESSAGES, "items": {"type": "object"}},
    },
}


@cache
def document_validator() -> Draft7Validator:
    """Checks the envelope only (header, message count); messages are judged one by one."""
    return Draft7Validator(DOCUMENT)


@cache
def message_validator() -> Draft7Validator:
    return Draft7Validator(MESSAGE)


def document_errors(document: Any) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in document_validator().iter_errors(document)]


def message_errors(message: Any) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(message)'}: {e.message}"
            for e in message_validator().iter_errors(message)]
