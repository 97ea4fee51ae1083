"""Where acknowledgements go: `acknowledgements.xml` (for Product-Live's `table-import-items`) and
`report.json`, streamed as they come, renamed into place only when complete.

Shared by `publish` and `reconcile`, which write the same two files.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transpiler.productlive.acknowledgement import FAILED, Acknowledgement, Status
from transpiler.productlive.acknowledgements import AcknowledgementWriter


class Progress:
    """Callbacks for the console: `item()` per item read, `ack(ack)` per final acknowledgement."""

    def item(self) -> None:  # pragma: no cover - interface
        pass

    def ack(self, ack: Acknowledgement) -> None:  # pragma: no cover - interface
        pass

    def status(self, text: str) -> None:  # pragma: no cover - interface
        pass


class AcknowledgementOutput:
    """Streams acknowledgements to the XML and JSON files and counts them."""

    def __init__(self, out_dir: Path, table_key: str, progress: Progress, titles: Mapping[str, str] | None = None):
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(out_dir)
        self.xml_path = out_dir / "acknowledgements.xml"
        self.report_path = out_dir / "report.json"
        # private names until complete: a reader (or a concurrent run) never sees a half-written file
        self._xml_tmp = out_dir / f".acknowledgements.xml.{os.getpid()}.part"
        self._json_tmp = out_dir / f".report.json.{os.getpid()}.part"
        self.writer = AcknowledgementWriter(self._xml_tmp, table_key, titles).__enter__()
        try:
            self._json = self._json_tmp.open("w", encoding="utf-8")
            self._json.write('{\n  "items": [')
        except BaseException:
            self.writer.discard()
            self._xml_tmp.unlink(missing_ok=True)
            raise
        self._first = True
        self.counts: Counter[str] = Counter()
        self.unchanged = 0
        self.modes: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.progress = progress
        self.seen: set[str] = set()

    def emit(self, ack: Acknowledgement, *, xml: bool = True) -> None:
        """Write one final answer: to the report always, to the acknowledgement file unless `xml` is
        False (a second occurrence of a SKU: its row would overwrite the first one's answer)."""
        if xml:
            self.writer.write(ack)
        self._json.write(("\n    " if self._first else ",\n    ") + json.dumps(ack.as_json(), ensure_ascii=False))
        self._first = False
        self.counts[ack.status.value] += 1
        self.unchanged += ack.unchanged
        if ack.mode:
            self.modes[ack.mode] += 1
        if ack.operation and not ack.unchanged:
            self.operations[ack.operation] += 1
        self.progress.ack(ack)

    def totals(self) -> dict[str, Any]:
        """The counts every summary starts with."""
        return {
            "items": sum(self.counts.values()),
            "statuses": {s.value: self.counts.get(s.value, 0) for s in Status},
            "failed": sum(self.counts.get(s.value, 0) for s in FAILED),
            "unchanged": self.unchanged,
            "modes": dict(sorted(self.modes.items())),
            "operations": dict(sorted(self.operations.items())),
        }

    def close(self, summary: dict[str, Any]) -> None:
        """Complete both files and move them into place (on failure, nothing is left behind)."""
        try:
            self.writer.__exit__(None, None, None)
            self._json.write('\n  ],\n  "summary": ' + json.dumps(summary, ensure_ascii=False, indent=2)
                             .replace("\n", "\n  ") + "\n}\n")
            self._json.close()
        except BaseException:
            self.abort()
            raise
        self._xml_tmp.replace(self.xml_path)
        self._json_tmp.replace(self.report_path)

    def abort(self) -> None:
        """Close both files and remove them: a run that fails leaves no half-written file behind (the
        previous acknowledgement, if any, stays as it was)."""
        self.writer.discard()
        self._json.close()
        self._xml_tmp.unlink(missing_ok=True)
        self._json_tmp.unlink(missing_ok=True)


#: the private name of a file a run is writing: `.<name>.<pid of the run>.part`
_PART = re.compile(r"^\.(acknowledgements\.xml|report\.json)\.(\d+)\.part$")


def remove_stale_parts(out_dir: Path) -> list[Path]:
    """Remove the half-written files of runs that were killed (their process is gone); a running
    run's files are left alone. Returns the files removed."""
    removed = []
    for path in out_dir.glob(".*.part"):
        found = _PART.match(path.name)
        if found and not _running(int(found.group(2))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
