"""The acknowledgement as a Product-Live items XML, for the `table-import-items` task.

One `<Item>` per acknowledged SKU fills the "Publication Amazon" fields of the generated table
(keys from `transpiler.mapping.publication`, so the table and the import always agree). Written
incrementally with lxml's `xmlfile`, so a 100,000-item acknowledgement never sits in memory.
Fields that have nothing to say are cleared (`delete="true"`) so an old issue list or submission id
does not survive a new publication; an ASIN already known is never cleared.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import IO

from lxml import etree

from transpiler.config import TABLE_KEY
from transpiler.mapping import publication
from transpiler.mapping.identifiers import SKU
from transpiler.productlive.acknowledgement import Acknowledgement

#: Product-Live LONG-TEXT values are not meant to be novels: the issue list is cut there.
MAX_ISSUES_CHARS = 20_000


def issues_text(ack: Acknowledgement) -> str:
    """The issue list as Modelabs staff read it in Product-Live: one issue per line, French."""
    lines = [issue.line() for issue in ack.issues]
    if ack.note:
        lines.insert(0, ack.note)
    if ack.unchanged:
        lines.insert(0, f"inchangé depuis la soumission du {ack.published_at or '?'} : non renvoyé")
    text = "\n".join(lines)
    if len(text) > MAX_ISSUES_CHARS:
        text = text[: MAX_ISSUES_CHARS - 40].rsplit("\n", 1)[0] + "\n[… liste tronquée, voir le rapport JSON]"
    return text


class AcknowledgementWriter(AbstractContextManager["AcknowledgementWriter"]):
    """`with AcknowledgementWriter(path) as w: w.write(ack)` — items without SKU are skipped (counted)."""

    def __init__(self, target: str | Path | IO[bytes], table_key: str = TABLE_KEY):
        self.target = target
        self.table_key = table_key
        self.written = 0
        self.skipped = 0
        self._file: IO[bytes] | None = None
        self._xf: etree.xmlfile | None = None
        self._contexts: list[AbstractContextManager[object]] = []
        self._writer: object = None

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
        """Write one item; False (and nothing written) when the acknowledgement has no SKU."""
        if not ack.sku:
            self.skipped += 1
            return False
        self._writer.write("\n    ")
        element = _item(ack)
        etree.indent(element, space="  ", level=2)
        self._writer.write(element)
        self.written += 1
        return True

    def write_all(self, acks: Iterable[Acknowledgement]) -> None:
        for ack in acks:
            self.write(ack)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        items, table = self._contexts.pop(), self._contexts.pop()
        self._writer.write("\n  ")
        items.__exit__(None, None, None)
        self._writer.write("\n")
        table.__exit__(None, None, None)
        self._xf.__exit__(None, None, None)
        if self._file is not None:
            self._file.close()


def _item(ack: Acknowledgement) -> etree._Element:
    item = etree.Element("Item")
    _child(item, "Identifier", SKU, ack.sku)
    _field(item, publication.STATUS, ack.status.value)
    if ack.mode in (publication.MODE_CREATE, publication.MODE_ENRICH):
        _field(item, publication.MODE, ack.mode)
    _field(item, publication.SUBMISSION_ID, ack.submission_id)
    if ack.asin:
        _field(item, publication.ASIN, ack.asin)
    for status in ack.listing_status:  # known once Amazon processed the listing; never cleared before
        if status in _LISTING_STATUSES:
            _field(item, publication.LISTING_STATUS, status)
    _field(item, publication.ISSUES, issues_text(ack) or None)
    if ack.published_at:
        _field(item, publication.PUBLISHED_AT, ack.published_at)
    return item


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
    path: str | Path | IO[bytes], acks: Iterable[Acknowledgement], table_key: str = TABLE_KEY
) -> int:
    """Write every acknowledgement with a SKU; returns how many items were written."""
    with AcknowledgementWriter(path, table_key) as writer:
        writer.write_all(acks)
    return writer.written
