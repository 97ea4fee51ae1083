"""What a task run hands back to the worker: the output to report and the files to upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: French labels of the acknowledgement statuses, for the summary a Product-Live user reads.
STATUS_LABELS = {
    "ACCEPTED": "accepté(s)",
    "VALID": "valide(s) (aperçu)",
    "INVALID": "refusé(s)",
    "ERROR": "en erreur",
    "NOT_SENT": "non envoyé(s)",
}


@dataclass
class TaskOutcome:
    output: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)  # output key -> local file, uploaded by the worker


def status_summary(items: int, statuses: dict[str, int], lead: str) -> str:
    """`<lead> : 21 article(s) — 15 accepté(s), 4 refusé(s)`."""
    parts = [f"{count} {STATUS_LABELS.get(status, status)}" for status, count in statuses.items() if count]
    return f"{lead} : {items} article(s)" + (" — " + ", ".join(parts) if parts else "")
