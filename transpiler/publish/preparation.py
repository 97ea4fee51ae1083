"""Items of an export -> the units to publish, on one core or on several.

Preparing an item (mapping its fields, checking its identity, validating its attributes against
Amazon's schema) is pure computation, independent from one item to the next: a large export is
prepared by worker processes, chunk by chunk, while this process reads the export and sends what is
ready. The units come back in the export's order and are exactly those the single-core path makes
(the same function runs on the same items), so acknowledgements and feed documents are byte for
byte the same whatever the number of workers.

Only what is worth it goes to the workers: below `PARALLEL_FROM_BYTES` of export (a few hundred
items, under a second of work) one process does everything, as starting workers would cost more
than it saves. At most `2 × workers` chunks are in flight, so memory stays bounded on a 100,000-item
export.

On Linux the workers are forked from this process: they start at once and share the product types
and validators it has compiled. Elsewhere they are spawned and build their own workspace from the
same settings and folders.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transpiler.config import Settings
from transpiler.errors import PlAmazonError
from transpiler.productlive.items import ItemsReader, Limits, RawItem, items_from_raw
from transpiler.publish.family import Family, Single, Unit, units
from transpiler.publish.listing import AUTO, Listing, Validate
from transpiler.publish.mappings import MappingSet
from transpiler.validation.validate import BoundValidate
from transpiler.workspace import Workspace

#: Items handed to a worker at a time: large enough that the round trip costs little per item.
CHUNK_ITEMS = 100
#: Exports smaller than this are prepared in this process (about 7 KB an item: a few hundred items).
PARALLEL_FROM_BYTES = 4 * 1024 * 1024


def default_workers() -> int:
    """The cores this process may use (at most 8: beyond, reading the export is the bound)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 8))


def workers_for(requested: int | None, export_bytes: int | None) -> int:
    """How many worker processes to use: `requested` when given (1 = this process only), else the
    usable cores for an export of at least PARALLEL_FROM_BYTES, else 1."""
    if requested is not None:
        return max(1, requested)
    if export_bytes is not None and export_bytes < PARALLEL_FROM_BYTES:
        return 1
    return default_workers()


def export_size(reader: ItemsReader) -> int | None:
    """The size in bytes of the export a reader reads from a file (None for a stream)."""
    if isinstance(reader.source, str | Path):
        try:
            return Path(reader.source).stat().st_size
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class Recipe:
    """What a worker needs to prepare items as this process would (picklable)."""

    settings: Settings
    assets_root: Path
    generated_root: Path
    mode: str = AUTO
    limits: Limits | None = None


class _Worker:
    """The preparation state of one worker process: its workspace, table and validator."""

    def __init__(self, recipe: Recipe, workspace: Workspace | None, table: MappingSet | None) -> None:
        self.recipe = recipe
        self.workspace = workspace or Workspace(recipe.settings, recipe.assets_root, recipe.generated_root)
        self.table = table or MappingSet.load(self.workspace.mapping_dir)
        self.validate = BoundValidate(self.workspace)

    def prepare(self, table_key: str, raws: list[RawItem]) -> list[tuple[Unit, list[str | None]]]:
        out = []
        for item in items_from_raw(table_key, raws, self.recipe.limits):
            unit = units(item, self.table, self.recipe.settings, mode=self.recipe.mode, validate=self.validate)
            categories = []
            for listing in _listings(unit):
                # a mapping is large: it goes back as its category and is put back from the table there
                categories.append(listing.mapping.category if listing.mapping is not None else None)
                listing.mapping = None
            out.append((unit, categories))
        return out


#: The state of this process when it is a preparation worker (set by `_start_worker`, once per
#: worker process; never set in the process that reads the export).
_WORKER: _Worker | None = None


def _start_worker(recipe: Recipe, workspace: Workspace | None, table: MappingSet | None) -> None:
    global _WORKER
    _WORKER = _Worker(recipe, workspace, table)


