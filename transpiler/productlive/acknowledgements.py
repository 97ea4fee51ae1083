"""The acknowledgement as a Product-Live items XML, for the `table-import-items` task.

One `<Item>` per acknowledged SKU fills the "Publication Amazon" fields of the generated table
(keys from `transpiler.mapping.publication`, so the table and the import always agree). Written
incrementally with lxml's `xmlfile`, so a 100,000-item acknowledgement never sits in memory.

Every field says something about this publication or is cleared (`delete="true"`), so nothing of an
older one survives beside the new status:

- `amazon_status`, always; `amazon_publication_mode`, `amazon_submission_id`,
  `amazon_published_at` (set only when the item was sent), `amazon_issues` (the issues only, so an
  empty field means "no problem"), `amazon_publication_note` (what the publisher did): set or cleared;
- `amazon_asin` and `amazon_product_page`: only from Amazon's answer for this SKU; a submission
  Amazon refused does not take an ASIN away from a product Amazon already lists, so they are left
  as they are when Amazon gave none;
- `amazon_result` ("Statut Amazon"): set when Amazon answered about this SKU (accepted, pending,
  refused, problem after publication), left as it is when nothing reached Amazon;
- `amazon_listing_status`: set once Amazon has processed the listing.

Fields are named by their French title in the issue lines (`titles`); the keys stay in report.json.

Items of a multi-level export are answered in the same hierarchy, as Product-Live imports them: the
model (`PARENT_SKU`, with the parent listing's answer in its `amazon_parent_*` fields), its colours
(identifier only) and its articles nested inside. They are kept until the file is closed (a family
is answered over the whole run: parent first, children later, follow-up reads last).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import IO

from lxml import etree

from transpiler.config import TABLE_KEY
from transpiler.mapping import publication
from transpiler.mapping.identifiers import PARENT_SKU, SKU
from transpiler.productlive.acknowledgement import Acknowledgement, Status

#: Product-Live LONG-TEXT values are not meant to be novels: the issue list is cut there.
MAX_ISSUES_CHARS = 20_000


def issues_text(ack: Acknowledgement, titles: Mapping[str, str] | None = None) -> str:
    """The issue list as Modelabs staff read it in Product-Live: one issue per line, French, fields
    named by their title; empty when nothing was found."""
    text = "\n".join(issue.line(titles) for issue in ack.issues)
    if len(text) > MAX_ISSUES_CHARS:
        text = text[: MAX_ISSUES_CHARS - 40].rsplit("\n", 1)[0] + "\n[… liste tronquée, voir le rapport JSON]"
    return text


def note_text(ack: Acknowledgement) -> str:
    """What the publisher did with the item (not a problem: its own field)."""
    lines = [ack.note] if ack.note else []
    if ack.unchanged:
        lines.insert(0, f"inchangé depuis la soumission du {ack.published_at or '?'} : non renvoyé")
    return "\n".join(lines)


def amazon_result(ack: Acknowledgement) -> str | None:
    """Amazon's verdict on the SKU (`publication.RESULT_OPTIONS`), None when nothing reached Amazon."""
    late = [i for i in ack.issues if i.stage == "processing" and i.source == "amazon"]
    if ack.status == Status.INVALID and ack.operation is not None:
        return publication.RESULT_PROBLEM if any(i.is_error for i in late) else publication.RESULT_REFUSED
    if ack.status != Status.ACCEPTED:
        return None
    if late:
        return publication.RESULT_PROBLEM
    if ack.asin and ack.listing_status:
        return publication.RESULT_ACCEPTED
    return publication.RESULT_PENDING


