"""Numbers Amazon reads exactly as they were written.

Amazon reads JSON numbers as IEEE 754 binary64 values (RFC 8259 §6: beyond that range and
precision, implementations disagree). So a value is accepted only when binary64 carries it
unchanged:

- a decimal that is exactly what its binary64 value prints back as (any decimal of up to 15
  significant digits, `DBL_DIG`, and the up-to-17-digit form of any binary64 value), so the
  listing Amazon stores is the value the user typed;
- an integer field's value within ±(2**53 - 1), the range RFC 8259 calls interoperable;
- nothing beyond binary64's range (`1e400` is not infinity), nothing that rounds to zero
  (`1e-400`), no `NaN` / `Infinity` (not JSON at all).

Product-Live writes NUMBER values as plain decimal text (`77`, `6.2`, `6,2`): exponents, digit
group separators (`1_000`) and non-ASCII digits are refused rather than guessed.
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal

#: RFC 8259 §6: integers in [-(2**53)+1, (2**53)-1] are exact in every binary64 implementation.
MAX_SAFE_INTEGER = 2**53 - 1
#: Decimal digits that always survive a round trip through binary64 (C's DBL_DIG).
MAX_SIGNIFICANT_DIGITS = sys.float_info.dig
#: Longest number text looked at: every binary64 value, even the smallest, writes out in plain
#: decimals in about 330 characters; anything longer is refused before any conversion, so a
#: 5,000-digit value costs nothing.
MAX_NUMBER_CHARS = 400

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)


class NumberTextError(ValueError):
    """Text that is not a number Amazon would receive unchanged; the message is French (it is
    shown to the Product-Live user as the issue of the field)."""


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "…"


def parse_decimal(text: str, *, integer: bool = False) -> int | float:
    """The number of a Product-Live NUMBER value: an int when it has no decimal part, else a float.

    Raises NumberTextError (French message) for anything that is not plain decimal text, for
    `integer` values with a decimal part, and for values binary64 would not carry exactly.
    """
    value = text.strip()
    if len(value) > MAX_NUMBER_CHARS:
        raise NumberTextError(f"« {_shown(value)} » compte {len(value)} caractères : trop long pour un nombre")
    if not _DECIMAL.fullmatch(value):
        raise NumberTextError(f"« {_shown(value)} » n'est pas un nombre décimal (chiffres, avec « . » ou « , » "
                              "avant les décimales, sans exposant)")
    plain = value.replace(",", ".")
    number = Decimal(plain)
    integral = number == number.to_integral_value()
    if integer:
        if not integral:
            raise NumberTextError(f"« {_shown(value)} » n'est pas un nombre entier")
        if abs(number) > MAX_SAFE_INTEGER:
            raise NumberTextError(f"« {_shown(value)} » dépasse le plus grand entier qu'Amazon reçoit exactement "
                                  f"({MAX_SAFE_INTEGER})")
        return int(number)
    read = float(number)  # what Amazon reads: a few hundred digits at most here, so always finite
    if Decimal(repr(read)) != number:
        raise NumberTextError(f"« {_shown(value)} » deviendrait {read!r} chez Amazon (un nombre binary64 garde "
                              f"{MAX_SIGNIFICANT_DIGITS} à 17 chiffres significatifs)")
    return int(number) if integral and "." not in plain else read


def json_number_problem(text: str) -> str | None:
    """Why a JSON number literal (or `NaN` / `Infinity`) is not a number Amazon can read, or None.

    English (for developers and the sandbox's error bodies). Unlike `parse_decimal`, any valid
    JSON number within binary64's range is fine here: this is about JSON, not about typed text.
    """
    if text in ("NaN", "Infinity", "-Infinity"):
        return f"{text} is not a JSON number"
    if len(text) > MAX_NUMBER_CHARS:
        return f"a number of {len(text)} characters is beyond the range of a binary64 number"
    value = float(text)  # a valid JSON literal always converts; out of range gives inf or 0.0
    if math.isinf(value):
        return f"{_shown(text)} is beyond the range of a binary64 number"
    mantissa = re.split(r"[eE]", text, maxsplit=1)[0]
    if value == 0.0 and any(ch in "123456789" for ch in mantissa):
        return f"{_shown(text)} is too small for a binary64 number (it would read as 0)"
    return None
