"""Preparing an export on several cores gives exactly what one core gives.

`prepared_units` with worker processes (each top-level item sent as its XML, built again by
`items_from_raw`, prepared there) against the single-core path on the same export: the same units in
the same order (listings, attributes, issues, numbers, lines), the same feed documents byte for
byte, and the same end when the export breaks half way. Exports: a seeded 600-item copy of the
sample export (every product type, refusals included), variation families with colours, items with
problems of their own.
"""

from __future__ import annotations

import copy
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.inputs import Export, write_export
from benchmarks.pipeline import run_pipeline
from tests.family_items import article, ean, export, model_item
from transpiler.config import Settings
from transpiler.errors import PlAmazonError
from transpiler.productlive.items import ItemsReader, items_from_raw, read_items
from transpiler.publish.family import Single, Unit
from transpiler.publish.mappings import MappingSet
from transpiler.publish.preparation import PARALLEL_FROM_BYTES, prepared_units, workers_for
from transpiler.workspace import Workspace


def _listings(unit: Unit) -> list[Any]:
    return [unit.listing] if isinstance(unit, Single) else [unit.parent, *unit.children]


def _shown(units: list[Unit]) -> list[bytes]:
    """Everything a unit carries, mapping named by its category (the objects differ, not the data)."""
    out = []
    for unit in units:
        for listing in _listings(unit):
            category = listing.mapping.category if listing.mapping is not None else None
            out.append(pickle.dumps((type(unit).__name__, category, {**vars(listing), "mapping": None},
                                     getattr(unit, "placement", None), getattr(unit, "placements", None))))
    return out


def _prepared(path: Path, workers: int, chunk: int = 7) -> tuple[list[Unit], str | None]:
    workspace = Workspace.create(Settings().with_overrides(seller_id="MODEL"))
    table = MappingSet.load(workspace.mapping_dir)
    units: list[Unit] = []
    error = None
    try:
        for unit in prepared_units(ItemsReader(path), workspace, table, workers=workers, chunk_items=chunk):
            units.append(unit)
    except PlAmazonError as exc:
        error = exc.one_line()
    return units, error


@pytest.fixture(scope="module")
def generated_export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    return write_export(tmp_path_factory.mktemp("export") / "export.xml", 600, seed="test_preparation")


@pytest.fixture(scope="module")
def generated(generated_export: Export) -> Path:
    return generated_export.path


def test_two_workers_write_the_feed_documents_one_core_writes(generated_export: Export) -> None:
    one, two = run_pipeline(generated_export.path, workers=2), run_pipeline(generated_export.path, workers=1)
    assert one == two
    assert one.items == generated_export.top_level and generated_export.items >= 600
    assert one.listings > one.items  # variation families: a parent and its children
    assert 0 < one.sendable < one.listings and one.documents >= 1  # refusals were there


def test_two_workers_prepare_the_units_one_core_prepares(generated_export: Export) -> None:
    serial, _ = _prepared(generated_export.path, 1)
    parallel, _ = _prepared(generated_export.path, 2)
    assert len(serial) == len(parallel) == generated_export.top_level
    assert _shown(parallel) == _shown(serial)
    assert any(listing.issues for unit in serial for listing in _listings(unit))


def test_families_and_item_problems_come_back_alike(tmp_path: Path) -> None:
    family = model_item("MOD-S24", [article("S24-128-NOIR", "Noir Onyx", 128, ean("370000000101")),
                                    article("S24-256-NOIR", "Noir Onyx", 256, ean("370000000102")),
                                    article("S24-128-VIOLET", "Violet Cobalt", 128, ean("370000000103"))],
                        colours=True)
    twins = model_item("MOD-TWINS", [article("TW-1", "Noir Onyx", 128, ean("370000000201")),
                                     article("TW-2", "Noir Onyx", 128, ean("370000000202"))])
    broken_key = model_item("MOD-KEY", [article("KEY-1", "Noir Onyx", 128, ean("370000000301"))])
    broken_key.append(broken_key.makeelement("Field", {"key": ""}))  # an element without a key: an item problem
    path = export(tmp_path / "families.xml", family, twins, broken_key, *[
        model_item(f"MOD-{n}", [article(f"A-{n}", "Noir Onyx", 128, ean(f"3700000004{n:02d}"))]) for n in range(12)])
    for chunk in (1, 2, 5):
        serial, parallel = _prepared(path, 1), _prepared(path, 2, chunk)
        assert _shown(parallel[0]) == _shown(serial[0])
    problems = [p.message for unit in serial[0] for listing in _listings(unit) for p in listing.issues]
    assert any("ligne" in message for message in problems)  # the line in the message is the export's


