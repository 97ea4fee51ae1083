"""Validation keywords that apply to one value or one array, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
