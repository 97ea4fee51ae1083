"""The `format` values Amazon's schemas rely on, asserted rather than treated as annotations.

Amazon writes dates as `oneOf: [{format: date}, {format: date-time}]`. With formats as mere
annotations (the Draft 2019-09 default) any string matches both branches and `oneOf` rejects every
value, while Amazon's backend checks the format. So `date` and `date-time` (RFC 3339) are asserted
everywhere a listing is validated; other formats stay annotations.

Standard library only: the generated models check these formats too, and must not load jsonschema
for it (the reference validator builds its FormatChecker from `ASSERTED`, see
`transpiler.amazon.vocabulary`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})$")


def is_date(value: Any) -> bool:
    """RFC 3339 full-date (`2026-11-28`)."""
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_date_time(value: Any) -> bool:
    """RFC 3339 date-time with an offset (`2026-11-28T10:00:00Z`, `…+01:00`)."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if not match:
        return False
    day, time, offset = match.groups()
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        datetime.fromisoformat(f"{day}T{time.split('.')[0]}{offset}")
    except ValueError:
        return False
    return True


ASSERTED: dict[str, Callable[[Any], bool]] = {"date": is_date, "date-time": is_date_time}


def formats_in(schema: Any) -> Iterator[str]:
    """Every `format` value used anywhere in a schema."""
    if isinstance(schema, dict):
        value = schema.get("format")
        if isinstance(value, str):
            yield value
        for child in schema.values():
            yield from formats_in(child)
    elif isinstance(schema, list):
        for child in schema:
            yield from formats_in(child)


def compiled_formats(schema: Any) -> dict[str, Callable[[str], bool]]:
    """Format functions for jsonschema-rs: ours for ASSERTED, accept-anything for the others."""
    out: dict[str, Callable[[str], bool]] = {name: (lambda _value: True) for name in set(formats_in(schema))}
    out.update(ASSERTED)
    return out
