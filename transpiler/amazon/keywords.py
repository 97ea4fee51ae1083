"""Amazon's validating keywords, implemented once for every validator of the project.

- `maxUniqueItems` / `minUniqueItems`: the items of an array are counted per combination of the
  values of their `selectors` properties (the whole item when there are no selectors); no
  combination may appear more (fewer) times than the limit. Values are compared with JSON
  equality.
- `maxUtf8ByteLength` / `minUtf8ByteLength`: a string's length in UTF-8 bytes.
- `multipleOf` with the reference validator's float arithmetic (jsonschema's), so the fast
  validators give the same verdict on values such as 319.72 / 0.01.

The reference validator (`transpiler.amazon.vocabulary`), the compiled structural validator
(`transpiler.validation.keywords`) and the generated models' rules (`transpiler.rules.listing`)
all call these functions and only word their messages differently. Standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from transpiler.json_equality import json_key


def selected(item: Any, selectors: Sequence[str] | None) -> Any:
    """What an item is counted by: its selector values (in selector order), or the whole item."""
    if isinstance(item, Mapping) and selectors:
        return [item.get(name) for name in selectors]
    return item


def selector_counts(items: Iterable[Any], selectors: Sequence[str] | None) -> list[tuple[str, int]]:
    """(selector values as JSON text, number of items) per distinct combination, in first-seen order."""
    counts: dict[Any, list[Any]] = {}
    for item in items:
        values = selected(item, selectors)
        entry = counts.setdefault(json_key(values), [values, 0])
        entry[1] += 1
    return [(shown(values), count) for values, count in counts.values()]


def too_many(items: Iterable[Any], selectors: Sequence[str] | None, limit: int) -> list[tuple[str, int]]:
    """`maxUniqueItems`: the selector combinations carried by more than `limit` items."""
    return [(key, count) for key, count in selector_counts(items, selectors) if count > limit]


def too_few(items: Iterable[Any], selectors: Sequence[str] | None, limit: int) -> list[tuple[str, int]]:
    """`minUniqueItems`: the selector combinations carried by fewer than `limit` items."""
    return [(key, count) for key, count in selector_counts(items, selectors) if count < limit]


def shown(values: Any) -> str:
    """Selector values as compact JSON text, for messages."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def utf8_size(value: Any) -> int | None:
    """The length of a string in UTF-8 bytes (None for any other value: the keyword ignores it)."""
    return len(value.encode("utf-8")) if isinstance(value, str) else None


def is_multiple(value: Any, divisor: float) -> bool:
    """`multipleOf` exactly as the reference validator computes it (float division, then integrality).

    NaN and infinities (not JSON, but a Python caller can pass them) are multiples of nothing; a
    huge integer is divided exactly (jsonschema raises OverflowError on both).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(divisor, float):
        try:
            quotient = value / divisor
            return int(quotient) == quotient
        except OverflowError:  # a huge int, or a quotient beyond float: exact arithmetic
            return (Fraction(value) / Fraction(divisor)).denominator == 1
    return not value % divisor
