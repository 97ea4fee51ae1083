"""The built-in Data Factory tasks the Amazon jobs use, run inside the stand-in.

Inputs and outputs as learn.product-live.com documents them:

- `table-export-items`: `tableKey`, `mode` (ALL | REQUEST | USER_SELECTION), `request` (an
  `Items-Request` file, mode REQUEST), `partitions`, `maximum`, `fileName` → `file`, `listing`;
- `table-import-items`: `request` (items XML), `mode` (CREATE_OR_UPDATE | UPDATE_ONLY |
  CREATE_ONLY), `accountKey` → `report`, `createdItemsCount`, `updatedItemsCount`;
- `table-import-schema`: `request` (table XML), `mode` (INCREMENTAL | EXHAUSTIVE) → `report`.

Report files use the stand-in's own XML: Product-Live's report format is not documented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree

from transpiler.datafactory.standin.tables import EXPORT_MODES, TableError, parse_xml

if TYPE_CHECKING:
    from transpiler.datafactory.standin.engine import DataFactory


class TaskError(ValueError):
    """The built-in task fails (bad input, file refused); the message is shown on the job."""


def _text(inputs: dict[str, Any], name: str, default: str | None = None) -> str:
    value = inputs.get(name, default)
    if not isinstance(value, str) or not value:
        raise TaskError(f"input {name!r} is required")
    return value


def _table_key(factory: DataFactory, root: etree._Element) -> str:
    key = root.get("key")
    if root.tag != "Table" or not key:
        raise TaskError("the file must be a <Table key=\"...\"> document")
    return key


def export_items(factory: DataFactory, inputs: dict[str, Any]) -> dict[str, Any]:
    table_key = _text(inputs, "tableKey")
    mode = _text(inputs, "mode", "ALL")
    if mode not in EXPORT_MODES:
        raise TaskError(f"mode must be one of {', '.join(sorted(EXPORT_MODES))}")
    if mode == "USER_SELECTION":
        raise TaskError("mode USER_SELECTION needs a selection made in Product-Live's interface, "
                        "which the stand-in does not have: use ALL or REQUEST")
    request = None
    if mode == "REQUEST":
        request = parse_xml(factory.read_input_file(inputs.get("request"), "request"), "request")
    maximum = inputs.get("maximum")
    if maximum is not None and (isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1):
        raise TaskError("maximum must be a positive integer")
    partitions = inputs.get("partitions")
    if partitions is not None and not (isinstance(partitions, list) and all(isinstance(p, str) for p in partitions)):
        raise TaskError("partitions must be a list of partition keys")
    try:
        with factory.tables.lock:
            data = factory.tables.table(table_key, create=False).export(request, maximum, partitions)
    except TableError as exc:
        raise TaskError(str(exc)) from None
    name = inputs.get("fileName") if isinstance(inputs.get("fileName"), str) else "items.xml"
    exported = factory.file_dto(factory.add_file(name, data))
    listing = etree.Element("Files")
    entry = etree.SubElement(listing, "File")
    etree.SubElement(entry, "Url").text = exported["url"]
    etree.SubElement(entry, "File-Name").text = name
    listed = factory.add_file("listing.xml", etree.tostring(listing, xml_declaration=True, encoding="utf-8"))
    return {"file": exported, "listing": factory.file_dto(listed)}


def import_items(factory: DataFactory, inputs: dict[str, Any]) -> dict[str, Any]:
    mode = _text(inputs, "mode", "CREATE_OR_UPDATE")
    try:
        root = parse_xml(factory.read_input_file(inputs.get("request"), "request"), "request")
        key = _table_key(factory, root)
        with factory.tables.lock:
            report = factory.tables.table(key, create=False).import_items(root, mode, factory.clock.iso())
    except TableError as exc:
        raise TaskError(str(exc)) from None
    stored = factory.add_file("import-items-report.xml", report.xml(key, mode))
    return {"report": factory.file_dto(stored), "createdItemsCount": report.created,
            "updatedItemsCount": report.updated, "errorsCount": len(report.errors)}


def import_schema(factory: DataFactory, inputs: dict[str, Any]) -> dict[str, Any]:
    mode = _text(inputs, "mode", "INCREMENTAL")
    try:
        root = parse_xml(factory.read_input_file(inputs.get("request"), "request"), "request")
        key = _table_key(factory, root)
        with factory.tables.lock:
            problems = factory.tables.table(key).import_structure(root, mode)
    except TableError as exc:
        raise TaskError(str(exc)) from None
    if problems:
        raise TaskError(f"table {key}: " + "; ".join(problems[:20]))
    report = etree.Element("Import-Schema-Report", table=key, mode=mode)
    etree.SubElement(report, "Summary", fields=str(len(root.findall("Schema/Fields/Field"))))
    stored = factory.add_file("import-schema-report.xml",
                              etree.tostring(report, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return {"report": factory.file_dto(stored)}


BUILTINS = {
    "table-export-items": export_items,
    "table-import-items": import_items,
    "table-import-schema": import_schema,
}
