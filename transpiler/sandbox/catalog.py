"""The seeded Amazon.fr catalog: existing ASINs a listing can attach to, and new ASINs.

`catalog.json` lists a few existing products (ASIN + EAN). A listing that names one of those
ASINs in `merchant_suggested_asin`, or carries one of those EANs, attaches to it; a new product
with an unknown EAN gets a new ASIN once its submission is processed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_FILE = Path(__file__).with_name("catalog.json")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class CatalogItem:
    asin: str
    ean: str
    product_type: str
    brand: str
    item_name: str


@dataclass(frozen=True)
class Catalog:
    items: tuple[CatalogItem, ...]

    def by_asin(self, asin: str) -> CatalogItem | None:
        return next((item for item in self.items if item.asin == asin), None)

    def by_ean(self, ean: str) -> CatalogItem | None:
        return next((item for item in self.items if item.ean == ean), None)


@cache
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """The catalog file, read once."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return Catalog(tuple(
        CatalogItem(e["asin"], e["ean"], e["productType"], e["brand"], e["itemName"]) for e in document["items"]
    ))


def new_asin(identifier: str) -> str:
    """A new ASIN, derived from the product identifier so it is stable across runs ("B0" + 8)."""
    number = int.from_bytes(hashlib.sha256(identifier.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(8):
        number, rest = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return "B0" + "".join(chars)


def gtin_is_valid(value: str) -> bool:
    """True when an EAN-8/UPC-12/EAN-13/GTIN-14 has a correct check digit."""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check
