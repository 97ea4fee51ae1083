"""The stand-in's table store: items of Product-Live tables, imported and exported as items XML.

An item is kept as Product-Live exports it (`<Item partition created updated>` with Identifier,
Classification, Conditional-Formatting and Field children). Items are matched on any of their
identifiers. When a table structure was imported (`table-import-schema`), an import that names a
field the table does not have reports it as an error, and an item's status for a conditional
formatting without a stored status is the formatting's default status. The stand-in does not
evaluate conditional-formatting rules: a status comes from the seeded item or that default.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO

from lxml import etree

#: Field types Product-Live's table XML accepts (Product-Live/bp-rust-table-xml-parser).
FIELD_TYPES = frozenset({
    "SINGLE-LINE-TEXT", "LONG-TEXT", "HTML-TEXT", "NUMBER", "SINGLE-SELECT", "MULTIPLE-SELECT",
    "MULTIPLE-SELECT-QUANTIFIED", "MULTIPLE-SELECT-QUANTIFIED-WITH-COMMENTS", "DATE", "DATE-TIME", "IMAGE",
    "ATTACHMENT",
})
IMPORT_MODES = frozenset({"CREATE_OR_UPDATE", "UPDATE_ONLY", "CREATE_ONLY"})
SCHEMA_MODES = frozenset({"INCREMENTAL", "EXHAUSTIVE"})
EXPORT_MODES = frozenset({"ALL", "REQUEST", "USER_SELECTION"})
#: table-export-items documents a 200,000-item ceiling per export.
MAX_EXPORT_ITEMS = 200_000

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class TableError(ValueError):
    """An import or export request Product-Live would refuse (bad file, unknown mode, unknown table)."""


def parse_xml(data: bytes, what: str) -> etree._Element:
    if b"<!DOCTYPE" in data[:4096]:
        raise TableError(f"{what}: a DOCTYPE is not accepted")
    try:
        return etree.parse(BytesIO(data), _PARSER).getroot()
    except etree.XMLSyntaxError as exc:
        raise TableError(f"{what}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None


@dataclass
class Structure:
    """What the stand-in keeps of an imported table structure."""

    xml: bytes
    fields: set[str]
    identifiers: list[str]
    classifications: set[str]
    default_statuses: dict[str, str]  # conditional formatting key -> default status key


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (item number, identifier, message)

    def xml(self, table_key: str, mode: str) -> bytes:
        """The stand-in's own report format (Product-Live's report XML is not documented)."""
        root = etree.Element("Import-Report", table=table_key, mode=mode)
        etree.SubElement(root, "Summary", created=str(self.created), updated=str(self.updated),
                         errors=str(len(self.errors)))
        errors = etree.SubElement(root, "Errors")
        for number, identifier, message in self.errors:
            etree.SubElement(errors, "Error", item=str(number), identifier=identifier).text = message
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _children(parent: etree._Element, tag: str, key: str) -> list[etree._Element]:
    """Children `<tag key="key">` (compared as strings: a key is never spliced into an XPath)."""
    return [e for e in parent.iterfind(tag) if e.get("key") == key]


def _identifiers(item: etree._Element) -> list[tuple[str, str]]:
    return [(e.get("key", ""), (e.text or "").strip()) for e in item.findall("Identifier") if (e.text or "").strip()]


class Table:
    """One table: its items (in import order) and, once imported, its structure."""

    def __init__(self, key: str):
        self.key = key
        self.items: list[etree._Element] = []
        self.structure: Structure | None = None
        self._index: dict[tuple[str, str], etree._Element] = {}

    def find(self, item: etree._Element) -> etree._Element | None:
        for identifier in _identifiers(item):
            found = self._index.get(identifier)
            if found is not None:
                return found
        return None

    def _add(self, item: etree._Element) -> None:
        self.items.append(item)
        for identifier in _identifiers(item):
            self._index[identifier] = item

    def replace_items(self, root: etree._Element, now: str) -> int:
        """Seed: every item of an items XML replaces the table's items."""
        self.items, self._index = [], {}
        for item in _items_of(root, self.key):
            stored = etree.fromstring(etree.tostring(item))
            stored.set("created", stored.get("created") or now)
            stored.set("updated", stored.get("updated") or now)
            self._add(stored)
        return len(self.items)

    def status(self, item: etree._Element, formatting: str) -> str | None:
        for stored in _children(item, "Conditional-Formatting", formatting):
            if (stored.text or "").strip():
                return stored.text.strip()
        return self.structure.default_statuses.get(formatting) if self.structure else None

    # -- table-import-items ------------------------------------------------------------------
    def import_items(self, root: etree._Element, mode: str, now: str) -> ImportReport:
        if mode not in IMPORT_MODES:
            raise TableError(f"mode must be one of {', '.join(sorted(IMPORT_MODES))}, not {mode!r}")
        report = ImportReport()
        for number, item in enumerate(_items_of(root, self.key), 1):
            identifiers = _identifiers(item)
            label = ", ".join(f"{k}={v}" for k, v in identifiers) or "-"
            if not identifiers:
                report.errors.append((number, label, "the item has no identifier"))
                continue
            existing = self.find(item)
            if existing is None and mode == "UPDATE_ONLY":
                report.errors.append((number, label, "no such item in the table (mode UPDATE_ONLY)"))
                continue
            if existing is not None and mode == "CREATE_ONLY":
                report.errors.append((number, label, "the item already exists (mode CREATE_ONLY)"))
                continue
            unknown = self._unknown_fields(item)
            for key in unknown:
                report.errors.append((number, label, f"the table has no field {key!r}"))
            if existing is None:
                existing = etree.Element("Item", partition=item.get("partition") or "ACTIVE", created=now)
                for key, value in identifiers:
                    etree.SubElement(existing, "Identifier", key=key).text = value
                self._add(existing)
                report.created += 1
            else:
                report.updated += 1
            self._merge(existing, item, unknown, now)
        return report

    def _unknown_fields(self, item: etree._Element) -> set[str]:
        if self.structure is None:
            return set()
        return {e.get("key", "") for e in item.findall("Field")} - self.structure.fields

    def _merge(self, target: etree._Element, source: etree._Element, skip: set[str], now: str) -> None:
        if source.get("partition"):
            target.set("partition", source.get("partition"))
        for key, value in _identifiers(source):
            if (key, value) not in _identifiers(target):
                for old in _children(target, "Identifier", key):
                    target.remove(old)
                etree.SubElement(target, "Identifier", key=key).text = value
                self._index[(key, value)] = target
        for tag in ("Classification", "Field"):
            keys = [e.get("key", "") for e in source.findall(tag)]
            for key in dict.fromkeys(keys):
                if tag == "Field" and key in skip:
                    continue
                for old in _children(target, tag, key):
                    target.remove(old)
                for new in _children(source, tag, key):
                    if new.get("delete") == "true":
                        continue
                    copy = etree.SubElement(target, tag, key=key)
                    copy.text = new.text
                    for name, value in new.attrib.items():
                        if name not in ("key", "delete"):
                            copy.set(name, value)
        target.set("updated", now)

    # -- table-export-items ------------------------------------------------------------------
    def export(self, request: etree._Element | None, maximum: int | None, partitions: list[str] | None) -> bytes:
        statuses, properties = _request(request) if request is not None else ({}, None)
        chosen: list[etree._Element] = []
        for item in self.items:
            if partitions and item.get("partition") not in partitions:
                continue
            if any(self.status(item, key) not in allowed for key, allowed in statuses.items()):
                continue
            chosen.append(item)
            if len(chosen) >= min(maximum or MAX_EXPORT_ITEMS, MAX_EXPORT_ITEMS):
                break
        root = etree.Element("Table", key=self.key)
        items = etree.SubElement(root, "Items")
        for item in chosen:
            items.append(self._exported(item, properties))
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

    def _exported(self, item: etree._Element, properties: set[tuple[str, str]] | None) -> etree._Element:
        out = etree.Element("Item", {k: v for k, v in item.attrib.items()})
        children = list(item)
        if self.structure is not None:
            present = {e.get("key") for e in item.findall("Conditional-Formatting")}
            for key, status in sorted(self.structure.default_statuses.items()):
                if key not in present:
                    computed = etree.Element("Conditional-Formatting", key=key)
                    computed.text = status
                    children.append(computed)
        order = {"Identifier": 0, "Classification": 1, "Conditional-Formatting": 2, "Field": 3}
        for child in sorted(children, key=lambda e: order.get(e.tag, 4)):
            if properties is not None and child.tag != "Conditional-Formatting" \
                    and (child.tag, child.get("key", "")) not in properties:
                continue
            out.append(etree.fromstring(etree.tostring(child)))
        return out

    def items_xml(self) -> bytes:
        root = etree.Element("Table", key=self.key)
        items = etree.SubElement(root, "Items")
        for item in self.items:
            items.append(etree.fromstring(etree.tostring(item)))
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

    # -- table-import-schema -----------------------------------------------------------------
    def import_structure(self, root: etree._Element, mode: str) -> list[str]:
        """Keep the structure; returns the problems found (an empty list when it was accepted)."""
        if mode not in SCHEMA_MODES:
            raise TableError(f"mode must be INCREMENTAL or EXHAUSTIVE, not {mode!r}")
        problems = _structure_problems(root)
        if problems:
            return problems
        schema = root.find("Schema")
        fields = {f.get("key", "") for f in schema.iterfind("Fields/Field")}
        identifiers = [i.get("key", "") for i in schema.iterfind("Identifiers/Identifier")]
        classifications = {c.get("key", "") for c in schema.iterfind("Classifications/Classification")}
        defaults = {cf.get("key", ""): cf.find("Default-Status").get("key", "")
                    for cf in schema.iterfind("Conditional-Formattings/Conditional-Formatting")
                    if cf.find("Default-Status") is not None}
        if mode == "INCREMENTAL" and self.structure is not None:
            fields |= self.structure.fields
            classifications |= self.structure.classifications
            defaults = {**self.structure.default_statuses, **defaults}
            identifiers = list(dict.fromkeys([*self.structure.identifiers, *identifiers]))
        self.structure = Structure(etree.tostring(root, xml_declaration=True, encoding="utf-8"), fields,
                                   identifiers, classifications, defaults)
        return []


