"""Where acknowledgements go: `acknowledgements.xml` (for Product-Live's `table-import-items`) and
`report.json`, streamed as they come, renamed into place only when complete.

Shared by `publish` and `reconcile`, which write the same two files.
"""

from __future__ import annotations

import json
import os
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
        self.xml_path = out_dir / "acknowledgements.xml"
        self.report_path = out_dir / "report.json"
        # private names until complete: a reader (or a concurrent run) never sees a half-written file
        self._xml_tmp = out_dir / f".acknowledgements.xml.{os.getpid()}.part"
        self._json_tmp = out_dir / f".report.json.{os.getpid()}.part"
        self.writer = AcknowledgementWriter(self._xml_tmp, table_key, titles).__enter__()
        self._json = self._json_tmp.open("w", encoding="utf-8")
        self._json.write('{\n  "items": [')
        self._first = True
        self.counts: Counter[str] = Counter()
        self.unchanged = 0
        self.modes: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()
        self.progress = progress
        self.seen: set[str] = set()

    def emit(self, ack: Acknowledgement) -> None:
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
        self.writer.__exit__(None, None, None)
        self._json.write('\n  ],\n  "summary": ' + json.dumps(summary, ensure_ascii=False, indent=2)
                         .replace("\n", "\n  ") + "\n}\n")
        self._json.close()
        self._xml_tmp.replace(self.xml_path)
        self._json_tmp.replace(self.report_path)
