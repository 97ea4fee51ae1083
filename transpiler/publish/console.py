"""What a person sees while `publish` runs: a progress bar, then a summary table.

The bar goes to stderr (so `--json` output on stdout stays clean) and counts acknowledgements
against an estimate of the number of items taken from a fast byte scan of the export.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from transpiler.input_files import open_regular
from transpiler.productlive.acknowledgement import Acknowledgement, Status
from transpiler.publish.output import Progress as PublishProgress

STATUS_STYLE = {"ACCEPTED": "green", "VALID": "green", "INVALID": "red", "ERROR": "red", "NOT_SENT": "yellow"}
STATUS_FR = {"ACCEPTED": "acceptés", "VALID": "valides (aperçu)", "INVALID": "refusés", "ERROR": "en erreur",
             "NOT_SENT": "non envoyés"}


def estimate_items(path: Path, chunk: int = 1 << 20) -> int | None:
    """How many `<Item` start tags the file holds (a cheap upper bound for the progress bar)."""
    count = 0
    tail = b""
    try:
        with open_regular(path) as handle:
            while block := handle.read(chunk):
                data = tail + block
                count += data.count(b"<Item>") + data.count(b"<Item ")
                tail = data[-5:]
    except OSError:
        return None
    return count


class RichProgress(PublishProgress):
    def __init__(self, console: Console, total: int | None):
        self.console = console
        self.counts: Counter[str] = Counter()
        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console,
                                  transient=False)
        self._task = self._progress.add_task("publication", total=total or None, counts="")
        self._progress.start()

    def ack(self, ack: Acknowledgement) -> None:
        self.counts[ack.status.value] += 1
        counts = " ".join(f"[{STATUS_STYLE[s]}]{s} {n}[/]" for s, n in sorted(self.counts.items()))
        self._progress.update(self._task, advance=1, counts=counts)

    def status(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def stop(self) -> None:
        self._progress.update(self._task, description="publication")
        self._progress.stop()


def render_families(console: Console, report: dict[str, Any]) -> None:
    """Each variation family: its parent and every child, with their status and ASIN."""
    families: dict[str, list[dict[str, Any]]] = {}
    for item in report.get("items", []):
        if item.get("family"):
            families.setdefault(item["family"], []).append(item)
    for parent_sku, members in families.items():
        parent = next((m for m in members if m.get("role") == "parent"), None)
        children = sorted((m for m in members if m.get("role") == "child"), key=lambda m: m.get("index") or 0)
        table = Table(title=f"Famille de variations {parent_sku}", show_lines=False)
        for column in ("", "SKU", "statut", "ASIN"):
            table.add_column(column)
        for role, member in ([("parent", parent)] if parent else []) + [("enfant", c) for c in children]:
            style = STATUS_STYLE.get(member["status"], "")
            table.add_row(role, member.get("sku") or "—", f"[{style}]{member['status']}[/]", member.get("asin") or "—")
        console.print(table)
        accepted = sum(1 for c in children if c["status"] == "ACCEPTED")
        console.print(f"{accepted} enfant(s) accepté(s) sur {len(children)}, chacun avec son ASIN"
                      if accepted else "aucun enfant accepté")


def render_summary(console: Console, summary: dict[str, Any], report: dict[str, Any] | None = None,
                   show_items: bool = True) -> None:
    """The run's outcome: one line per item that needs attention, then the totals."""
    if report and show_items:
        table = Table(title="Accusés de réception", show_lines=False)
        for column in ("SKU", "type", "mode", "statut", "ASIN", "problèmes"):
            table.add_column(column)
        for item in report.get("items", []):
            issues = item.get("issues") or []
            first = issues[0]["message"] if issues else ""
            more = f" (+{len(issues) - 1})" if len(issues) > 1 else ""
            style = STATUS_STYLE.get(item["status"], "")
            sku = item.get("sku") or "—"
            if item.get("role") == "parent":
                sku = f"{sku} (parent)"
            elif item.get("role") == "child":
                sku = f"  ↳ {sku}"
            table.add_row(sku, item.get("productType") or "—", item.get("mode") or "—",
                          f"[{style}]{item['status']}[/]", item.get("asin") or "—", (first[:90] + more))
        console.print(table)
    if report and show_items:
        render_families(console, report)
    statuses = summary["statuses"]
    parts = [f"[{STATUS_STYLE[s]}]{n} {STATUS_FR[s]}[/]" for s, n in statuses.items() if n]
    console.print(f"{summary['items']} articles via {summary['via']} en {summary['seconds']} s : " + ", ".join(parts))
    if summary.get("families"):
        console.print(f"{summary['families']} famille(s) de variations (parent puis enfants)")
    if summary.get("unchanged"):
        console.print(f"{summary['unchanged']} inchangés depuis la dernière soumission (non renvoyés)")
    for error in summary.get("fileErrors", []):
        console.print(f"[red]fichier : {error}[/]")


__all__ = ["RichProgress", "Status", "estimate_items", "render_summary"]