def _items_of(root: etree._Element, table_key: str) -> Iterator[etree._Element]:
    if root.tag != "Table":
        raise TableError(f"the root element must be <Table>, not <{root.tag}>")
    if root.get("key") != table_key:
        raise TableError(f"the file is for table {root.get('key')!r}, not {table_key!r}")
    container = root.find("Items")
    yield from ([] if container is None else container.iterfind("Item"))


def _request(request: etree._Element) -> tuple[dict[str, set[str]], set[tuple[str, str]] | None]:
    """Filters (status per conditional formatting) and properties of an `Items-Request` file."""
    if request.tag != "Items-Request":
        raise TableError(f"the export request must be an <Items-Request>, not <{request.tag}>")
    statuses: dict[str, set[str]] = {}
    for element in request.iterfind("Filters/*"):
        if element.tag != "Filter-Conditional-Formatting":
            raise TableError(f"the stand-in does not implement the filter <{element.tag}>")
        statuses.setdefault(element.get("key", ""), set()).update(
            (s.text or "").strip() for s in element.iterfind("Status"))
    container = request.find("Properties")
    properties = None
    if container is not None:
        properties = {(e.tag, e.get("key", "")) for e in container}
    return statuses, properties


def _structure_problems(root: etree._Element) -> list[str]:
    problems: list[str] = []
    if root.tag != "Table" or not root.get("key"):
        return ["the root element must be <Table key=\"...\">"]
    if not (root.findtext("Title") or "").strip():
        problems.append("the table has no Title")
    schema = root.find("Schema")
    if schema is None:
        return [*problems, "the table has no Schema"]
    for container, tag in (("Fields", "Field"), ("Identifiers", "Identifier"), ("Levels", "Level")):
        keys = [e.get("key", "") for e in schema.iterfind(f"{container}/{tag}")]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(f"duplicate {tag} key {key!r}")
        for key in keys:
            if not key or key != key.strip() or len(key) > 255:
                problems.append(f"invalid {tag} key {key!r}")
    for f in schema.iterfind("Fields/Field"):
        if f.get("type") not in FIELD_TYPES:
            problems.append(f"field {f.get('key')!r}: unknown type {f.get('type')!r}")
        if not (f.findtext("Title") or "").strip():
            problems.append(f"field {f.get('key')!r}: no Title")
    return problems


class TableStore:
    """Every table by key, created on first use; one lock for all of them."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.lock = threading.RLock()

    def table(self, key: str, create: bool = True) -> Table:
        with self.lock:
            if key not in self.tables:
                if not create:
                    raise TableError(f"no table {key!r} in this account")
                self.tables[key] = Table(key)
            return self.tables[key]

    def keys(self) -> Iterable[str]:
        return sorted(self.tables)
