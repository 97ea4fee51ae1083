"""JSON equality, the way JSON Schema defines it (`enum`, `const`, `uniqueItems`).

`1` and `1.0` are the same number, `true` is not `1`, objects are equal whatever their key order,
arrays element by element. Python's `==` gets two of these wrong (`True == 1`, and booleans nested
in lists), so every comparison of JSON values in the project goes through `json_key`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def json_key(value: Any) -> Any:
    """A hashable key, equal for exactly the values JSON Schema calls equal."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, (list, tuple)):
        return ("array", tuple(json_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", frozenset((k, json_key(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def json_equal(a: Any, b: Any) -> bool:
    """True when JSON Schema calls `a` and `b` equal."""
    return bool(json_key(a) == json_key(b))


def json_in(value: Any, values: Iterable[Any]) -> bool:
    """True when `value` equals one of `values` (JSON equality)."""
    key = json_key(value)
    return any(key == json_key(v) for v in values)
