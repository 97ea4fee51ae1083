"""What every published item leaves with: a status, Amazon's identifiers and the issues, in French.

Amazon answers HTTP 200 for a rejected listing and raises some issues only after acceptance, so the
acknowledgement keeps every issue, whatever its source (our validation, Amazon's answer, the
follow-up read), each mapped back to the Product-Live fields the user has to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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

#: Amazon's issue categories (the model's Issue.categories) as Modelabs staff read them
CATEGORY_FR = {
    "INVALID_ATTRIBUTE": "attribut non valide",
    "MISSING_ATTRIBUTE": "attribut manquant",
    "INVALID_IMAGE": "image non valide",
    "MISSING_IMAGE": "image manquante",
    "INVALID_PRICE": "prix non valide",
    "MISSING_PRICE": "prix manquant",
    "DUPLICATE": "doublon possible",
    "QUALIFICATION_REQUIRED": "qualification requise",
}
#: Amazon's enforcement actions (IssueEnforcementAction.action)
ACTION_FR = {
    "LISTING_SUPPRESSED": "annonce suspendue",
    "ATTRIBUTE_SUPPRESSED": "valeur d'attribut rejetée",
    "CATALOG_ITEM_REMOVED": "produit retiré du catalogue",
    "SEARCH_SUPPRESSED": "masquée dans les résultats de recherche",
}
#: Amazon's listing statuses (ItemSummaryByMarketplace.status)
LISTING_STATUS_FR = {"BUYABLE": "achetable", "DISCOVERABLE": "visible sur Amazon"}


def join_notes(*notes: str | None) -> str | None:
    """Notes joined with " ; " (each once, in order), or None when there is none."""
    parts = list(dict.fromkeys(n for n in notes if n))
    return " ; ".join(parts) if parts else None


@dataclass(frozen=True)
class Issue:
    """One problem with an item, shaped like Amazon's `Issue`, plus the Product-Live fields concerned."""

    code: str
    severity: str  # ERROR | WARNING | INFO
    message: str  # French
    attribute_names: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # Product-Live field keys
    source: str = "amazon"  # amazon | validation | productlive | publisher
    categories: tuple[str, ...] = ()  # Amazon's (INVALID_ATTRIBUTE, MISSING_IMAGE...)
    #: Amazon's `enforcements` as sent: {"actions": [{"action"}], "exemption": {"status", "expiryDate"}}
    enforcements: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    #: `processing` for an issue Amazon raised after accepting the submission (read back later)
    stage: str = "submission"

    @property
    def is_error(self) -> bool:
        return self.severity.upper() == "ERROR"

    @property
    def actions(self) -> tuple[str, ...]:
        """Amazon's enforcement actions on the listing (LISTING_SUPPRESSED...)."""
        actions = (self.enforcements or {}).get("actions") or ()
        return tuple(str(a.get("action")) for a in actions if isinstance(a, Mapping) and a.get("action"))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "attributeNames": list(self.attribute_names),
            "fields": list(self.fields),
            "source": self.source,
        }
        if self.categories:
            out["categories"] = list(self.categories)
        if self.enforcements:
            out["enforcements"] = dict(self.enforcements)
        if self.stage != "submission":
            out["stage"] = self.stage
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issue:
        return cls(
            code=str(data.get("code", "")),
            severity=str(data.get("severity", "ERROR")),
            message=str(data.get("message", "")),
            attribute_names=tuple(data.get("attributeNames") or ()),
            fields=tuple(data.get("fields") or ()),
            source=str(data.get("source", "amazon")),
            categories=tuple(str(c) for c in data.get("categories") or ()),
            enforcements=data.get("enforcements") if isinstance(data.get("enforcements"), Mapping) else None,
            stage=str(data.get("stage") or "submission"),
        )

    def line(self, titles: Mapping[str, str] | None = None) -> str:
        """One line for the Product-Live issues field: `[ERREUR 90220] « Titre 1 », « Titre 2 » : message`.

        Fields are named by their French title (`titles`: field key -> title); the keys stay in the
        JSON report.
        """
        if self.fields and titles is not None:
            where = ", ".join(f"« {titles.get(k, k)} »" for k in self.fields)
        else:
            where = ", ".join(self.fields or self.attribute_names)
        severity = SEVERITY_FR.get(self.severity.upper(), self.severity)
        head = f"[{severity} {self.code}]" if self.code else f"[{severity}]"  # Amazon's code is optional
        text = f"{head} {where} : {self.message}" if where else f"{head} {self.message}"
        context = [CATEGORY_FR.get(c, c) for c in self.categories]
        context += [ACTION_FR.get(a, a) for a in self.actions]
        exemption = (self.enforcements or {}).get("exemption")
        if isinstance(exemption, Mapping) and exemption.get("status") == "EXEMPT_UNTIL_EXPIRY_DATE":
            context.append(f"exemptée jusqu'au {str(exemption.get('expiryDate', '?'))[:10]}")
        elif isinstance(exemption, Mapping) and exemption.get("status") == "EXEMPT":
            context.append("exemptée")
        return f"{text} ({' ; '.join(context)})" if context else text


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
    listing_status: tuple[str, ...] = ()  # Amazon's summary status once processed (DISCOVERABLE, BUYABLE)
    #: where the item sits in a multi-level export: the identifier key naming it (SKU, or PARENT_SKU
    #: for a model), and the identifiers (key, value) of the items around it, outermost first
    identifier: str | None = None
    path: tuple[tuple[str, str], ...] = ()
    family: str | None = None  # the parent SKU of its variation family
    role: str | None = None  # parent | child

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
            "listingStatus": list(self.listing_status),
            "issues": [issue.as_json() for issue in self.issues],
            **({"family": self.family, "role": self.role} if self.family or self.role else {}),
            **({"identifier": self.identifier} if self.identifier else {}),
            **({"path": [list(step) for step in self.path]} if self.path else {}),
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
            listing_status=tuple(str(s) for s in data.get("listingStatus") or ()),
            identifier=data.get("identifier"),
            path=tuple((str(k), str(v)) for k, v in data.get("path") or ()),
            family=data.get("family"),
            role=data.get("role"),
        )