class AcknowledgementWriter(AbstractContextManager["AcknowledgementWriter"]):
    """`with AcknowledgementWriter(path) as w: w.write(ack)` — items without SKU, and a second answer
    for the same item, are skipped (counted): the first answer of an item is the one imported."""

    def __init__(self, target: str | Path | IO[bytes], table_key: str = TABLE_KEY,
                 titles: Mapping[str, str] | None = None):
        self.target = target
        self.table_key = table_key
        self.titles = titles
        self.written = 0
        self.skipped = 0
        self._file: IO[bytes] | None = None
        self._xf: etree.xmlfile | None = None
        self._contexts: list[AbstractContextManager[object]] = []
        self._writer: object = None
        self._tree = _Node()  # nested answers, written when the file is closed
        self._keys: set[tuple[object, ...]] = set()  # the items answered so far

    def __enter__(self) -> AcknowledgementWriter:
        if isinstance(self.target, str | Path):
            path = Path(self.target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb")
            sink: IO[bytes] = self._file
        else:
            sink = self.target
        self._xf = etree.xmlfile(sink, encoding="utf-8")
        self._writer = self._xf.__enter__()
        self._writer.write_declaration()
        table = self._writer.element("Table", key=self.table_key)
        table.__enter__()
        self._contexts.append(table)
        self._writer.write("\n  ")
        items = self._writer.element("Items")
        items.__enter__()
        self._contexts.append(items)
        return self

    def write(self, ack: Acknowledgement) -> bool:
        """Write one item; False (and nothing written) when the acknowledgement has no SKU (or is an
        article whose model has no identifier: it could not be placed)."""
        if not ack.sku or (ack.role == "child" and not ack.path):
            self.skipped += 1
            return False
        key = (ack.path, ack.identifier or SKU, ack.sku)
        if key in self._keys:  # one row per item: a second one would overwrite the first's answer on import
            self.skipped += 1
            return False
        self._keys.add(key)
        if ack.path or (ack.identifier or SKU) != SKU:
            node = self._tree
            for step in (*ack.path, (ack.identifier or SKU, ack.sku)):
                node = node.child(step)
            node.ack = ack
            self.written += 1
            return True
        self._put(_item(ack, self.titles))
        self.written += 1
        return True

    def _put(self, element: etree._Element) -> None:
        self._writer.write("\n    ")
        etree.indent(element, space="  ", level=2)
        self._writer.write(element)

    def discard(self) -> None:
        """Close the file without completing it (the caller throws it away)."""
        if self._file is not None:
            self._file.close()

    def write_all(self, acks: Iterable[Acknowledgement]) -> None:
        for ack in acks:
            self.write(ack)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for node in sorted(self._tree.children.values(), key=_Node.first):
            self._put(node.element(self.titles))
        items, table = self._contexts.pop(), self._contexts.pop()
        self._writer.write("\n  ")
        items.__exit__(None, None, None)
        self._writer.write("\n")
        table.__exit__(None, None, None)
        self._xf.__exit__(None, None, None)
        if self._file is not None:
            self._file.close()


class _Node:
    """One item of the nested answer: its identifier, its own answer (if any), the items inside it."""

    def __init__(self, step: tuple[str, str] | None = None):
        self.step = step
        self.ack: Acknowledgement | None = None
        self.children: dict[tuple[str, str], _Node] = {}

    def child(self, step: tuple[str, str]) -> _Node:
        if step not in self.children:
            self.children[step] = _Node(step)
        return self.children[step]

    def first(self) -> int:
        """The smallest position in the export of the answers it holds (file order)."""
        own = [self.ack.index] if self.ack else []
        return min(own + [c.first() for c in self.children.values()] or [0])

    def element(self, titles: Mapping[str, str] | None = None) -> etree._Element:
        assert self.step is not None
        item = _item(self.ack, titles) if self.ack else _bare(*self.step)
        for child in sorted(self.children.values(), key=_Node.first):
            item.append(child.element(titles))
        return item


def _bare(key: str, value: str) -> etree._Element:
    item = etree.Element("Item")
    _child(item, "Identifier", key, value)
    return item


def _item(ack: Acknowledgement, titles: Mapping[str, str] | None = None) -> etree._Element:
    identifier = ack.identifier or SKU
    item = _bare(identifier, ack.sku or "")
    key = publication.parent_key if identifier == PARENT_SKU else _same
    result = amazon_result(ack)
    if result is not None:
        _field(item, key(publication.RESULT), result)
    _field(item, key(publication.STATUS), ack.status.value)
    _field(item, key(publication.MODE), ack.mode if ack.mode in (publication.MODE_CREATE, publication.MODE_ENRICH)
           else None)
    _field(item, key(publication.SUBMISSION_ID), ack.submission_id)
    if ack.asin:  # from Amazon's answer for this SKU only
        _field(item, key(publication.ASIN), ack.asin)
        _field(item, key(publication.PRODUCT_PAGE), publication.PRODUCT_PAGE_URL.format(asin=ack.asin))
    for status in ack.listing_status:  # known once Amazon processed the listing; never cleared before
        if status in _LISTING_STATUSES:
            _field(item, key(publication.LISTING_STATUS), status)
    _field(item, key(publication.ISSUES), issues_text(ack, titles) or None)
    _field(item, key(publication.NOTE), note_text(ack) or None)
    sent = ack.operation is not None or ack.unchanged
    _field(item, key(publication.PUBLISHED_AT), ack.published_at if sent else None)
    return item


def _same(key: str) -> str:
    return key


_LISTING_STATUSES = frozenset(key for key, _ in publication.LISTING_STATUS_OPTIONS)


def _child(parent: etree._Element, tag: str, key: str, text: str | None) -> None:
    element = etree.SubElement(parent, tag, key=key)
    element.text = _clean(text or "")


def _field(parent: etree._Element, key: str, text: str | None) -> None:
    if text:
        _child(parent, "Field", key, text)
    else:
        etree.SubElement(parent, "Field", key=key, delete="true")


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters from Amazon messages)."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))


def write_acknowledgements(
    path: str | Path | IO[bytes], acks: Iterable[Acknowledgement], table_key: str = TABLE_KEY,
    titles: Mapping[str, str] | None = None,
) -> int:
    """Write every acknowledgement with a SKU; returns how many items were written."""
    with AcknowledgementWriter(path, table_key, titles) as writer:
        writer.write_all(acks)
    return writer.written
