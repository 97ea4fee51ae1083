"""Seeded generators of the large inputs the benchmarks read.

Items exports are built from the top-level items of the sample export (`examples/items.xml`),
whatever their shape (single items or variation families with nested items): each copy gets its
own identifiers (every SKU-like identifier renamed, every EAN a new valid GTIN-13) and a few values
varied by a `random.Random(seed)`, so two runs with the same seed write byte-identical files and
the mix of product types, families and refusals stays the sample's. Files are written as a stream
(`lxml.etree.xmlfile`), so a 100,000-item export costs no more memory than one item.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from transpiler.productlive.gtin import check_digit

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "items.xml"
#: text fields a copy varies (when the template has them): titles, keywords, prices stay plausible
VARIED_TEXTS = ("item_name", "generic_keyword_1", "product_description")
VARIED_PRICES = ("list_price_value_with_tax",)
WORDS = ("édition", "pack", "officiel", "nouveau", "premium", "essentiel", "vendeur", "garantie", "France", "lot")


@dataclass(frozen=True)
class Export:
    """A generated export: where it is, how many `<Item>` elements (nested ones too) it holds."""

    path: Path
    items: int
    top_level: int
    skus: tuple[str, ...] = ()  # the articles' SKUs, in order (`write_items`)


def _templates(example: Path) -> list[etree._Element]:
    root = etree.parse(str(example)).getroot()
    return [copy.deepcopy(item) for item in root.find("Items") if item.tag == "Item"]


def _renamed(template: etree._Element, serial: int, prefix: str, rng: random.Random) -> etree._Element:
    item = copy.deepcopy(template)
    for identifier in item.iter("Identifier"):
        key = identifier.get("key") or ""
        text = (identifier.text or "").strip()
        if key == "EAN" and text:
            body = f"37{rng.randrange(10**10):010d}"
            identifier.text = body + str(check_digit(body))
        elif text:
            identifier.text = f"{prefix}{serial:06d}-{text}"
    for element in item.iter("Field"):
        key = element.get("key")
        if key in VARIED_TEXTS and element.text and rng.random() < 0.5:
            element.text = f"{element.text} {rng.choice(WORDS)}"
        elif key in VARIED_PRICES and element.text and rng.random() < 0.5:
            element.text = f"{rng.randrange(5, 1500)}.{rng.randrange(100):02d}"
    return item


def items_of(count: int, *, seed: int | str, prefix: str = "BENCH",
             example: Path = EXAMPLE) -> Iterator[tuple[etree._Element, int]]:
    """Top-level items (with the number of `<Item>` elements each holds) until `count` items in all."""
    rng = random.Random(seed)
    templates = _templates(example)
    made = serial = 0
    while made < count:
        item = _renamed(rng.choice(templates), serial, prefix, rng)
        serial += 1
        size = sum(1 for _ in item.iter("Item"))
        made += size
        yield item, size


def write_export(path: Path, count: int, *, seed: int | str = 17, prefix: str = "BENCH",
                 example: Path = EXAMPLE) -> Export:
    """An export of at least `count` items cloned from the sample export (see the module docstring)."""
    table = etree.parse(str(example)).getroot().get("key") or "AMAZON_FR"
    items = top = 0
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Table", key=table), xf.element("Items"):
            for item, size in items_of(count, seed=seed, prefix=prefix, example=example):
                xf.write(item)
                items += size
                top += 1
    return Export(path, items, top)


def write_items(path: Path, count: int, *, template_sku: str = "MDL-COQUE-S24-NOIR", prefix: str = "BENCH",
                seed: int | str = 17, example: Path = EXAMPLE) -> Export:
    """`count` copies of the top-level item holding the article `template_sku` (a model with its one
    article), each with its own identifiers: the Listings rate runs send items that are all
    accepted, so every request is a PUT the rate limit counts."""
    rng = random.Random(seed)
    template = next(t for t in _templates(example)
                    if any((i.text or "").strip() == template_sku for i in t.iter("Identifier")))
    skus: list[str] = []
    items = 0
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Table", key="AMAZON_FR"), xf.element("Items"):
            for serial in range(count):
                item = _renamed(template, serial, prefix, rng)
                skus.extend((i.text or "").strip() for i in item.iter("Identifier") if i.get("key") == "SKU")
                items += sum(1 for _ in item.iter("Item"))
                xf.write(item)
    return Export(path, items, count, tuple(skus))
