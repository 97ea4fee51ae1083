"""The stand-in's table store: items of Product-Live tables, imported and exported as items XML.

An item is kept as Product-Live exports it (`<Item partition created updated>` with Identifier,
Classification, Conditional-Formatting and Field children, then the items of the next level nested
inside: model ▸ colour ▸ article). A top-level item is matched on any of its identifiers; a nested
item on any of its identifiers among the items of its parent (a colour code repeats from one model
to the next). When a table structure was imported (`table-import-schema`), an import that names a
field the table does not have, or a field of another level, reports it as an error, and an item's
status for a conditional formatting of its level without a stored status is the formatting's
default status. The stand-in does not evaluate conditional-formatting rules: a status comes from the
seeded item or that default.

An export filtered on a conditional formatting (`Filter-Conditional-Formatting`) keeps the items of
that formatting's level whose status is allowed, with the items nested inside them, and their
parents; a parent none of whose items is kept is left out. (Product-Live does not document how it
filters a multi-level table; this is the reading under which an export never carries an item
whose own status was filtered out.)
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
    #: level keys, top first (one unnamed level for a table without levels)
    levels: list[str] = field(default_factory=list)
    #: field, identifier or conditional formatting key -> its level key (absent: the top level)
    level_of: dict[str, str] = field(default_factory=dict)

    def depth_of(self, key: str) -> int:
        """The depth (1 = top) of the level a field, identifier or formatting belongs to."""
        level = self.level_of.get(key)
        return self.levels.index(level) + 1 if level in self.levels else 1

    def level_name(self, depth: int) -> str:
        return self.levels[depth - 1] if 0 < depth <= len(self.levels) else str(depth)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    seen: int = 0  # items read, every level counted (numbers the errors)
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
    """One table: its items (top level, in import order; nested items inside them) and, once
    imported, its structure."""

    def __init__(self, key: str):
        self.key = key
        self.items: list[etree._Element] = []
        self.structure: Structure | None = None
        self._index: dict[tuple[str, str], etree._Element] = {}

    def find(self, item: etree._Element, parent: etree._Element | None = None) -> etree._Element | None:
        """The stored item `item` names: among the top-level items, or among `parent`'s items."""
        if parent is None:
            for identifier in _identifiers(item):
                found = self._index.get(identifier)
                if found is not None:
                    return found
            return None
        wanted = set(_identifiers(item))
        for child in parent.iterfind("Item"):
            if wanted & set(_identifiers(child)):
                return child
        return None

    def _add(self, item: etree._Element) -> None:
        self.items.append(item)
        for identifier in _identifiers(item):
            self._index[identifier] = item

    def replace_items(self, root: etree._Element, now: str) -> int:
        """Seed: every item of an items XML replaces the table's items; returns how many articles
        (items without nested items) it holds."""
        self.items, self._index = [], {}
        for item in _items_of(root, self.key):
            stored = etree.fromstring(etree.tostring(item))
            for each in stored.iter("Item"):
                each.set("created", each.get("created") or now)
                each.set("updated", each.get("updated") or now)
            self._add(stored)
        return sum(1 for top in self.items for each in top.iter("Item") if each.find("Item") is None)

    def status(self, item: etree._Element, formatting: str, depth: int = 1) -> str | None:
        for stored in _children(item, "Conditional-Formatting", formatting):
            if (stored.text or "").strip():
                return stored.text.strip()
        if self.structure is None or self.structure.depth_of(formatting) != depth:
            return None
        return self.structure.default_statuses.get(formatting)

    # -- table-import-items ------------------------------------------------------------------
    def import_items(self, root: etree._Element, mode: str, now: str) -> ImportReport:
        if mode not in IMPORT_MODES:
            raise TableError(f"mode must be one of {', '.join(sorted(IMPORT_MODES))}, not {mode!r}")
        report = ImportReport()
        for item in _items_of(root, self.key):
            self._import(item, None, 1, mode, now, report)
        return report

    def _import(self, item: etree._Element, parent: etree._Element | None, depth: int, mode: str, now: str,
                report: ImportReport) -> None:
        report.seen += 1
        number = report.seen
        identifiers = _identifiers(item)
        label = ", ".join(f"{k}={v}" for k, v in identifiers) or "-"
        if not identifiers:
            report.errors.append((number, label, "the item has no identifier"))
            return
        existing = self.find(item, parent)
        if existing is None and mode == "UPDATE_ONLY":
            report.errors.append((number, label, "no such item in the table (mode UPDATE_ONLY)"))
            return
        if existing is not None and mode == "CREATE_ONLY":
            report.errors.append((number, label, "the item already exists (mode CREATE_ONLY)"))
            return
        unknown = self._unknown_fields(item, depth)
        for _key, problem in sorted(unknown.items()):
            report.errors.append((number, label, problem))
        if existing is None:
            existing = etree.Element("Item", created=now)
            if parent is None:
                existing.set("partition", item.get("partition") or "ACTIVE")
            for key, value in identifiers:
                etree.SubElement(existing, "Identifier", key=key).text = value
            if parent is None:
                self._add(existing)
            else:
                parent.append(existing)
            report.created += 1
        else:
            report.updated += 1
        self._merge(existing, item, set(unknown), now, top=parent is None)
        for child in item.iterfind("Item"):
            self._import(child, existing, depth + 1, mode, now, report)

    def _unknown_fields(self, item: etree._Element, depth: int) -> dict[str, str]:
        """Fields the structure refuses on an item at `depth`: key -> why."""
        if self.structure is None:
            return {}
        problems = {}
        for key in dict.fromkeys(e.get("key", "") for e in item.findall("Field")):
            if key not in self.structure.fields:
                problems[key] = f"the table has no field {key!r}"
            elif self.structure.levels and self.structure.depth_of(key) != depth:
                problems[key] = (f"the field {key!r} belongs to the level {self.structure.level_of.get(key)!r}, "
                                 f"not {self.structure.level_name(depth)!r}")
        return problems

    def _merge(self, target: etree._Element, source: etree._Element, skip: set[str], now: str,
               top: bool = True) -> None:
        if top and source.get("partition"):
            target.set("partition", source.get("partition"))
        for key, value in _identifiers(source):
            if (key, value) not in _identifiers(target):
                for old in _children(target, "Identifier", key):
                    target.remove(old)
                identifier = etree.Element("Identifier", key=key)
                identifier.text = value
                _insert_before_items(target, identifier)
                if top:
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
                    copy = etree.Element(tag, key=key)
                    copy.text = new.text
                    for name, value in new.attrib.items():
                        if name not in ("key", "delete"):
                            copy.set(name, value)
                    _insert_before_items(target, copy)
        target.set("updated", now)

    # -- table-export-items ------------------------------------------------------------------
    def export(self, request: etree._Element | None, maximum: int | None, partitions: list[str] | None) -> bytes:
        statuses, properties = _request(request) if request is not None else ({}, None)
        cap = min(maximum or MAX_EXPORT_ITEMS, MAX_EXPORT_ITEMS)
        root = etree.Element("Table", key=self.key)
        items = etree.SubElement(root, "Items")
        exported = 0
        depths = {key: self._filter_depth(key) for key in statuses}
        for item in self.items:
            if partitions and item.get("partition") not in partitions:
                continue
            out = self._exported(item, 1, statuses, depths, properties)
            if out is None:
                continue
            items.append(out)
            exported += 1
            if exported >= cap:
                break
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)

    def _filter_depth(self, formatting: str) -> int:
        """The depth a status filter applies at: its formatting's level, or (no structure) the
        first depth at which an item carries it."""
        if self.structure is not None:
            return self.structure.depth_of(formatting)
        for top in self.items:
            for depth, item in _walk(top, 1):
                if _children(item, "Conditional-Formatting", formatting):
                    return depth
        return 1

    def _exported(self, item: etree._Element, depth: int, statuses: dict[str, set[str]], depths: dict[str, int],
                  properties: set[tuple[str, str]] | None, *, matched: frozenset[str] = frozenset(),
                  ) -> etree._Element | None:
        """The item as exported (None when a filter leaves it out); `depths`: each filter's depth."""
        here = {key for key in statuses if depths[key] == depth}
        if any(self.status(item, key, depth) not in statuses[key] for key in here):
            return None
        matched = matched | here
        out = etree.Element("Item", {k: v for k, v in item.attrib.items()})
        children = [child for child in item if child.tag != "Item"]
        if self.structure is not None:
            present = {e.get("key") for e in item.findall("Conditional-Formatting")}
            for key, status in sorted(self.structure.default_statuses.items()):
                if key not in present and self.structure.depth_of(key) == depth:
                    computed = etree.Element("Conditional-Formatting", key=key)
                    computed.text = status
                    children.append(computed)
        order = {"Identifier": 0, "Classification": 1, "Conditional-Formatting": 2, "Field": 3}
        for child in sorted(children, key=lambda e: order.get(e.tag, 4)):
            if properties is not None and child.tag != "Conditional-Formatting" \
                    and (child.tag, child.get("key", "")) not in properties:
                continue
            out.append(etree.fromstring(etree.tostring(child)))
        nested = [self._exported(child, depth + 1, statuses, depths, properties, matched=matched)
                  for child in item.iterfind("Item")]
        kept = [child for child in nested if child is not None]
        if not kept and set(statuses) - matched:
            return None  # a filter applies further down and none of the items inside passed it
        out.extend(kept)
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
        levels = [level.get("key", "") for level in
                  sorted(schema.iterfind("Levels/Level"), key=lambda e: _index_of(e.get("index")))]
        level_of = {e.get("key", ""): e.get("level", "") for path in
                    ("Fields/Field", "Identifiers/Identifier", "Conditional-Formattings/Conditional-Formatting")
                    for e in schema.iterfind(path) if e.get("level")}
        if mode == "INCREMENTAL" and self.structure is not None:
            fields |= self.structure.fields
            classifications |= self.structure.classifications
            defaults = {**self.structure.default_statuses, **defaults}
            identifiers = list(dict.fromkeys([*self.structure.identifiers, *identifiers]))
            levels = levels or self.structure.levels
            level_of = {**self.structure.level_of, **level_of}
        self.structure = Structure(etree.tostring(root, xml_declaration=True, encoding="utf-8"), fields,
                                   identifiers, classifications, defaults, levels, level_of)
        return []


def _index_of(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        return 0


def _walk(item: etree._Element, depth: int) -> Iterator[tuple[int, etree._Element]]:
    yield depth, item
    for child in item.iterfind("Item"):
        yield from _walk(child, depth + 1)


def _insert_before_items(target: etree._Element, element: etree._Element) -> None:
    """Append a property to an item, before the items nested in it (the export order)."""
    first = target.find("Item")
    if first is None:
        target.append(element)
    else:
        first.addprevious(element)


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
