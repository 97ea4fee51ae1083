"""Streaming, hardened reader of Product-Live items exports (`table-export-items` XML).

The export of a whole table can hold 200,000 items and comes from outside the tool, so the reader
never builds the whole tree and never trusts the document: no DTD (a `<!DOCTYPE>` is refused, which
rules out entity bombs and external entities), no network, libxml2's default size guards
(`huge_tree=False`), bounded counts and value lengths, and every `<Item>` is cleared once read so
memory stays flat whatever the file size.

Problems are reported where they belong: a broken file raises `ItemsFileError` (items read before
the break have already been yielded and are processed normally); a problem inside one item (text
too long, too many values, too many levels) is recorded on that `Item` and the next items are read.

A multi-level table (model ▸ colour ▸ article) exports each item with the items of the next level
nested inside it, without `partition` (Product-Live's items XML). A top-level item is yielded with
its nested items in `children`, each nested item freed as soon as it is read.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from lxml import etree

from transpiler.errors import PlAmazonError
from transpiler.input_files import NotRegularFileError, open_regular
from transpiler.mapping.types import Quantity

#: Bytes handed to the parser at a time: bounded memory, and the items before a malformed spot are
#: yielded whatever the libxml2 version does with the rest of a chunk.
CHUNK_BYTES = 64 * 1024
#: A prolog (XML declaration, comments, processing instructions) longer than this is refused.
MAX_PROLOG_BYTES = 64 * 1024


class ItemsFileError(PlAmazonError):
    """The items file as a whole cannot be read (malformed XML, DTD, wrong root, too large)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Limits:
    """Upper bounds that keep a hostile or broken export from exhausting memory or time."""

    max_file_bytes: int = 2 * 1024**3
    max_items: int = 1_000_000  # Product-Live exports at most 200,000 items
    max_values_per_item: int = 5_000
    max_value_chars: int = 100_000  # Amazon's longest texts are a few thousand characters
    max_key_chars: int = 255  # Product-Live's key limit
    max_levels: int = 3  # Product-Live tables have a few levels (model ▸ colour ▸ article)
    max_family_items: int = 10_000  # items nested in one top-level item (Amazon caps families lower)


@dataclass(frozen=True)
class FieldValue:
    """One `<Field>` of an item: its text, unit suffix key (multi-unit NUMBER), or a deletion."""

    value: str | None
    suffix: str | None = None
    delete: bool = False


def field_values(value: Any) -> list[FieldValue]:
    """A field's value as the mapping gives it (`attributes_to_fields`) as the `<Field>`s exporting it."""
    if isinstance(value, Quantity):
        return [FieldValue(value.amount, value.suffix)]
    return [FieldValue(str(v)) for v in (value if isinstance(value, list) else [value])]


def append_field(parent: etree._Element, key: str, value: Any) -> None:
    """Write a field's value (`attributes_to_fields`) under `parent` as an export does (sample exports)."""
    for one in field_values(value):
        element = etree.SubElement(parent, "Field", key=key, **({"suffix": one.suffix} if one.suffix else {}))
        element.text = one.value


@dataclass(frozen=True)
class ItemProblem:
    """Something wrong with one item found while reading; the item is not sent."""

    field_key: str | None
    message: str  # French: it ends up in the acknowledgement read by Modelabs staff


@dataclass
class Item:
    """One item of the export: identifiers, classifications, field values by key, nested items.

    A field key may repeat (multi-valued fields): `fields[key]` keeps every value in file order.
    `level` is 1 for a top-level item, 2 for an item nested in it, and so on; `children` are the
    items of the next level, in file order.
    """

    index: int  # 1-based position in the file (nested items counted, in document order)
    line: int | None
    partition: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    classifications: dict[str, str] = field(default_factory=dict)
    fields: dict[str, list[FieldValue]] = field(default_factory=dict)
    problems: list[ItemProblem] = field(default_factory=list)
    #: the status of each conditional formatting as Product-Live exported it (key -> status key)
    statuses: dict[str, str] = field(default_factory=dict)
    level: int = 1
    children: list[Item] = field(default_factory=list)

    def descendants(self) -> Iterator[Item]:
        """Every nested item, depth first in file order."""
        for child in self.children:
            yield child
            yield from child.descendants()

    def identifier(self, key: str) -> str | None:
        value = self.identifiers.get(key)
        return value.strip() if value and value.strip() else None

    def first(self, key: str) -> str | None:
        """The first non-empty value of a field (None when absent)."""
        for value in self.fields.get(key, ()):
            if value.value is not None and value.value.strip() and not value.delete:
                return value.value.strip()
        return None


