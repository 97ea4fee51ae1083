"""What every published item leaves with: a status, Amazon's identifiers and the issues, in French.

Amazon answers HTTP 200 for a rejected listing and raises some issues only after acceptance, so the
acknowledgement keeps every issue, whatever its source (our validation, Amazon's answer, the
follow-up read), each mapped back to the Product-Live fields the user has to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    ACCEPTED = "ACCEPTED"  # Amazon accepted the submission for processing
    INVALID = "INVALID"  # rejected, by our validation or by Amazon; nothing saved
    VALID = "VALID"  # --preview: Amazon would accept it; nothing saved
    ERROR = "ERROR"  # could not be sent or answered (network, throttling, Amazon error)
    NOT_SENT = "NOT_SENT"  # deliberately not sent (nothing to do, no ASIN to enrich...)


#: statuses that make `publish` exit non-zero
FAILED = frozenset({Status.INVALID, Status.ERROR})

SEVERITY_FR = {"ERROR": "ERREUR", "WARNING": "AVERTISSEMENT", "INFO": "INFO"}


@dataclass(frozen=True)
class Issue:
    """One problem with an item, shaped like Amazon's `Issue`, plus the Product-Live fields concerned."""

    code: str
    severity: str  # ERROR | WARNING | INFO
    message: str  # French
    attribute_names: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # Product-Live field keys
    source: str = "amazon"  # amazon | validation | productlive | publisher

    @property
    def is_error(self) -> bool:
        return self.severity.upper() == "ERROR"

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "attributeNames": list(self.attribute_names),
            "fields": list(self.fields),
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issue:
        return cls(
            code=str(data.get("code", "")),
            severity=str(data.get("severity", "ERROR")),
            message=str(data.get("message", "")),
            attribute_names=tuple(data.get("attributeNames") or ()),
            fields=tuple(data.get("fields") or ()),
            source=str(data.get("source", "amazon")),
        )

    def line(self) -> str:
        """One line for the Product-Live issues field: `[ERREUR 90220] champ1, champ2 : message`."""
        where = ", ".join(self.fields or self.attribute_names)
        head = f"[{SEVERITY_FR.get(self.severity.upper(), self.severity)} {self.code}]"
        return f"{head} {where} : {self.message}" if where else f"{head} {self.message}"


@dataclass(frozen=True)
class Acknowledgement:
    """The final word on one item of the export."""

    index: int  # position in the export (1-based)
    sku: str | None
    status: Status
    product_type: str | None = None
    mode: str | None = None  # create | enrich
    operation: str | None = None  # PUT | PATCH | FEED | None when not sent
    submission_id: str | None = None
    asin: str | None = None
    issues: tuple[Issue, ...] = ()
    published_at: str | None = None  # ISO 8601 UTC, when Amazon answered
    note: str | None = None  # French: what the publisher decided and why
    unchanged: bool = False  # taken from the journal: same payload already answered by Amazon

    def with_(self, **values: Any) -> Acknowledgement:
        return replace(self, **values)

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "sku": self.sku,
            "status": self.status.value,
            "productType": self.product_type,
            "mode": self.mode,
            "operation": self.operation,
            "submissionId": self.submission_id,
            "asin": self.asin,
            "publishedAt": self.published_at,
            "note": self.note,
            "unchanged": self.unchanged,
            "issues": [issue.as_json() for issue in self.issues],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Acknowledgement:
        return cls(
            index=int(data.get("index") or 0),
            sku=data.get("sku"),
            status=Status(data["status"]),
            product_type=data.get("productType"),
            mode=data.get("mode"),
            operation=data.get("operation"),
            submission_id=data.get("submissionId"),
            asin=data.get("asin"),
            issues=tuple(Issue.from_json(i) for i in data.get("issues") or ()),
            published_at=data.get("publishedAt"),
            note=data.get("note"),
            unchanged=bool(data.get("unchanged")),
        )
