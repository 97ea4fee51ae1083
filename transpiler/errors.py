"""One small error hierarchy: every error says where it happened.

The CLI turns any `PlAmazonError` into a single line on stderr and exit code 2; tests assert on
the fields (product type, pointer, SKU, field key), never on message wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class PlAmazonError(Exception):
    """Base class of the errors the tool reports to its user (exit code 2, no traceback)."""

    exit_code = 2

    def one_line(self) -> str:
        """The error as a single line, fit for a terminal or a log."""
        return " ".join(str(self).split())


class SchemaError(PlAmazonError):
    """A product type definition cannot be read or compiled.

    `source` is the file (or product type) and `pointer` the JSON pointer inside it.
    """

    def __init__(self, source: str, pointer: str, message: str, product_type: str | None = None):
        self.source = source
        self.pointer = pointer or ""
        self.product_type = product_type
        self.message = message
        where = f"{source}#{self.pointer}" if self.pointer else source
        super().__init__(f"{where}: {message}")


class UnknownProductTypeError(PlAmazonError):
    """A product type name that no definition store knows."""

    def __init__(self, product_type: str, known: Sequence[str] = ()):
        self.product_type = product_type
        self.known = tuple(known)
        hint = f" (known: {', '.join(self.known)})" if self.known else ""
        super().__init__(f"unknown product type {product_type!r}{hint}")


class ItemError(PlAmazonError):
    """A Product-Live item cannot be turned into an Amazon listing."""

    def __init__(self, sku: str | None, field_key: str | None, message: str):
        self.sku = sku
        self.field_key = field_key
        self.message = message
        parts = [f"SKU {sku}" if sku else "item without SKU"]
        if field_key:
            parts.append(f"field {field_key}")
        super().__init__(f"{', '.join(parts)}: {message}")


class ConfigError(PlAmazonError):
    """Settings are missing or contradictory."""


class AmazonError(PlAmazonError):
    """Amazon (or the sandbox) answered with an error.

    Carries Amazon's `errors[]` and the `x-amzn-RequestId` so support requests can quote them.
    """

    def __init__(
        self,
        status: int,
        errors: Sequence[Mapping[str, Any]] = (),
        request_id: str | None = None,
        operation: str | None = None,
        message: str | None = None,
    ):
        self.status = status
        self.errors = tuple(dict(e) for e in errors)
        self.request_id = request_id
        self.operation = operation
        detail = message or "; ".join(
            f"{e.get('code', '?')}: {e.get('message', '')}".strip() for e in self.errors
        )
        op = f"{operation}: " if operation else ""
        rid = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{op}HTTP {status} {detail}{rid}".strip())
