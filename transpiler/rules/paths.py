"""The one walker over dotted attribute paths in a listing's JSON.

Amazon's paths name properties only (`battery.weight.value`); arrays on the way are implied. A
path therefore reaches every value along every array: `walk` yields each with its location (the
property names and array indices that lead to it, as an issue's JSON pointer needs them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Loc = tuple[str | int, ...]

#: Stands for the value where a path stops short (a missing property, or not an object).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


def walk(node: Any, segments: list[str] | tuple[str, ...], loc: Loc = (), *, dead_ends: bool = False,
         ) -> Iterator[tuple[Loc, Any]]:
    """(location, value) of every value along `segments`, descending into arrays (at the end too).

    With `dead_ends`, a path that stops short also yields (location reached, MISSING), so "every
    item has a value" can be told from "some item has one".
    """
    if isinstance(node, list):
        for i, element in enumerate(node):
            yield from walk(element, segments, (*loc, i), dead_ends=dead_ends)
        return
    if not segments:
        yield loc, node
        return
    if isinstance(node, Mapping) and segments[0] in node:
        yield from walk(node[segments[0]], segments[1:], (*loc, segments[0]), dead_ends=dead_ends)
    elif dead_ends:
        yield loc, MISSING


def values(data: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path (see `walk`)."""
    return (value for _, value in walk(data, path.split(".")))


def parents(data: Any, path: str) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    """The objects that hold (or would hold) the last segment of a path, with their locations."""
    segments = path.split(".")
    for loc, parent in walk(data, segments[:-1]):
        if isinstance(parent, Mapping):
            yield loc, parent


def present(data: Any, path: str) -> bool:
    """True when some value is found at the path."""
    return any(True for _ in walk(data, path.split(".")))
