"""`pl-amazon publish`: one run from an items export to the acknowledgement files.

Reading, preparing and sending are streamed: an item is read, prepared and either acknowledged at
once (invalid, unchanged) or sent. Every item that enters leaves with exactly one acknowledgement,
written to `acknowledgements.xml` (Product-Live `table-import-items`) and `report.json`. The
journal is written before and after each submission, so a run killed at any moment can be
resumed (`resume=True`) without sending an accepted item twice.

A multi-level item is a variation family (`transpiler.publish.family`): its parent listing is sent
first and its children only once the parent is accepted (in feed mode: parents in the first feeds,
children in the next ones); when the parent is refused, each child is acknowledged NOT_SENT with the
parent's reason. Answers keep the export's hierarchy (model ▸ colour ▸ article).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transpiler.config import TABLE_KEY, Settings
from transpiler.errors import AmazonError, ConfigError, PlAmazonError
from transpiler.mapping.identifiers import PARENT_SKU, SKU
from transpiler.productlive.acknowledgement import Acknowledgement, Issue, Status, join_notes
from transpiler.productlive.items import ItemsFileError, ItemsReader, Limits
from transpiler.publish.family import Family, Placement, Single, Unit
from transpiler.publish.journal import SENDING, Entry, Journal, JournalError, Run, payload_hash, target_name
from transpiler.publish.listing import AUTO, CREATE, ENRICH, Listing, duplicate_sku
from transpiler.publish.mappings import MappingSet
from transpiler.publish.output import AcknowledgementOutput, Progress
from transpiler.publish.preparation import export_size, prepared_units, workers_for
from transpiler.publish.reconcile import Reconciler, settled
from transpiler.publish.submission import (
    PUB_NETWORK,
    PUB_PARENT,
    UNKNOWN_EXISTENCE,
    FeedSubmitter,
    ListingsSubmitter,
    Sent,
    batches,
    error_ack,
)
from transpiler.publish.target import check_settings, journal_file, shared_client
from transpiler.spapi.listings import SEARCH_BATCH
from transpiler.workspace import Workspace

LISTINGS = "listings"
FEED = "feed"
#: Amazon advises feeds from about 1,500 items
FEED_THRESHOLD = 1500
#: seconds after the last submission before the follow-up's first read (Amazon needs some to process)
FIRST_FOLLOW_UP = 5.0
#: How much earlier than our clock Amazon's may date a feed, when looking for one made from our document
FEED_CLOCK_MARGIN = 600.0


@dataclass
class PublishOptions:
    mode: str = AUTO  # create | enrich | auto
    via: str = "auto"  # listings | feed | auto
    preview: bool = False
    resume: bool = False
    force: bool = False
    out_dir: Path = Path("out/publish")
    journal: Path | None = None  # default: <cache_dir>/journal/<target>.sqlite3
    #: journals and the rate-limit buckets shared by every run and worker of the app on this machine
    cache_dir: Path = Path(".cache/pl-amazon")
    feed_threshold: int = FEED_THRESHOLD
    follow_up_delay: float = FIRST_FOLLOW_UP  # seconds after the last submission; 0 = no follow-up read
    follow_up_timeout: float = 60.0  # the bound on the follow-up (`--follow-up`): then `reconcile` takes over
    feed_poll: float = 0.5  # first getFeed poll interval (doubles up to 30 s)
    feed_timeout: float = 3600.0
    limits: Limits = field(default_factory=Limits)
    #: processes preparing items: None = the usable cores for a large export, one for a small one
    workers: int | None = None

    def check(self) -> None:
        if self.mode not in (CREATE, ENRICH, AUTO):
            raise ConfigError(f"--mode must be create, enrich or auto, not {self.mode!r}")
        if self.via not in (LISTINGS, FEED, "auto"):
            raise ConfigError(f"--via must be listings, feed or auto, not {self.via!r}")
        if self.preview and self.via == FEED:
            raise ConfigError("--preview works with the Listings Items API only (VALIDATION_PREVIEW): "
                              "use --via listings")


@dataclass
class PublishResult:
    summary: dict[str, Any]
    acknowledgements_path: Path
    report_path: Path
    file_errors: list[str]
    via: str

    @property
    def exit_code(self) -> int:
        return 1 if self.file_errors or self.summary["failed"] else 0


def journal_path(settings: Settings, options: PublishOptions) -> tuple[Path, str]:
    target = target_name(settings.spapi_url, settings.seller_id, settings.marketplace_id)
    return journal_file(options.journal, options.cache_dir, target), target


def publish(items_path: Path, workspace: Workspace, options: PublishOptions, *, client: Any = None,
            table: MappingSet | None = None, validate: Callable[[str, dict[str, Any]], Any] | None = None,
            progress: Progress | None = None, clock: Callable[[], float] = time.time,
            sleep: Callable[[float], None] = time.sleep) -> PublishResult:
    """Publish an items export; see the module docstring. Raises PlAmazonError for unusable settings.

    The workspace gives the settings, the field mappings (`table`, default: its mapping folder) and
    the validators (`validate`, default: `transpiler.validation.validate` in this workspace, so each
    product type is compiled once per run; a large export is then prepared on every core, see
    `transpiler.publish.preparation` and `options.workers`, while a caller's own `validate` runs in
    this process). `clock` (seconds since the epoch: it also dates the createFeed requests, to find
    a feed whose answer was lost) and `sleep` time the waits for Amazon's processing (follow-up
    reads, feed polling): tests hand in a sandbox's, so waiting advances the sandbox clock instead
    of the wall clock.
    """
    settings = workspace.settings
    options.check()
    check_settings(settings)
    progress = progress or Progress()
    if table is None:
        table = MappingSet.load(workspace.mapping_dir)
    reader = ItemsReader(items_path, options.limits, table=TABLE_KEY)
    reader.check_file()  # a missing file, a FIFO, /dev/zero: refused before anything starts
    path, target = journal_path(settings, options)
    # Every way out (an answer, a broken file, an exception, Ctrl-C) closes what was opened, and a
    # failed run leaves no half-written acknowledgement behind; the journal says what was sent.
    with contextlib.ExitStack() as resources:
        if client is None:
            client = shared_client(settings, options.cache_dir)
            resources.callback(client.close)
        journal = resources.enter_context(Journal(path, target))
        run = journal.begin_run(str(items_path), {"mode": options.mode, "via": options.via,
                                                  "preview": options.preview},
                                resume=options.resume, force=options.force) if not options.preview else None
        output: AcknowledgementOutput | None = None
        publisher: _Publisher | None = None
        file_errors: list[str] = []
        started = time.monotonic()
        via = LISTINGS
        try:
            publisher = _Publisher(settings, options, client, table, validate, journal, run, progress, clock, sleep,
                                   workspace)
            listings = publisher.prepared(reader)
            resources.callback(listings.close)  # the export file, however the run ends
            first = next(listings, None)
            output = AcknowledgementOutput(options.out_dir, TABLE_KEY, progress, table.titles())
            publisher.output = output
            stream = publisher.guarded(itertools.chain([first], listings) if first is not None else iter(()))
            via = options.via
            if via == "auto":
                head: list[Unit] = []
                for unit in stream:  # as many listings as the threshold (a family counts all its listings)
                    head.append(unit)
                    if sum(_size(u) for u in head) >= options.feed_threshold:
                        break
                big = sum(_size(u) for u in head) >= options.feed_threshold
                via = FEED if big and not options.preview else LISTINGS
                stream = itertools.chain(head, stream)
            if via == FEED:
                publisher.by_feed(stream)
            else:
                publisher.by_listings(stream)
            publisher.follow_up()
            if publisher.file_error is not None:
                file_errors.append(publisher.file_error.one_line())
        except ItemsFileError as exc:
            file_errors.append(exc.one_line())
            if output is None:
                output = AcknowledgementOutput(options.out_dir, TABLE_KEY, progress, table.titles())
        except BaseException:
            if output is not None:
                output.abort()
            raise
        elapsed = time.monotonic() - started
        summary = {
            **output.totals(),
            "via": via,
            "preview": options.preview,
            "feeds": list(publisher.feed_ids) if publisher is not None else [],
            "families": publisher.families if publisher is not None else 0,
            "fileErrors": file_errors,
            "itemsFile": str(items_path),
            "seconds": round(elapsed, 3),
            "marketplaceId": settings.marketplace_id,
            "sellerId": settings.seller_id,
            "journal": str(path),
        }
        output.close(summary)
        if run is not None:
            journal.finish_run(run)
    return PublishResult(summary, output.xml_path, output.report_path, file_errors, via)


class _Publisher:
    def __init__(self, settings: Settings, options: PublishOptions, client: Any, table: MappingSet,
                 validate: Callable[[str, dict[str, Any]], Any] | None, journal: Journal, run: Run | None,
                 progress: Progress, clock: Callable[[], float], sleep: Callable[[float], None],
                 workspace: Workspace):
        self.settings = settings
        self.workspace = workspace
        self.clock = clock
        self.sleep = sleep
        self.options = options
        self.client = client
        self.table = table
        self.validate = validate
        self.journal = journal
        self.run = run
        self.progress = progress
        self.output: AcknowledgementOutput | None = None
        self.pending_follow_up: list[tuple[Acknowledgement, str]] = []
        self.last_sent = 0.0
        self.feed_ids: list[str] = []
        self.file_error: ItemsFileError | None = None
        self.listings = ListingsSubmitter(client, table, settings.marketplace_id, preview=options.preview,
                                          force=options.force)
        #: where each answer goes in the acknowledgement file, by item position in the export
        self.placements: dict[int, Placement] = {}
        #: the latest answer for each listing (by position): a family's children wait on their parent's
        self.answers: dict[int, Acknowledgement] = {}
        self.families = 0
        #: each SKU's first occurrence in the export (position, line), and the positions of later ones
        self.first_seen: dict[str, tuple[int, int | None]] = {}
        self.duplicates: set[int] = set()

    # -- preparation ----------------------------------------------------------------------------
    def prepared(self, reader: ItemsReader) -> Iterator[Unit]:
        workers = workers_for(self.options.workers, export_size(reader))
        for unit in prepared_units(reader, self.workspace, self.table, mode=self.options.mode, validate=self.validate,
                                   workers=workers):
            self.progress.item()
            if isinstance(unit, Family):
                self.families += 1
                self.placements.update(unit.placements)
                self.once(unit.parent, PARENT_SKU)
                for child in unit.children:
                    if child.sku != unit.parent.sku:  # the family reports an article with its model's SKU
                        self.once(child)
            else:
                if unit.placement != Placement():
                    self.placements[unit.listing.index] = unit.placement
                self.once(unit.listing)
            yield unit

    def once(self, listing: Listing, key: str = SKU) -> None:
        """Note the first occurrence of each SKU; a later one is marked INVALID and never sent, and
        its answer stays out of the acknowledgement file (the first occurrence's row is the SKU's)."""
        if listing.sku is None:
            return
        first = self.first_seen.setdefault(listing.sku, (listing.index, listing.line))
        if first[0] != listing.index:
            duplicate_sku(listing, *first, key=key)
            self.duplicates.add(listing.index)

    def digest(self, listing: Listing) -> str:
        return payload_hash({"productType": listing.product_type, "mode": listing.mode,
                             "attributes": listing.attributes})

    def placed(self, ack: Acknowledgement) -> Acknowledgement:
        """The answer placed where its item sits in the export (the journal keeps it so: a later
        reconcile answers the item at the same place of a multi-level table)."""
        placement = self.placements.get(ack.index)
        if placement is None:
            return ack
        return ack.with_(identifier=placement.identifier, path=placement.path, family=placement.family,
                         role=placement.role)

    def emit(self, ack: Acknowledgement) -> None:
        """The final answer for one item, placed where its item sits in the export."""
        assert self.output is not None
        ack = self.placed(ack)
        self.answers[ack.index] = ack
        self.output.emit(ack, xml=ack.index not in self.duplicates)

    def hold(self, ack: Acknowledgement, digest: str) -> None:
        """An accepted answer whose follow-up read (ASIN, late issues) comes at the end of the run."""
        self.answers[ack.index] = ack
        self.pending_follow_up.append((ack, digest))

    def early(self, listing: Listing) -> tuple[str, bool]:
        """Acknowledge at once what is not to be sent; returns (digest, handled)."""
        if not listing.sendable:
            self.emit(Acknowledgement(index=listing.index, sku=listing.sku, status=Status.INVALID,
                                      product_type=listing.product_type, mode=listing.mode,
                                      issues=tuple(listing.issues), note=listing.note))
            return "", True
        digest = self.digest(listing)
        if self.options.preview or self.options.force:
            return digest, False
        entry = self.journal.entry(listing.sku or "")
        if entry is not None and entry.answered(digest) and entry.ack is not None:
            ack = entry.ack.with_(index=listing.index, unchanged=True)
            if ack.status == Status.ACCEPTED and not settled(ack) and self.options.follow_up_delay > 0:
                # accepted by a run that ended before its follow-up read (killed): read it now
                self.hold(ack, digest)
            else:
                self.emit(ack)
            return digest, True
        return digest, False

    # -- families -------------------------------------------------------------------------------
    def ready(self, parent: Listing) -> bool:
        """Whether a parent listing is on Amazon (accepted, unchanged, or already up to date), so its
        children may be sent; in a preview, whether Amazon would accept it."""
        ack = self.answers.get(parent.index)
        if ack is None:
            return False
        if ack.status in (Status.ACCEPTED, Status.VALID):
            return True
        return ack.status == Status.NOT_SENT and not any(i.is_error for i in ack.issues)

    def not_sent(self, child: Listing, parent: Listing) -> Acknowledgement:
        """A child left unsent because its parent is not on Amazon, with the parent's reason in French."""
        ack = self.answers.get(parent.index)
        state = {Status.INVALID: "a été refusée", Status.ERROR: "n'a pas pu être envoyée",
                 Status.NOT_SENT: "n'a pas été envoyée"}.get(ack.status if ack else Status.NOT_SENT,
                                                            "n'a pas été acceptée")
        reasons = [i.line(self.table.titles()) for i in (ack.issues if ack else ()) if i.is_error][:2]
        why = f" : {' ; '.join(reasons)}" if reasons else ""
        message = (f"non envoyé : l'annonce parent {parent.sku or '(sans SKU)'} {state}{why}. Les articles d'une "
                   "famille ne sont envoyés qu'une fois leur parent accepté par Amazon ; corrigez le modèle puis "
                   "republiez.")
        issue = Issue(PUB_PARENT, "ERROR", message, source="publisher")
        return Acknowledgement(index=child.index, sku=child.sku, status=Status.NOT_SENT,
                               product_type=child.product_type, mode=child.mode,
                               issues=(*child.issues, issue), note=child.note)

    def children_after(self, family: Family) -> Iterator[Listing]:
        """The children to send now that the parent was answered; the others are acknowledged."""
        parent_ok = self.ready(family.parent)
        for child in family.children:
            if child.sendable and not parent_ok:
                self.emit(self.not_sent(child, family.parent))
            else:
                yield child

    def guarded(self, stream: Iterator[Listing]) -> Iterator[Listing]:
        """The stream, ended cleanly when the file breaks (the error is kept for the summary), so
        the items already read are still sent and acknowledged."""
        try:
            yield from stream
        except ItemsFileError as exc:
            self.file_error = exc

    # -- Listings Items API ---------------------------------------------------------------------
    def by_listings(self, stream: Iterator[Unit]) -> None:
        for unit in stream:
            if isinstance(unit, Single):
                self.send(unit.listing)
                continue
            self.send(unit.parent)
            for child in self.children_after(unit):
                self.send(child)

    def send(self, listing: Listing) -> None:
        """One listing through the Listings Items API (or its answer from the journal)."""
        digest, handled = self.early(listing)
        if handled:
            return
        sku = listing.sku or ""
        if self.run is not None:
            entry = self.journal.entry(sku)
            if self.maybe_sent(entry, digest) and self._recover(listing, digest, "PATCH" if listing.mode == ENRICH
                                                                else "PUT"):
                return
            self.journal.mark_sending(self.run, sku, digest, "PATCH" if listing.mode == ENRICH else "PUT")
        sent = self.listings.submit(listing)
        self.last_sent = self.clock()
        self._finish(listing, digest, sent)

    def maybe_sent(self, entry: Entry | None, digest: str) -> bool:
        """Whether this very payload may already be on Amazon: a run stopped (killed, or unable to
        tell) after marking it `sending` and before recording Amazon's answer. `--force` resends."""
        return (entry is not None and entry.state == SENDING and entry.payload_hash == digest
                and not self.options.force)

    def _recover(self, listing: Listing, digest: str, operation: str) -> bool:
        """A SKU that may have been sent: True when it is answered without sending it again (Amazon
        holds exactly the payload: accepted; or Amazon cannot be asked: ERROR, and the SKU stays
        `sending` so the next run asks again), False when Amazon does not hold it (send it)."""
        try:
            held = self.listings.matches(listing)
        except PlAmazonError as exc:
            self.emit(_undecided(listing, operation, exc))
            return True
        if not held:
            return False
        ack = Acknowledgement(index=listing.index, sku=listing.sku, status=Status.ACCEPTED,
                              product_type=listing.product_type, mode=listing.mode, operation=operation,
                              issues=tuple(listing.issues), published_at=None,
                              note=join_notes(listing.note, "soumission d'une exécution interrompue retrouvée "
                                                            "sur Amazon : non renvoyée"))
        self._finish(listing, digest, Sent(ack, listing.attributes))
        return True

    def _finish(self, listing: Listing, digest: str, sent: Sent) -> None:
        ack = sent.ack
        if self.run is not None:
            # Also when nothing left (Amazon already holds the payload): the SKU was marked `sending`,
            # and a mark left behind would make the next run take it for an interrupted submission.
            self.journal.record(self.run, listing.sku or "", digest, self.placed(ack), sent.attributes)
        if ack.status == Status.ACCEPTED and self.options.follow_up_delay > 0 and not self.options.preview:
            self.hold(ack, digest)
        else:
            self.emit(ack)

    def follow_up(self) -> None:
        """Read accepted listings again once Amazon has processed them (ASIN, late issues), for at most
        `follow_up_timeout` seconds; what is still pending is left to `pl-amazon reconcile`."""
        if not self.pending_follow_up:
            return
        self.progress.status("vérification des annonces acceptées")
        pending = self.pending_follow_up
        self.pending_follow_up = []
        digests = {ack.sku: digest for ack, digest in pending}
        reconciler = Reconciler(self.client, self.table, self.settings.marketplace_id, clock=self.clock,
                                sleep=self.sleep)
        first_wait = self.options.follow_up_delay - (self.clock() - self.last_sent)
        problems: list[str] = []
        followed = reconciler.follow([ack for ack, _ in pending], first_wait=first_wait,
                                     bound=self.options.follow_up_timeout,
                                     on_error=lambda exc: problems.append(PlAmazonError.one_line(exc)))
        for ack in followed:
            if problems:
                ack = ack.with_(issues=(*ack.issues, Issue(PUB_NETWORK, "WARNING", "vérification après traitement "
                                                           f"impossible : {problems[0]}", source="publisher")))
            digest = digests.get(ack.sku, "")
            if self.run is not None and ack.sku:
                self.journal.record(self.run, ack.sku, digest, self.placed(ack).with_(unchanged=False))
                self.journal.settle(ack.sku, digest, ack, final=settled(ack), update_ack=False)
            self.emit(ack)

    # -- JSON_LISTINGS_FEED ---------------------------------------------------------------------
    def by_feed(self, stream: Iterator[Unit]) -> None:
        """Lone listings and parents first; then, in the next feeds, the children of accepted parents."""
        families: list[Family] = []

        def first() -> Iterator[Listing]:
            for unit in stream:
                if isinstance(unit, Single):
                    yield unit.listing
                else:
                    families.append(unit)
                    yield unit.parent

        self._feeds(first())
        if families:
            self._feeds(child for family in families for child in self.children_after(family))

    def _feeds(self, stream: Iterator[Listing]) -> None:
        submitter = FeedSubmitter(self.client, self.table, self.settings.seller_id, self.settings.marketplace_id,
                                  self.settings.locale, poll_first=self.options.feed_poll,
                                  timeout=self.options.feed_timeout, force=self.options.force, clock=self.clock,
                                  sleep=self.sleep)
        submitter.feed_ids = self.feed_ids
        # SKUs a stopped run may have sent: by feed id when Amazon gave one, else by the moment
        # createFeed was requested (the feed may exist without the journal knowing its id)
        waiting: dict[str, dict[int, tuple[Listing, str]]] = {}
        unknown: dict[float | None, dict[int, tuple[Listing, str]]] = {}
        numbers = itertools.count(1)  # message ids for entries of journals that kept none

        def candidates() -> Iterator[tuple[Listing, str, Entry | None]]:
            for listing in stream:
                digest, handled = self.early(listing)
                if handled:
                    continue
                entry = self.journal.entry(listing.sku or "")
                if entry is not None and self.maybe_sent(entry, digest):
                    message_id = entry.message_id or next(numbers)
                    if entry.feed_id:
                        waiting.setdefault(entry.feed_id, {})[message_id] = (listing, digest)
                    else:
                        unknown.setdefault(entry.requested, {})[message_id] = (listing, digest)
                    continue
                yield listing, digest, entry

        self._send_feeds(submitter, candidates())
        for feed_id, carried in waiting.items():
            self.progress.status(f"reprise du flux {feed_id}")
            submitter.feed_ids.append(feed_id)
            self._settle_feed(submitter, feed_id, carried)
        again: list[tuple[Listing, str, Entry | None]] = []
        for requested, carried in unknown.items():
            self.progress.status("recherche du flux d'une exécution interrompue")
            leftover = self._find_feed(submitter, carried, requested)
            again.extend((listing, digest, self.journal.entry(listing.sku or ""))
                         for listing, digest in leftover.values())
        if again:
            self._send_feeds(submitter, iter(again))

    def _send_feeds(self, submitter: FeedSubmitter, items: Iterator[tuple[Listing, str, Entry | None]]) -> None:
        """Batch the listings into feeds and send them, journaling each step (see `journal`)."""
        counter = itertools.count(1)
        to_send: dict[int, tuple[Listing, str]] = {}

        def messages() -> Iterator[dict[str, Any]]:
            # Which SKUs Amazon already holds decides PATCH or UPDATE: read 20 at a time, as the feed fills
            for chunk in _chunks(items, SEARCH_BATCH):
                try:
                    held = submitter.existing(listing for listing, _, _ in chunk)
                except PlAmazonError as exc:
                    for listing, digest, _ in chunk:  # unknown: an UPDATE could wipe an existing listing
                        self._record_feed_sent(Sent(error_ack(listing, exc, None, UNKNOWN_EXISTENCE), None), digest)
                    continue
                for listing, digest, entry in chunk:
                    message_id = next(counter)
                    message = submitter.message(message_id, listing, held.get(listing.sku or ""),
                                                entry.attributes if entry else None)
                    if message is None:
                        self.emit(Acknowledgement(
                            index=listing.index, sku=listing.sku, status=Status.NOT_SENT,
                            product_type=listing.product_type, mode=listing.mode, asin=listing.asin,
                            issues=tuple(listing.issues),
                            note=join_notes(listing.note, "déjà à jour sur Amazon : aucune modification à envoyer")))
                        continue
                    to_send[message_id] = (listing, digest)
                    yield message

        for batch in batches(submitter.header(), messages()):
            carried = {mid: to_send.pop(mid) for mid, _ in batch.messages}
            self.progress.status(f"envoi d'un flux de {len(carried)} messages")
            try:
                document = submitter.new_document()
                requested = self.clock()
                if self.run is not None:
                    self.journal.mark_feed_sending(self.run, str(document["feedDocumentId"]), requested,
                                                   [(lst.sku or "", d, mid) for mid, (lst, d) in carried.items()])
                submitter.upload(document, batch.body)
            except PlAmazonError as exc:  # no createFeed yet: nothing can have reached Amazon
                self._feed_failed(carried, exc)
                continue
            try:
                feed_id = submitter.create(document)
            except PlAmazonError as exc:
                if isinstance(exc, AmazonError) and 400 <= exc.status < 500:  # refused: no feed was made
                    self._feed_failed(carried, exc)
                else:  # the answer was lost or unreadable: Amazon may have made the feed all the same
                    self._feed_failed(self._find_feed(submitter, carried, requested), exc)
                continue
            if self.run is not None:
                self.journal.set_feed([lst.sku or "" for lst, _ in carried.values()], feed_id)
            self._settle_feed(submitter, feed_id, carried)

    def _find_feed(self, submitter: FeedSubmitter, carried: dict[int, tuple[Listing, str]],
                   requested: float | None) -> dict[int, tuple[Listing, str]]:
        """The feed Amazon made from these messages when createFeed's answer never came back.

        Amazon does not tell which document a feed was made from, so each JSON_LISTINGS_FEED made
        since createFeed was requested, and not known to the journal, is waited for and recognised
        by its processing report (the same SKUs, as many messages). Found: its answers are the
        SKUs' acknowledgements. Not found: no feed of them is in flight any more, so Amazon's
        listings are final; a SKU Amazon holds exactly is acknowledged as accepted. Returns the
        messages Amazon does not have (to send again). When Amazon cannot be asked, the SKUs are
        acknowledged ERROR and stay `sending`, so the next run asks again: never sent twice.
        """
        skus = {listing.sku or "" for listing, _ in carried.values()}
        since = None if requested is None else requested - FEED_CLOCK_MARGIN
        try:
            candidates = [str(f.get("feedId")) for f in submitter.feeds_since(since)]
            known = self.journal.known_feeds() | set(submitter.feed_ids)
            for feed_id in candidates:
                if feed_id in known:
                    continue
                self.progress.status(f"attente du traitement du flux {feed_id}")
                status, report = submitter.wait(feed_id)
                if submitter.carries(report, skus):
                    submitter.feed_ids.append(feed_id)
                    if self.run is not None:
                        self.journal.set_feed(sorted(skus), feed_id)
                    self._settle_feed(submitter, feed_id, carried, (status, report))
                    return {}
        except PlAmazonError as exc:
            for listing, _ in carried.values():
                self.emit(_undecided(listing, "FEED", exc))
            return {}
        return {mid: (listing, digest) for mid, (listing, digest) in carried.items()
                if not self._recover(listing, digest, "FEED")}

    def _feed_failed(self, carried: dict[int, tuple[Listing, str]], exc: PlAmazonError) -> None:
        for listing, digest in carried.values():
            self._record_feed_sent(Sent(error_ack(listing, exc, "FEED"), None), digest)

    def _settle_feed(self, submitter: FeedSubmitter, feed_id: str, carried: dict[int, tuple[Listing, str]],
                     outcome: tuple[str, dict[str, Any] | None] | None = None) -> None:
        problem = None
        if outcome is None:
            self.progress.status(f"attente du traitement du flux {feed_id}")
            try:
                outcome = submitter.wait(feed_id)
            except PlAmazonError as exc:
                outcome, problem = ("ERROR", None), exc.one_line()
        status, report = outcome
        by_id = {mid: listing for mid, (listing, _) in carried.items()}
        digests = {listing.sku: digest for listing, digest in carried.values()}
        for sent in submitter.acknowledge(feed_id, status, report, by_id, problem):
            self._record_feed_sent(sent, digests.get(sent.ack.sku, ""))

    def _record_feed_sent(self, sent: Sent, digest: str) -> None:
        ack = sent.ack
        if self.run is not None and ack.sku:
            self.journal.record(self.run, ack.sku, digest, self.placed(ack), sent.attributes)
        if ack.status == Status.ACCEPTED and self.options.follow_up_delay > 0 and not settled(ack):
            self.hold(ack, digest)
            self.last_sent = self.clock()
        else:
            self.emit(ack)


def _undecided(listing: Listing, operation: str, exc: PlAmazonError) -> Acknowledgement:
    """ERROR for a SKU that may already be on Amazon when Amazon cannot be asked: not sent again
    (and not journaled as answered, so the next run asks again)."""
    issue = Issue(PUB_NETWORK, "ERROR", "une exécution interrompue a peut-être déjà envoyé cet article et Amazon ne "
                                        f"peut pas être interrogé ({PlAmazonError.one_line(exc)}) : non renvoyé ; "
                                        "relancez la publication plus tard", source="publisher")
    return Acknowledgement(index=listing.index, sku=listing.sku, status=Status.ERROR, product_type=listing.product_type,
                           mode=listing.mode, operation=operation, asin=listing.asin,
                           issues=(*listing.issues, issue), note=listing.note)


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items (the last one shorter), read lazily."""
    while chunk := list(itertools.islice(items, size)):
        yield chunk



def _size(unit: Unit) -> int:
    """How many listings a unit sends (a family: its parent and its children)."""
    return 1 if isinstance(unit, Single) else 1 + len(unit.children)


__all__ = ["FEED", "LISTINGS", "JournalError", "PublishOptions", "PublishResult", "publish"]
