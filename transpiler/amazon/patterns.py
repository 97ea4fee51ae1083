"""`pattern` as JSON Schema reads it (ECMA-262 regular expressions), for Python and Rust engines.

JSON Schema patterns are ECMA-262 expressions: there `\\d` is `[0-9]`, `\\w` is `[0-9A-Za-z_]` and
`\\s` is ECMA's white space and line terminators, whatever the text, and `$` (without the multiline
flag) matches at the very end only. jsonschema-rs, which makes `validate()`'s verdict, reads them
so. Python's `regex` (the reference validator, the rules evaluator) and Rust's `regex` (pydantic,
in the generated models) read `\\d`, `\\w` and `\\s` as Unicode classes (`٣` is a digit, `é` a word
character), and Python's `$` also matches before a final newline. `for_python` and `for_rust`
rewrite those escapes into explicit classes both engines read alike, so that every validator of the
project judges a pattern the same way.
"""

from __future__ import annotations

from typing import Any

_MAX = 0x10FFFF
#: ECMA-262 WhiteSpace and LineTerminator code points, as ranges.
_SPACE = ((0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
          (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF))
_DIGIT = ((0x30, 0x39),)
_WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_CLASSES = {"d": _DIGIT, "w": _WORD, "s": _SPACE}


def _char(code: int) -> str:
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out = []
    start = 0
    for lo, hi in ranges:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _MAX:
        out.append((start, _MAX))
    return tuple(out)


def _rewrite(pattern: str, *, end_of_text: str | None) -> str:
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            letter = pattern[i + 1]
            if letter.lower() in _CLASSES:
                ranges = _CLASSES[letter.lower()]
                if letter.isupper():
                    ranges = _complement(ranges)
                out.append(_ranges(ranges) if in_class else f"[{_ranges(ranges)}]")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":  # keep `[^` together
                out.append("[^")
                i += 2
                continue
        elif char == "$" and end_of_text is not None:
            char = end_of_text
        out.append(char)
        i += 1
    return "".join(out)


def for_python(pattern: str) -> str:
    """The pattern for Python's `regex` module, with ECMA-262's classes and end of text."""
    return _rewrite(pattern, end_of_text="\\Z")


def for_rust(pattern: str) -> str:
    """The pattern for Rust's `regex` crate (pydantic), with ECMA-262's classes."""
    return _rewrite(pattern, end_of_text=None)


def search(pattern: str, text: str) -> bool:
    """Whether `text` matches the JSON Schema `pattern` somewhere (as jsonschema-rs judges it)."""
    import regex

    found: Any = regex.search(for_python(pattern), text)
    return found is not None
