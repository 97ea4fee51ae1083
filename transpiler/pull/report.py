"""How `pl-amazon pull` shows itself: a progress bar while fetching, a summary table, the diffs."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from transpiler.compiler.diff import diff_document, render_diff
from transpiler.pull.fetch import PulledType, PullResult

#: Below this many product types a progress bar is noise.
PROGRESS_THRESHOLD = 3


class RichProgress:
    """A rich progress bar on stderr (only when there are enough types to make it useful)."""

    def __init__(self, console: Console):
        self.console = console
        self._progress: Progress | None = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if total < PROGRESS_THRESHOLD or not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("pulling"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), console=self.console, transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=total)

    def advance(self, product_type: str, status: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"{product_type} ({status})")

    @property
    def completed(self) -> int | None:
        """Types done so far (None while no bar is shown)."""
        return None if self._progress is None else int(self._progress.tasks[0].completed)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _changes(item: PulledType) -> str:
    if item.diff_error:
        return f"diff unavailable: {item.diff_error}"
    if item.diff is None:
        return "" if item.status == "unchanged" else "first pull"
    counts = diff_document(item.diff)["counts"]
    shown = [f"{name.replace('_', ' ')} {value}" for name, value in counts.items() if value]
    return ", ".join(shown) or "no structural change"


def summary_table(result: PullResult) -> Table:
    """One row per product type: status, version, checksum, what changed."""
    table = Table(title=f"Product type definitions in {result.directory}", title_justify="left")
    for column in ("Product type", "Status", "Version", "Checksum", "Changes"):
        table.add_column(column, overflow="fold")
    for item in result.types:
        version = item.version if item.old_version in (None, item.version) else f"{item.old_version} → {item.version}"
        table.add_row(item.name, item.status, version, item.checksum, _changes(item))
    return table


def render_result(result: PullResult, console: Console) -> None:
    """The summary table, then the migration report of every type whose definition changed."""
    console.print(summary_table(result))
    counts = {s: sum(1 for t in result.types if t.status == s) for s in ("new", "updated", "unchanged")}
    console.print(f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged")
    for item in result.types:
        if item.diff is not None:
            console.print(render_diff(item.diff), end="", markup=False, highlight=False)


def result_document(result: PullResult) -> dict[str, Any]:
    """The pull outcome as JSON (`pl-amazon pull --json`)."""
    return {
        "directory": str(result.directory),
        "product_types": [
            {
                "name": t.name,
                "status": t.status,
                "version": t.version,
                "checksum": t.checksum,
                "old_version": t.old_version,
                "old_checksum": t.old_checksum,
                "bytes": t.size,
                "diff": diff_document(t.diff) if t.diff else None,
                "diff_error": t.diff_error,
            }
            for t in result.types
        ],
    }
