"""Following listings after ACCEPTED: Amazon's state read back into the acknowledgement.

Amazon answers ACCEPTED before it processes a submission; the ASIN and the issues its processing
raises come minutes or hours later, and an accepted SKU can even answer "not found" for a while
(amzn/selling-partner-api-models#5021, #2946; developer-docs `manage-listings-issues`). So the
acknowledgement written at the end of `publish` is not the last word. `reconcile()` reads, for every
SKU the journal holds as submitted or accepted without a final outcome, what Amazon holds now —
`searchListingsItems` by SKU, 20 per call, with `summaries` and `issues` — and writes a new
`acknowledgements.xml` + `report.json` with the ASIN, the listing status (`DISCOVERABLE`,
`BUYABLE`) and the issues raised since. A listing that Amazon accepted and then found in ERROR
becomes INVALID, never hidden behind the HTTP 200.

A SKU's outcome is final once Amazon has processed it: an ERROR issue (INVALID), or an ASIN with a
status (DISCOVERABLE / BUYABLE). Final outcomes are remembered in the journal per payload, so the
next reconcile does not read them again (idempotent, safe to schedule hourly); a new submission of
the SKU starts a new follow-up. Changes after that (issues raised days later, a suppression) are
what the notifications (`--from-sqs`) report; `skus=` reads given SKUs whatever their state.

`publish` runs the same step after its last submission, bounded by `--follow-up` seconds
(`Reconciler.follow`); what is still pending then is left to `pl-amazon reconcile`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transpiler.config import TABLE_KEY
from transpiler.errors import PlAmazonError
from transpiler.productlive.acknowledgement import Acknowledgement, Issue, Status, join_notes
from transpiler.publish.journal import SENDING, Entry, Journal, target_name
from transpiler.publish.listing import amazon_issue
from transpiler.publish.mappings import MappingSet
from transpiler.publish.output import AcknowledgementOutput, Progress
from transpiler.publish.target import check_settings, journal_file, shared_client
from transpiler.workspace import Workspace

READ_INCLUDED = ("summaries", "issues")
#: statuses of a processed listing (the model's ItemSummaryByMarketplace.status)
LISTED = frozenset({"BUYABLE", "DISCOVERABLE"})
#: an accepted SKU Amazon still does not know after this long was dropped: resend it
LOST_AFTER_HOURS = 48.0

PUB_LOST = "PUB_NOT_FOUND"
LATE_ERROR_NOTE = "acceptée puis refusée par Amazon lors du traitement : voir les problèmes"
PENDING_NOTE = "traitement par Amazon en cours : ASIN et problèmes éventuels à relire (pl-amazon reconcile)"


def listing_state(item: Mapping[str, Any] | None,
                  marketplace_id: str) -> tuple[str | None, tuple[str, ...], str | None]:
    """(ASIN, statuses, product type) of a getListingsItem / searchListingsItems item on the marketplace."""
    for summary in (item or {}).get("summaries") or ():
        if isinstance(summary, Mapping) and summary.get("marketplaceId") in (None, marketplace_id):
            statuses = tuple(str(s) for s in summary.get("status") or () if isinstance(s, str))
            asin = str(summary["asin"]) if summary.get("asin") else None
            product_type = str(summary["productType"]) if summary.get("productType") else None
            return asin, statuses, product_type
    return None, (), None


def refreshed(ack: Acknowledgement, item: Mapping[str, Any], table: MappingSet, marketplace_id: str) -> Acknowledgement:
    """`ack` with what Amazon holds now: ASIN, listing status, issues raised since (each once).

    An ERROR raised after acceptance turns an ACCEPTED item INVALID, with a note saying so.
    """
    asin, statuses, product_type = listing_state(item, marketplace_id)
    mapping = table.for_category(ack.product_type or product_type or "")
    known = {(i.code, i.message) for i in ack.issues}
    late = [amazon_issue(dict(i), mapping, table, stage="processing") for i in item.get("issues") or ()
            if isinstance(i, Mapping)]
    late = [i for i in late if (i.code, i.message) not in known]
    updated = ack.with_(asin=asin or ack.asin, listing_status=statuses, issues=(*ack.issues, *late),
                        product_type=ack.product_type or product_type)
    if updated.status == Status.ACCEPTED and any(i.is_error for i in late):
        updated = updated.with_(status=Status.INVALID, note=join_notes(ack.note, LATE_ERROR_NOTE))
    return updated


def settled(ack: Acknowledgement) -> bool:
    """True when Amazon has processed the item: refused (INVALID/ERROR), or listed with an ASIN."""
    if ack.status != Status.ACCEPTED:
        return True
    return bool(ack.asin) and bool(LISTED & set(ack.listing_status))


class Reconciler:
    """Reads Amazon's state of accepted listings and folds it into their acknowledgements."""

    def __init__(self, client: Any, table: MappingSet, marketplace_id: str, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.listings = client.listings
        self.table = table
        self.marketplace_id = marketplace_id
        self.clock = clock
        self.sleep = sleep

    def read(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Amazon's items among `skus` (summaries and issues), 20 SKUs per searchListingsItems call."""
        return self.listings.find_skus(list(skus), included_data=READ_INCLUDED)

    def refresh(self, acks: Sequence[Acknowledgement]) -> tuple[list[Acknowledgement], set[str]]:
        """One pass: the acknowledgements updated from Amazon, and the SKUs Amazon does not know (yet)."""
        found = self.read(ack.sku for ack in acks if ack.sku)
        out, missing = [], set()
        for ack in acks:
            item = found.get(ack.sku or "")
            if item is None:
                missing.add(ack.sku or "")
                out.append(ack)
            else:
                out.append(refreshed(ack, item, self.table, self.marketplace_id))
        return out, missing

    def follow(self, acks: Sequence[Acknowledgement], *, first_wait: float, bound: float,
               on_error: Callable[[Exception], None] | None = None) -> list[Acknowledgement]:
        """Read the listings again until each is settled or `bound` seconds have passed (after
        `first_wait`); what is still pending keeps a note saying reconcile will finish it."""
        if first_wait > 0:
            self.sleep(first_wait)
        deadline = self.clock() + max(0.0, bound - max(0.0, first_wait))
        current = {ack.sku: ack for ack in acks}
        pause = 0.5
        while True:
            pending = [ack for ack in current.values() if not settled(ack)]
            if not pending:
                break
            try:
                updated, _ = self.refresh(pending)
            except PlAmazonError as exc:
                if on_error is not None:
                    on_error(exc)
                break
            current.update((ack.sku, ack) for ack in updated)
            if self.clock() + pause > deadline or all(settled(ack) for ack in updated):
                break
            self.sleep(pause)
            pause = min(pause * 2, 5.0)
        return [ack if settled(ack) else ack.with_(note=join_notes(ack.note, PENDING_NOTE))
                for ack in current.values()]


@dataclass
class ReconcileOptions:
    """What `reconcile()` reads and where it writes (the same defaults as `publish`)."""

    journal: Path | None = None  # default: <cache_dir>/journal/<target>.sqlite3
    out_dir: Path = Path("out/publish")
    cache_dir: Path = Path(".cache/pl-amazon")
    #: only these SKUs (read whatever their state, e.g. from notifications); None = every pending SKU
    skus: Sequence[str] | None = None
    lost_after_hours: float = LOST_AFTER_HOURS
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass
class ReconcileResult:
    """The files written and what they hold."""

    summary: dict[str, Any]
    acknowledgements_path: Path
    report_path: Path

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.summary["statuses"])

    @property
    def exit_code(self) -> int:
        """1 when an item ended INVALID or ERROR (or could not be read), else 0."""
        return 1 if self.summary["failed"] or self.summary["readErrors"] else 0


def reconcile(workspace: Workspace, options: ReconcileOptions | None = None, *, client: Any = None,
              table: MappingSet | None = None, progress: Progress | None = None) -> ReconcileResult:
    """Read Amazon's state of every SKU the journal follows; write acknowledgements.xml + report.json.

    The workspace's settings name the target (endpoint, vendor code, marketplace) and its
    credentials, its mapping folder gives the fields issues are mapped to (`table`); `client`
    (an SpApiClient) defaults to one whose rate-limit buckets are shared under `options.cache_dir`.
    Raises PlAmazonError for unusable settings or journal; Amazon failures while reading become
    ERROR acknowledgements (the next run reads those SKUs again).
    """
    settings = workspace.settings
    options = options or ReconcileOptions()
    check_settings(settings)
    progress = progress or Progress()
    if table is None:
        table = MappingSet.load(workspace.mapping_dir)
    target = target_name(settings.spapi_url, settings.seller_id, settings.marketplace_id)
    path = journal_file(options.journal, options.cache_dir, target)
    owns_client = client is None
    started = time.monotonic()
    with Journal(path, target) as journal:
        entries = journal.followed(options.skus)
        output = AcknowledgementOutput(options.out_dir, TABLE_KEY, progress, table.titles())
        errors: list[str] = []
        final_count = 0
        try:
            if client is None:
                client = shared_client(settings, options.cache_dir)
            reconciler = Reconciler(client, table, settings.marketplace_id)
            for start in range(0, len(entries), 200):
                chunk = entries[start:start + 200]
                progress.status(f"lecture de l'état Amazon de {len(chunk)} annonce(s)")
                acks = [_ack(entry, index) for index, entry in enumerate(chunk, start + 1)]
                try:
                    updated, missing = reconciler.refresh(acks)
                except PlAmazonError as exc:
                    errors.append(exc.one_line())
                    for ack in acks:
                        output.emit(_unreadable(ack, exc))
                    continue
                for entry, ack in zip(chunk, updated, strict=True):
                    ack = _judged(entry, ack, ack.sku in missing, options)
                    final = entry.state != SENDING and settled(ack)
                    journal.settle(entry.sku, entry.payload_hash, ack, final=final,
                                   update_ack=entry.state != SENDING)
                    final_count += final
                    output.emit(ack)
        finally:
            if owns_client and client is not None:
                client.close()
        summary = {**output.totals(), "via": "reconcile", "followed": len(entries), "final": final_count,
                   "pending": len(entries) - final_count, "readErrors": errors,
                   "seconds": round(time.monotonic() - started, 3), "marketplaceId": settings.marketplace_id,
                   "sellerId": settings.seller_id, "journal": str(path)}
        output.close(summary)
    return ReconcileResult(summary, output.xml_path, output.report_path)


def _ack(entry: Entry, index: int) -> Acknowledgement:
    base = entry.ack or Acknowledgement(index=index, sku=entry.sku, status=Status.ACCEPTED, operation=entry.operation)
    return base.with_(index=index, unchanged=False)


def _judged(entry: Entry, ack: Acknowledgement, missing: bool, options: ReconcileOptions) -> Acknowledgement:
    """What a read means for a journal entry: an interrupted submission, a SKU Amazon never listed."""
    if entry.state == SENDING:
        if missing:
            return ack.with_(status=Status.ERROR, note=join_notes(
                ack.note, "envoi interrompu et annonce introuvable chez Amazon : à republier (publish --resume)"))
        return ack.with_(note=join_notes(ack.note, "envoi interrompu : l'annonce existe chez Amazon, sans garantie "
                                                   "qu'elle porte la dernière version (publish --resume)"))
    if missing and ack.status == Status.ACCEPTED:
        age = _hours_since(ack.published_at, options.now())
        if age is not None and age > options.lost_after_hours:
            issue = Issue(PUB_LOST, "ERROR", f"acceptée il y a {age:.0f} h mais toujours introuvable chez Amazon : "
                                             "à republier", source="publisher")
            return ack.with_(status=Status.ERROR, issues=(*ack.issues, issue))
        return ack.with_(note=join_notes(ack.note, "pas encore visible chez Amazon (l'annonce apparaît après "
                                                   "traitement)"))
    return ack


def _unreadable(ack: Acknowledgement, exc: Exception) -> Acknowledgement:
    issue = Issue("PUB_RECONCILE", "WARNING", f"état Amazon illisible : {PlAmazonError.one_line(exc)}"
                  if isinstance(exc, PlAmazonError) else f"état Amazon illisible : {type(exc).__name__}",
                  source="publisher")
    return ack.with_(issues=(*ack.issues, issue))


def _hours_since(stamp: str | None, now: datetime) -> float | None:
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (now - when).total_seconds() / 3600



__all__ = ["ReconcileOptions", "ReconcileResult", "Reconciler", "reconcile", "refreshed", "settled"]