@dataclass(frozen=True)
class RawItem:
    """A top-level `<Item>` of an export as XML bytes, with its place in the export: the number of
    the `<Item>` in document order (nested items counted), and the line the export's parser gave
    each of its elements, in document order (the item itself first)."""

    index: int
    lines: tuple[int | None, ...]
    xml: bytes


class ItemsReader:
    """Iterate over the items of one export; `table_key` is known once iteration has started.

    With `table`, an export of another table (its `<Table key>`) is a file error at once: its field
    keys would be read against the wrong mapping.
    """

    def __init__(self, source: str | Path | IO[bytes], limits: Limits | None = None, *, table: str | None = None):
        self.source = source
        self.name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "<items>")
        self.limits = limits or Limits()
        self.expected_table = table
        self.table_key: str | None = None
        self.count = 0
        self._raw = False

    def __iter__(self) -> Iterator[Item]:
        if isinstance(self.source, str | Path):
            with self._open_file(self.source) as handle:
                yield from self._read(handle)
        else:
            yield from self._read(self.source)

    def raw_items(self) -> Iterator[RawItem]:
        """Every top-level item as its own XML (nested items included), read with the same checks
        and limits as `iter(reader)`, without building the items: worker processes build them
        (`items_from_raw`) while this process reads on. Raises ItemsFileError like `iter(reader)`."""
        self._raw = True
        try:
            yield from self  # type: ignore[misc]
        finally:
            self._raw = False

    def check_file(self) -> None:
        """Raise ItemsFileError now when the export cannot be read at all (missing, not a regular file,
        too large), before anything is started for it."""
        if isinstance(self.source, str | Path):
            self._open_file(self.source).close()

    def _open_file(self, path: str | Path) -> IO[bytes]:
        try:
            handle = open_regular(path)  # a FIFO or a device (/dev/zero) would never end
        except NotRegularFileError:
            raise ItemsFileError(self.name, "not a regular file (a device, a pipe or a folder)") from None
        except OSError as exc:
            raise ItemsFileError(self.name, f"cannot read the file: {exc.strerror or exc}") from None
        size = os.fstat(handle.fileno()).st_size
        if size > self.limits.max_file_bytes:
            handle.close()
            raise ItemsFileError(self.name, f"file is {size} bytes, over the {self.limits.max_file_bytes} limit")
        return handle

    def _read(self, handle: IO[bytes]) -> Iterator[Item]:
        """Feed the parser in bounded chunks and yield each complete `<Item>` as soon as it ends.

        Events parsed before a malformed spot are still delivered, whatever the libxml2 version,
        because they are drained after every chunk and once more after the error.
        """
        parser = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        prolog = _Prolog(self.name)
        state = _Walk()
        read = 0
        while True:
            chunk = handle.read(CHUNK_BYTES)
            read += len(chunk)
            if read > self.limits.max_file_bytes:
                raise ItemsFileError(self.name, f"more than {self.limits.max_file_bytes} bytes")
            if not prolog.done:
                prolog.check(chunk)  # refuses a DTD before libxml2 sees any of it
            error: etree.XMLSyntaxError | None = None
            try:
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
            except etree.XMLSyntaxError as exc:
                error = exc
            yield from self._events(parser, state)
            if error is not None:
                # Some libxml2 versions stop at a bad spot (an undefined entity) without a position
                # and only complain at the end: the last element opened is where it broke.
                line = error.lineno if getattr(error, "lineno", None) else state.line
                message = str(error.msg if getattr(error, "msg", None) else error).split("\n")[0]
                raise ItemsFileError(self.name, f"malformed XML: {message}", line) from None
            if not chunk:
                break
        if self.table_key is None:
            raise ItemsFileError(self.name, "empty document: no <Table> root")

    def _events(self, parser: etree.XMLPullParser, state: _Walk) -> Iterator[Item]:
        for event, element in parser.read_events():
            if event == "start":
                state.depth += 1
                if state.in_items and state.depth > 2:
                    self._started(element, state)
                state.line = self._line(element)
                if state.depth == 1:
                    self._check_root(element)
                elif state.depth == 2:
                    state.in_items = element.tag == "Items"
                elif state.in_items and element.tag == "Item" and state.depth - 2 == len(state.open) + 1:
                    self._open(element, state)
                continue
            # "end": every element directly under <Items> (or under the root) is freed once read,
            # <Item> or not, so memory stays flat whatever the file holds; a nested <Item> is
            # read into its parent and freed at once.
            level = state.depth - 2
            if self._raw and state.in_items and element.tag == "Item" and state.open and level == len(state.open):
                opened = state.open.pop()
                if level == 1:  # the whole item, nested items included, as its own XML
                    lines = tuple(each.sourceline for each in element.iter())
                    yield RawItem(opened.index, lines,  # type: ignore[misc]
                                  etree.tostring(element, encoding="utf-8", with_tail=False))
                    _forget(element)
            elif state.in_items and element.tag == "Item" and state.open and level == len(state.open):
                item = self._close(element, state)
                if level == 1:
                    _forget(element)
                    yield item
                else:
                    element.clear(keep_tail=False)
            elif (state.depth == 3 and state.in_items) or state.depth == 2:
                _forget(element)
            state.depth -= 1

    def _started(self, element: etree._Element, state: _Walk) -> None:
        """An element inside <Items> starts (a hook for `_ReadBack`)."""

    def _line(self, element: etree._Element) -> int | None:
        """The line of an element in the export (libxml2's: exact up to 65,535, estimated beyond)."""
        return element.sourceline

    def _open(self, element: etree._Element, state: _Walk) -> None:
        """An <Item> starts: number it (document order), and note the family it belongs to."""
        self.count += 1
        if self.count > self.limits.max_items:
            raise ItemsFileError(self.name, f"more than {self.limits.max_items} items", self._line(element))
        level = len(state.open) + 1
        if level == 1:
            state.family = 0
        else:
            state.family += 1
        state.open.append(_Open(self.count, level, state.family > self.limits.max_family_items))

    def _close(self, element: etree._Element, state: _Walk) -> Item:
        opened = state.open.pop()
        item = self._item(element, opened.index, opened.level)
        item.children = opened.children
        if opened.level > self.limits.max_levels:
            item.problems.append(ItemProblem(None, f"article imbriqué au niveau {opened.level} : la table n'a que "
                                                   f"{self.limits.max_levels} niveaux au plus"))
        if opened.level > 1 and state.open and not opened.over_limit:
            state.open[-1].children.append(item)
        if opened.level == 1 and state.family > self.limits.max_family_items:
            item.problems.append(ItemProblem(None, f"{state.family} articles imbriqués : au plus "
                                                   f"{self.limits.max_family_items} par article de premier niveau"))
        return item

    def _check_root(self, root: etree._Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
            raise ItemsFileError(self.name, "a DTD (<!DOCTYPE>) is not allowed in an items export", root.sourceline)
        if root.tag != "Table":
            raise ItemsFileError(self.name, f"root element is <{root.tag}>, expected <Table>", root.sourceline)
        key = (root.get("key") or "").strip()
        if not key:
            raise ItemsFileError(self.name, "<Table> has no key attribute", root.sourceline)
        if self.expected_table is not None and key != self.expected_table:
            raise ItemsFileError(self.name, f"this is an export of the table {key!r}, not of {self.expected_table!r}",
                                 root.sourceline)
        self.table_key = key

    def _item(self, element: etree._Element, index: int, level: int) -> Item:
        item = Item(index=index, line=self._line(element), partition=element.get("partition"), level=level)
        values = 0
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                if isinstance(child, etree._Entity):
                    item.problems.append(ItemProblem(None, "référence d'entité XML non autorisée"))
                continue
            if tag == "Item":
                continue  # read on its own (its end event came first) and attached to `item.children`
            if tag not in ("Identifier", "Classification", "Field", "Conditional-Formatting"):
                continue  # unknown elements are ignored, as Product-Live's own parser does
            key = (child.get("key") or "").strip()
            if not key or len(key) > self.limits.max_key_chars:
                item.problems.append(ItemProblem(None, f"élément <{tag}> sans clé valide (ligne {self._line(child)})"))
                continue
            values += 1
            if values > self.limits.max_values_per_item:
                item.problems.append(ItemProblem(None, f"plus de {self.limits.max_values_per_item} valeurs"))
                break
            text = _text(child)
            if text is None and any(isinstance(c, etree._Entity) for c in child):
                item.problems.append(ItemProblem(key, "référence d'entité XML non autorisée"))
                continue
            if text is not None and len(text) > self.limits.max_value_chars:
                item.problems.append(ItemProblem(key, f"valeur trop longue ({len(text)} caractères, maximum "
                                                      f"{self.limits.max_value_chars})"))
                continue
            if tag == "Identifier":
                item.identifiers[key] = text or ""
            elif tag == "Classification":
                item.classifications[key] = (text or "").strip()
            elif tag == "Conditional-Formatting":
                item.statuses[key] = (text or "").strip()
            elif tag == "Field":
                delete = (child.get("delete") or "").strip().lower() == "true"
                suffix = child.get("suffix")
                item.fields.setdefault(key, []).append(FieldValue(text, suffix.strip() if suffix else None, delete))
        return item


@dataclass
class _Open:
    """An <Item> whose end has not been read yet, and the nested items read so far."""

    index: int
    level: int
    over_limit: bool = False
    children: list[Item] = field(default_factory=list)


@dataclass
class _Walk:
    """Where the event walk is: element depth, whether it is inside `<Items>`, the open items."""

    depth: int = 0
    in_items: bool = False
    line: int | None = None  # of the last element opened
    open: list[_Open] = field(default_factory=list)
    family: int = 0  # items nested in the current top-level item so far


class _Prolog:
    """Looks at the bytes before the root element and refuses a `<!DOCTYPE>` there.

    Done on the raw bytes so no DTD (entity bomb, external entity) ever reaches libxml2, and the
    refusal does not depend on how a libxml2 version words or delays its own entity errors.
    """

    _ENCODINGS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                  (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

    def __init__(self, name: str):
        self.name = name
        self.head = b""
        self.done = False

    def check(self, chunk: bytes) -> None:
        self.head += chunk
        text = self._decode()
        position = 0
        while True:
            start = text.find("<", position)
            if start < 0 or len(text) - start < 9:
                break  # need more bytes
            if text.startswith("<?", start):
                end = text.find("?>", start)
            elif text.startswith("<!--", start):
                end = text.find("-->", start)
            elif text.startswith("<!", start):
                raise ItemsFileError(self.name, "a DTD (<!DOCTYPE>) is not allowed in an items export",
                                     text.count("\n", 0, start) + 1)
            else:
                self.done = True  # the root element: the prolog is over
                return
            if end < 0:
                break
            position = end + 2
        if not chunk:
            self.done = True  # end of input: the parser reports what is missing
        elif len(self.head) > MAX_PROLOG_BYTES:
            raise ItemsFileError(self.name, f"no root element in the first {MAX_PROLOG_BYTES} bytes")

    def _decode(self) -> str:
        for bom, encoding in self._ENCODINGS:
            if self.head.startswith(bom):
                return self.head[len(bom):].decode(encoding, errors="replace")
        if self.head[:2] in (b"<\x00", b"\x00<"):
            return self.head.decode("utf-16-le" if self.head[0] == 0x3C else "utf-16-be", errors="replace")
        return self.head.decode("latin-1")  # ASCII-compatible encodings: markup bytes are ASCII


def _text(element: etree._Element) -> str | None:
    """The element's text content (None when it has no text or holds an entity reference)."""
    if len(element) == 0:
        return element.text
    parts = [element.text or ""]
    for child in element:
        if isinstance(child, etree._Entity):
            return None
        parts.append(child.tail or "")
    return "".join(parts)


def _forget(element: etree._Element) -> None:
    """Free an element already read and the siblings before it (constant memory on huge files)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class _ReadBack(ItemsReader):
    """Reads raw items back as the export's reader built them: each `<Item>` numbered from its place
    in the export, and every element given the line the export's parser gave it (serialized alone,
    an item loses the line breaks inside its tags, and libxml2 only estimates lines past 65,535)."""

    def __init__(self, source: IO[bytes], limits: Limits | None, raws: list[RawItem]) -> None:
        super().__init__(source, limits)
        self._raws = iter(raws)
        self._lines: dict[etree._Element, int | None] = {}
        self._next_line: Iterator[int | None] = iter(())

    def _started(self, element: etree._Element, state: _Walk) -> None:
        if state.depth == 3 and element.tag == "Item":  # a top-level item: the next raw item
            raw = next(self._raws)
            self.count = raw.index - 1
            self._lines.clear()
            self._next_line = iter(raw.lines)
        self._lines[element] = next(self._next_line, None)

    def _line(self, element: etree._Element) -> int | None:
        return self._lines.get(element, element.sourceline)


def items_from_raw(table_key: str, raws: list[RawItem], limits: Limits | None = None) -> list[Item]:
    """The items of `raws` exactly as `iter(reader)` builds them from the export they were read from:
    same values, same problems, same numbers and lines. Raises ItemsFileError when the XML does not
    give back one item per raw item."""
    head = [b"<?xml version='1.0' encoding='utf-8'?><Table key=", quoteattr(table_key).encode("utf-8"), b"><Items>"]
    document = b"".join([*head, *(raw.xml for raw in raws), b"</Items></Table>"])
    items = list(_ReadBack(io.BytesIO(document), limits, raws))
    if len(items) != len(raws):
        raise ItemsFileError("<items>", f"{len(raws)} items sent, {len(items)} read back")
    return items


def read_items(source: str | Path | IO[bytes], limits: Limits | None = None) -> Iterator[Item]:
    """Every item of an export, in file order. Raises ItemsFileError when the file breaks."""
    return iter(ItemsReader(source, limits))
