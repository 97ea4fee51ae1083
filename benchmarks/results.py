"""What a benchmark run measured: figures beside their baselines, goals met or not, the machine.

Every figure is measured with its baseline in the same run (same process or same minute, same
load), so the ratio holds across machines even when the absolute value does not. A goal is a
threshold on one figure (or on its ratio); a missed goal is a result, not a failure: `make bench`
exits non-zero only when a benchmark breaks. `bench/results.json` keeps everything, and the table
printed at the end of the run is also written between the markers of docs/performance.md.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

#: the packages whose versions decide the figures
PACKAGES = ("jsonschema", "jsonschema-rs", "referencing", "pydantic", "pydantic-core", "lxml",
            "datamodel-code-generator", "httpx", "python-amazon-sp-api", "requests", "uvicorn", "starlette")


@dataclass(frozen=True)
class Figure:
    """One measured value and the baseline measured beside it (`ratio` = value / baseline)."""

    suite: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str | None = None
    note: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.value is None:
            return None
        return self.value / self.baseline


@dataclass(frozen=True)
class Goal:
    """A threshold on a figure: `value` (or `ratio` when `on_ratio`) compared with `threshold`."""

    name: str
    value: float
    baseline: float | None
    ratio: float | None
    goal: str  # the threshold in words, e.g. ">= 2500 payloads/s"
    met: bool
    unit: str = ""
    suite: str = ""


@dataclass
class SuiteResult:
    name: str
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


class Bench:
    """What a benchmark module records into: `figure(...)`, `goal_*(...)`, `note(...)`."""

    def __init__(self, suite: str, scale: float = 1.0) -> None:
        self.result = SuiteResult(suite)
        self.scale = scale

    def figure(self, name: str, value: float, unit: str, *, baseline: float | None = None,
               baseline_name: str | None = None, note: str | None = None) -> Figure:
        figure = Figure(self.result.name, name, value, unit, baseline, baseline_name, note)
        self.result.figures.append(figure)
        return figure

    def note(self, text: str) -> None:
        self.result.notes.append(text)

    def _goal(self, name: str, figure: Figure, value: float, threshold: float, higher: bool, words: str) -> Goal:
        met = value >= threshold if higher else value <= threshold
        goal = Goal(name, figure.value, figure.baseline, figure.ratio, words, bool(met), figure.unit,
                    self.result.name)
        self.result.goals.append(goal)
        return goal

    def at_least(self, name: str, figure: Figure, threshold: float) -> Goal:
        return self._goal(name, figure, figure.value, threshold, True, f">= {threshold:g} {figure.unit}")

    def at_most(self, name: str, figure: Figure, threshold: float) -> Goal:
        return self._goal(name, figure, figure.value, threshold, False, f"<= {threshold:g} {figure.unit}")

    def ratio_at_least(self, name: str, figure: Figure, threshold: float) -> Goal:
        return self._goal(name, figure, figure.ratio or 0.0, threshold, True,
                          f">= {threshold:g}x {figure.baseline_name or 'baseline'}")

    def ratio_at_most(self, name: str, figure: Figure, threshold: float) -> Goal:
        return self._goal(name, figure, figure.ratio or 0.0, threshold, False,
                          f"<= {threshold:g}x {figure.baseline_name or 'baseline'}")

    def holds(self, name: str, figure: Figure, ok: bool, words: str) -> Goal:
        """A goal that is a yes/no fact measured on the figure (identical outputs, zero 429…)."""
        goal = Goal(name, figure.value, figure.baseline, figure.ratio, words, bool(ok), figure.unit,
                    self.result.name)
        self.result.goals.append(goal)
        return goal


def _memory_mb() -> float | None:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024, 0)
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    """Cores, memory, Python, platform, load and the versions of the packages that matter."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_mb": _memory_mb(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "packages": versions,
    }


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit in ("%",):
        return f"{value:.1f} %"
    if float(value).is_integer() and unit not in ("s", "ms"):
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _ratio(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2g}x" if value < 0.1 else f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def table(suites: list[SuiteResult]) -> str:
    """The run as one Markdown table (figures, then goals), readable in a terminal too."""
    rows = [("suite", "figure", "value", "baseline (same run)", "ratio", "goal", "met")]
    goals = {(g.suite, g.name): g for s in suites for g in s.goals}
    for suite in suites:
        if suite.error:
            rows.append((suite.name, "BROKEN", suite.error, "", "", "", ""))
        for f in suite.figures:
            base = f"{_number(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline is not None else ""
            rows.append((suite.name, f.name, _number(f.value, f.unit), base, _ratio(f.ratio), "", ""))
    rows.append(("", "", "", "", "", "", ""))
    for (suite, name), g in goals.items():
        rows.append((suite, name, _number(g.value, g.unit), _number(g.baseline, g.unit), _ratio(g.ratio), g.goal,
                     "met" if g.met else "NOT met"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def document(suites: list[SuiteResult], *, started: datetime, seconds: float, scale: float,
             load: dict[str, list[float] | None]) -> dict[str, Any]:
    """`bench/results.json`: machine, run, figures with baselines and ratios, goals."""
    return {
        "machine": machine(),
        "run": {"started": started.astimezone(UTC).isoformat(timespec="seconds"), "seconds": round(seconds, 1),
                "scale": scale, "load_average": load},
        "figures": [{**asdict(f), "ratio": f.ratio} for s in suites for f in s.figures],
        "goals": [asdict(g) for s in suites for g in s.goals],
        "suites": [{"name": s.name, "seconds": round(s.seconds, 1), "notes": s.notes, "error": s.error}
                   for s in suites],
    }


def write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


BEGIN = "<!-- bench:table:begin -->"
END = "<!-- bench:table:end -->"


def update_doc(doc: Path, data: dict[str, Any], rendered: str) -> bool:
    """Replace the table between the markers of `doc` (False when the doc has no markers)."""
    if not doc.is_file():
        return False
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    m = data["machine"]
    run = data["run"]
    load = run["load_average"]
    about = (f"Run of {run['started']} ({run['seconds']:.0f} s, scale {run['scale']:g}) on {m['cores']} cores, "
             f"{(m['memory_mb'] or 0) / 1024:.0f} GB, Python {m['python']}; load average "
             f"{(load.get('start') or ['?'])[0]} at the start, {(load.get('end') or ['?'])[0]} at the end.")
    doc.write_text(f"{head}{BEGIN}\n{about}\n\n{rendered}\n{END}{tail}", encoding="utf-8")
    return True
