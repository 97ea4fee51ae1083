"""Amazon's validating keywords, implemented once for every validator of the project.

- `maxUniqueItems` / `minUniqueItems`: the items of an array are counted per combination of the
  values of their `selectors` properties (the whole item when there are no selectors); no
  combination may appear more (fewer) times than the limit. Values are compared with JSON
  equality.
- `maxUtf8ByteLength` / `minUtf8ByteLength`: a string's length in UTF-8 bytes.
- `multipleOf` on the decimal numbers the JSON text writes (19.99 is a multiple of 0.01), as a
  validator with decimal arithmetic judges it; binary floating point would refuse most prices
  (19.99 / 0.01 = 1998.9999999999998 in floats), and every validator of the project uses this one
  definition so their verdicts agree.

The reference validator (`transpiler.amazon.vocabulary`), the compiled structural validator
(`transpiler.validation.keywords`) and the generated models' rules (`transpiler.rules.listing`)
all call these functions and only word their messages differently. Standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
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
    """`multipleOf` on the decimal values the JSON text writes: 19.99 is a multiple of 0.01.

    A float is read back as the shortest decimal that round-trips to it (`repr`), which is the
    number as written in the JSON document for every value a listing carries; the division is
    then exact (fractions), so huge integers and tiny steps are judged exactly too. NaN and
    infinities (not JSON, but a Python caller can pass them) are multiples of nothing.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, int) and isinstance(divisor, int) and not isinstance(divisor, bool):
        return value % divisor == 0
    return (_exact(value) / _exact(divisor)).denominator == 1


def _exact(number: int | float) -> Fraction:
    """The exact rational value of a JSON number (a float by the decimal it was written as)."""
    return Fraction(Decimal(repr(number))) if isinstance(number, float) else Fraction(number)