def test_a_broken_export_ends_alike_after_the_same_items(generated: Path, tmp_path: Path) -> None:
    data = generated.read_bytes()
    cut = data.index(b"<Item ", len(data) // 2) + 40  # inside an item start tag, half way
    path = tmp_path / "broken.xml"
    path.write_bytes(data[:cut] + b"<<<" + data[cut:])
    serial, serial_error = _prepared(path, 1)
    parallel, parallel_error = _prepared(path, 2, chunk=10)
    assert serial_error is not None and "malformed XML" in serial_error
    assert parallel_error == serial_error
    assert _shown(parallel) == _shown(serial) and len(serial) > 50


def test_items_read_back_from_their_xml_are_the_items_read(generated: Path) -> None:
    reader = ItemsReader(generated)
    raws = list(reader.raw_items())
    direct = list(read_items(generated))
    for size in (1, 13, len(raws)):
        back = [item for start in range(0, len(raws), size)
                for item in items_from_raw(reader.table_key or "", raws[start:start + size])]
        assert back == direct


def test_items_read_back_keep_the_export_s_lines(tmp_path: Path) -> None:
    """The lines quoted in problems are the export's: also where a tag spans two lines (lost when an
    item is serialized alone) and past line 65,535 (where libxml2 only estimates them)."""
    data = write_export(tmp_path / "plain.xml", 3000, seed="test_preparation:lines").path.read_bytes()
    data = data.replace(b'<Field key="brand">', b'<Field\n  key="brand">')
    data = data.replace(b'<Field key="model_name">', b'<Field key="">sans cl\xc3\xa9</Field>\n<Field key="model_name">')
    path = tmp_path / "odd.xml"
    path.write_bytes(data)
    reader = ItemsReader(path)
    raws = list(reader.raw_items())
    direct = list(read_items(path))
    quoted = [int(m) for item in direct for each in (item, *item.descendants()) for problem in each.problems
              for m in re.findall(r"ligne (\d+)", problem.message)]
    assert len(quoted) >= 500 and max(quoted) > 70_000
    for size in (1, 13):
        back = [item for start in range(0, len(raws), size)
                for item in items_from_raw(reader.table_key or "", raws[start:start + size])]
        assert back == direct


def test_small_exports_stay_in_one_process() -> None:
    assert workers_for(None, PARALLEL_FROM_BYTES - 1) == 1
    assert workers_for(None, PARALLEL_FROM_BYTES) >= 1
    assert workers_for(3, 10) == 3 and workers_for(0, None) == 1


def test_publish_on_two_workers_acknowledges_as_on_one(publish_run, sandbox_definitions, tmp_path: Path) -> None:
    """`publish` itself, by feed, against two fresh sandboxes: the same answer for every item."""
    import json

    from tests.sandbox_fixtures import FAST
    from transpiler.sandbox.runner import open_sandbox

    generated = write_export(tmp_path / "export.xml", 120, seed="test_preparation:publish")
    items = generated.path
    # the first model again at the end: its SKUs are duplicates, refused naming the first one's line
    tree = etree.parse(str(items))
    listed = tree.getroot().find("Items")
    listed.append(copy.deepcopy(listed[0]))
    tree.write(str(items), encoding="utf-8", xml_declaration=True)

    def answers(workers: int) -> tuple[list[dict[str, Any]], bytes]:
        handle = open_sandbox(data=tmp_path / f"sandbox-{workers}", product_types=sandbox_definitions, **FAST)
        try:
            result = publish_run(handle, tmp_path / f"run-{workers}", items, via="feed", workers=workers)
        finally:
            handle.stop()
        report = json.loads(result.report_path.read_text(encoding="utf-8"))
        # the sandboxes' clocks start at the wall clock's time: the publication times differ
        xml = re.sub(rb'(<Field key="amazon_published_at">)[^<]*', rb"\1", result.acknowledgements_path.read_bytes())
        return [{k: v for k, v in entry.items() if k != "publishedAt"} for entry in report["items"]], xml

    (one, one_xml), (two, two_xml) = answers(1), answers(2)
    assert len(one) >= generated.top_level and one == two
    assert one_xml == two_xml
    assert {entry["status"] for entry in one} >= {"ACCEPTED", "INVALID"}
    duplicates = [entry for entry in one if "PL_DUPLICATE_SKU" in json.dumps(entry)]
    assert duplicates and all(re.search(r"ligne \d+", json.dumps(entry, ensure_ascii=False)) for entry in duplicates)