def _prepare_chunk(table_key: str, raws: list[RawItem]) -> list[tuple[Unit, list[str | None]]]:
    assert _WORKER is not None, "not a preparation worker"
    return _WORKER.prepare(table_key, raws)


def _listings(unit: Unit) -> Iterator[Listing]:
    if isinstance(unit, Single):
        yield unit.listing
    else:
        yield unit.parent
        yield from unit.children


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def prepared_units(reader: ItemsReader, workspace: Workspace, table: MappingSet, *, mode: str = AUTO,
                   validate: Validate | None = None, workers: int = 1,
                   chunk_items: int = CHUNK_ITEMS) -> Iterator[Unit]:
    """The unit of each top-level item of the export `reader` reads, in order (see the module
    docstring). Raises ItemsFileError as `iter(reader)` does, once the items before the break are out.

    With workers, this process only reads: each top-level item goes to a worker as its XML
    (`ItemsReader.raw_items`), which builds the item exactly as `iter(reader)` would
    (`items_from_raw`) and prepares it.

    `validate` defaults to `transpiler.validation.validate` in `workspace` (`BoundValidate`). A caller's own
    `validate` (a test double, a wrapped validator) cannot be sent to another process: then, or with
    `workers=1`, everything runs here.
    """
    settings = workspace.settings
    if workers <= 1 or validate is not None:
        if validate is None:
            validate = BoundValidate(workspace)
        for item in reader:
            yield units(item, table, settings, mode=mode, validate=validate)
        return
    yield from _in_workers(reader, workspace, table, mode, workers, chunk_items)


def _in_workers(reader: ItemsReader, workspace: Workspace, table: MappingSet, mode: str, workers: int,
                chunk_items: int) -> Iterator[Unit]:
    context = _context()
    recipe = Recipe(workspace.settings, workspace.assets_root, workspace.generated_root, mode, reader.limits)
    forked = context.get_start_method() == "fork"
    if forked:
        # Compiled here once, the validators are shared by every forked worker instead of built in
        # each (less CPU in all, and memory pages shared); frozen, the garbage collector leaves the
        # objects alive now alone, so forked workers do not copy their pages by touching them.
        _warm(workspace, table)
        gc.freeze()
    shared = (workspace, table) if forked else (None, None)
    pending: deque[Future[list[tuple[Unit, list[str | None]]]]] = deque()
    source = reader.raw_items()
    broken: Exception | None = None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                             initargs=(recipe, *shared)) as pool:
        try:
            while broken is None:
                chunk: list[RawItem] = []
                try:
                    for raw in source:
                        chunk.append(raw)
                        if len(chunk) >= chunk_items:
                            break
                except Exception as exc:  # a broken export: the items read before the break still go
                    broken = exc
                if not chunk:
                    break
                pending.append(pool.submit(_prepare_chunk, reader.table_key or "", chunk))
                if len(pending) >= 2 * workers:
                    yield from _settled(pending.popleft(), table)
            while pending:
                yield from _settled(pending.popleft(), table)
        finally:
            for future in pending:
                future.cancel()
            if forked:
                gc.unfreeze()
    if broken is not None:
        raise broken


def _warm(workspace: Workspace, table: MappingSet) -> None:
    """Build the validator of every product type of the table (those that cannot be built are left
    to the workers, whose items report the problem as on one core)."""
    validate = BoundValidate(workspace)
    for product_type in sorted({m.product_type for m in table.mappings.values()}):
        try:
            validate.validator(product_type)
        except (PlAmazonError, OSError):
            continue


def _settled(future: Future[list[tuple[Unit, list[str | None]]]], table: MappingSet) -> list[Unit]:
    done = []
    for unit, categories in future.result():
        for listing, category in zip(_listings(unit), categories, strict=True):
            listing.mapping = table.mappings[category] if category is not None else None
        done.append(unit)
    return done


__all__ = ["Family", "Recipe", "Single", "default_workers", "export_size", "prepared_units", "workers_for"]
