"""GTIN / EAN check digits: a product created without ASIN is matched by its barcode.

A wrong check digit is the most common typo in a PIM; Amazon rejects it after a round trip, so
the publisher checks it before sending and names the field.
"""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)  # EAN-8, UPC-A, EAN-13, GTIN-14


def check_digit(body: str) -> int:
    """The GS1 check digit of `body` (the GTIN without its last digit)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def gtin_problem(value: str) -> str | None:
    """Why `value` is not a valid GTIN, in French (None when it is valid)."""
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        return f"« {text} » n'est pas un code EAN/GTIN : seuls les chiffres sont admis"
    if len(text) not in GTIN_LENGTHS:
        return f"« {text} » a {len(text)} chiffres : un EAN/GTIN en a 8, 12, 13 ou 14"
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        return f"« {text} » a une clé de contrôle erronée (attendue : {expected})"
    return None


def is_valid_gtin(value: str) -> bool:
    return gtin_problem(value) is None


def gtin_type(value: str) -> str:
    """Amazon's `externally_assigned_product_identifier.type` for a valid code: `upc` for 12 digits, else `ean`.

    GTIN-14 codes are declared as `gtin`.
    """
    length = len(value.strip())
    if length == 12:
        return "upc"
    if length == 14:
        return "gtin"
    return "ean"
