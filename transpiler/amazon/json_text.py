"""Reading JSON from outside the tool (payloads, request bodies, schema files) without surprises.

Python's `json` accepts more than JSON and fails in ways callers do not expect: it takes `NaN`
and `Infinity`, turns `1e400` into infinity and `1e-400` into 0, raises a bare ValueError on an
integer of 5,000 digits and a RecursionError on arrays nested 5,000 deep. `read_json` keeps the
document but reports each number Amazon could not read (`BadNumber`, with its location; the value
itself is replaced by None), and refuses unreadable text with one `JsonTextError`: not UTF-8, not
JSON, nested deeper than `max_depth`, or a string holding a lone UTF-16 surrogate.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from transpiler.amazon.numbers import json_number_problem

#: Amazon's deepest documents (product type schemas, the Listings Items model) nest 18 levels.
MAX_DEPTH = 64

Loc = tuple[str | int, ...]


class JsonTextError(ValueError):
    """The text cannot be read as JSON at all (English message, with its line when known)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, pointer: str = ""):
        self.message = message
        self.line = line
        self.column = column
        self.pointer = pointer
        where = f"line {line} column {column}: " if line else (f"at {pointer}: " if pointer else "")
        super().__init__(f"{where}{message}")


@dataclass(frozen=True)
class BadNumber:
    """A number of the document that Amazon could not read as written (replaced by None)."""

    loc: Loc
    text: str  # as written in the document
    problem: str  # English

    @property
    def pointer(self) -> str:
        return pointer(self.loc)


@dataclass(frozen=True)
class JsonDocument:
    value: Any
    bad_numbers: tuple[BadNumber, ...] = ()


class _Literal:
    """Stands for a refused number until the walk records where it is."""

    __slots__ = ("problem", "text")

    def __init__(self, text: str, problem: str):
        self.text = text
        self.problem = problem


def pointer(loc: Loc) -> str:
    """The JSON pointer (RFC 6901) of a location given as keys and indices."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _number(text: str, convert: Any) -> Any:
    problem = json_number_problem(text)
    return _Literal(text, problem) if problem else convert(text)


def read_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> JsonDocument:
    """The document in `data` with its refused numbers. Raises JsonTextError when unreadable."""
    try:
        value = json.loads(
            data,
            parse_constant=lambda text: _Literal(text, f"{text} is not a JSON number"),
            parse_float=lambda text: _number(text, float),
            parse_int=lambda text: _number(text, int),
        )
    except json.JSONDecodeError as exc:
        raise JsonTextError(exc.msg, exc.lineno, exc.colno) from None
    except UnicodeDecodeError:
        raise JsonTextError("the text is not UTF-8") from None
    except RecursionError:
        raise JsonTextError(f"nested deeper than {max_depth} levels") from None
    if isinstance(value, _Literal):
        return JsonDocument(None, (BadNumber((), value.text, value.problem),))
    if isinstance(value, str):
        _check_text(value, ())
    if not isinstance(value, dict | list):
        return JsonDocument(value)
    return JsonDocument(value, tuple(sorted(_walk(value, max_depth), key=lambda bad: bad.pointer)))


def _walk(root: Any, max_depth: int) -> Iterator[BadNumber]:
    """Check depth and strings, and swap each refused number for None (iterative: no recursion)."""
    stack: list[tuple[Any, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if len(loc) >= max_depth:
            raise JsonTextError(f"nested deeper than {max_depth} levels", pointer=pointer(loc))
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in pairs:
            if isinstance(key, str):
                _check_text(key, loc)
            if isinstance(child, _Literal):
                node[key] = None
                yield BadNumber((*loc, key), child.text, child.problem)
            elif isinstance(child, dict | list):
                stack.append((child, (*loc, key)))
            elif isinstance(child, str):
                _check_text(child, (*loc, key))


def _check_text(text: str, loc: Loc) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise JsonTextError("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff)",
                                pointer=pointer(loc)) from None
