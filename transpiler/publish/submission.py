"""Sending listings to Amazon and turning each answer into an acknowledgement.

`ListingsSubmitter` sends one item at a time through the Listings Items API (PUT to create or to
attach to an existing ASIN, PATCH with a computed JSON Patch when the SKU already exists);
`FeedSubmitter` sends many through JSON_LISTINGS_FEED documents. Both go through the SP-API
client (token buckets, retries), so the pace is Amazon's and a throttled call is retried, not lost.
Any failure that survives the retries becomes an ERROR acknowledgement for the item concerned.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from transpiler.errors import AmazonError, PlAmazonError
from transpiler.productlive.acknowledgement import Acknowledgement, Issue, Status, join_notes
from transpiler.publish.feed import (
    MessageResult,
    batches,
    feed_header,
    none_accepted,
    patch_message,
    read_report,
    unexplained,
    update_message,
)
from transpiler.publish.listing import CREATE, ENRICH, Listing, amazon_issue
from transpiler.publish.mappings import MappingSet
from transpiler.publish.patch import held_back, listing_patches
from transpiler.publish.transient import PUB_TRANSIENT, any_transient, transient_failure
from transpiler.spapi.errors import UnreadableDocumentError
from transpiler.spapi.hints import hint
from transpiler.spapi.retry import RetryPolicy

REQUIREMENTS = "LISTING_PRODUCT_ONLY"  # vendors: product facts, no offer
#: `identifiers` "can only be requested when mode is VALIDATION_PREVIEW" (the model's includedData
#: enum); outside preview the ASIN comes from the follow-up read (getListingsItem summaries)
SUBMIT_INCLUDED = ("issues",)
PREVIEW_INCLUDED = ("issues", "identifiers")
PREVIEW = "VALIDATION_PREVIEW"

# codes of acknowledgement issues produced by the publisher itself
PUB_HTTP = "PUB_HTTP_ERROR"
PUB_NETWORK = "PUB_NETWORK"
PUB_FEED = "PUB_FEED"
PUB_NOT_EDITABLE = "PUB_NOT_EDITABLE"
PUB_PARENT = "PUB_PARENT_NOT_ACCEPTED"  # a child not sent because its family's parent is not on Amazon
PUB_NO_REASON = "PUB_INVALID_WITHOUT_ISSUE"  # Amazon refused a listing without saying why
ACCEPTED_WITH_ERRORS = "acceptée par Amazon mais avec des erreurs : voir les problèmes"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


UNKNOWN_EXISTENCE = ("non envoyé : impossible de savoir si Amazon connaît déjà ce SKU, et un envoi complet "
                     "remplacerait une annonce existante")


def error_ack(listing: Listing, exc: Exception, operation: str | None, note: str | None = None) -> Acknowledgement:
    """ERROR acknowledgement for a call that failed after its retries, with a French explanation."""
    if isinstance(exc, AmazonError):
        status = exc.status
        if status == 429:
            message = "Amazon limite le débit (HTTP 429) et les nouvelles tentatives ont échoué : à republier"
        elif status >= 500:
            message = f"Amazon est indisponible (HTTP {status}) malgré plusieurs tentatives : à republier"
        elif status < 300:  # a success whose body cannot be read (a gateway's page, truncated JSON)
            message = (f"réponse d'Amazon illisible (HTTP {status}, pas l'objet JSON attendu : page d'une "
                       "passerelle, JSON tronqué…) : à republier")
        else:
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in exc.errors) or str(exc)
            message = f"Amazon a refusé la requête (HTTP {status}) : {detail}"
            known = hint(exc)
            if known is not None:
                message += f" — {known.french}"
        if exc.request_id:
            message += f" (identifiant de requête {exc.request_id})"
        issue = Issue(PUB_HTTP if status < 500 and status != 429 else str(status), "ERROR", message,
                      source="publisher")
    else:
        issue = Issue(PUB_NETWORK, "ERROR", f"Amazon injoignable : {PlAmazonError.one_line(exc)}"
                      if isinstance(exc, PlAmazonError) else f"Amazon injoignable : {type(exc).__name__}",
                      source="publisher")
    return Acknowledgement(index=listing.index, sku=listing.sku, status=Status.ERROR, product_type=listing.product_type,
                           mode=listing.mode, operation=operation, issues=(*listing.issues, issue),
                           note=join_notes(listing.note, note))


def _asin(response: Mapping[str, Any], marketplace_id: str) -> str | None:
    for identifier in response.get("identifiers") or ():
        if isinstance(identifier, Mapping) and identifier.get("asin") and identifier.get("marketplaceId") in (
                None, marketplace_id):
            return str(identifier["asin"])
    for summary in response.get("summaries") or ():
        if isinstance(summary, Mapping) and summary.get("asin") and summary.get("marketplaceId") in (
                None, marketplace_id):
            return str(summary["asin"])
    return None


@dataclass
class Sent:
    """One answered submission: the acknowledgement and what Amazon now holds (for later diffs)."""

    ack: Acknowledgement
    attributes: dict[str, Any] | None


class ListingsSubmitter:
    """One item at a time through the Listings Items API.

    `retry` and `sleep` pace the repetitions of a submission Amazon answered with a transient
    failure (`transpiler.publish.transient`); by default the client's own retry policy and sleep.
    """

    def __init__(self, client: Any, table: MappingSet, marketplace_id: str, *, preview: bool = False,
                 force: bool = False, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] | None = None):
        self.listings = client.listings
        self.table = table
        self.marketplace_id = marketplace_id
        self.preview = preview
        self.force = force  # resend what did not change: every managed attribute of an existing listing
        self.included = PREVIEW_INCLUDED if preview else SUBMIT_INCLUDED
        transport = getattr(client, "transport", None)
        self.retry = retry or getattr(transport, "retry", None) or RetryPolicy()
        self.sleep = sleep or getattr(transport, "_sleep", None) or time.sleep

    def current(self, sku: str, included: Iterable[str] = ("attributes", "summaries")) -> dict[str, Any] | None:
        """The listing as Amazon holds it (None when the SKU does not exist)."""
        try:
            return dict(self.listings.get_listings_item(sku, included_data=list(included)))
        except AmazonError as exc:
            if exc.status == 404:
                return None
            raise

    def submit(self, listing: Listing) -> Sent:
        """PATCH when Amazon already holds the SKU (never replace an existing listing by accident: a
        PUT would wipe what was managed in Vendor Central), else PUT (create, or attach to an ASIN).

        Existence is read first (getListingsItem, 404 = new) for creations and enrichments alike.
        """
        assert listing.sku is not None and listing.product_type is not None
        operation = "PUT"
        try:
            current = self.current(listing.sku)
            if current is not None:
                operation = "PATCH"
                return self._patch(listing, current)
            return self._put(listing)
        except (AmazonError, PlAmazonError) as exc:
            return Sent(error_ack(listing, exc, operation), None)

    def _send(self, call: Callable[[], Mapping[str, Any]]) -> tuple[Mapping[str, Any], int]:
        """Make a submission, repeating it with backoff while Amazon answers a transient failure
        inside its HTTP 200 (like a 5xx); returns the last answer and the attempts made."""
        attempt = 1
        while True:
            response = call()
            if not transient_failure(response) or attempt >= self.retry.max_attempts:
                return response, attempt
            self.sleep(self.retry.delay(attempt))
            attempt += 1

    def _put(self, listing: Listing) -> Sent:
        body = {"productType": listing.product_type, "requirements": REQUIREMENTS, "attributes": listing.attributes}
        response, attempts = self._send(lambda: self.listings.put_listings_item(
            listing.sku, body, mode=PREVIEW if self.preview else None, included_data=self.included))
        return self._answer(listing, response, "PUT", listing.attributes, attempts=attempts)

    def _patch(self, listing: Listing, current: Mapping[str, Any]) -> Sent:
        have = current.get("attributes") or {}
        listing.issues.extend(_held_back_issues(have, listing, self.table, self.marketplace_id))
        patches = _patches(have, listing, self.marketplace_id)
        if not patches and self.force:  # resend the managed attributes as they are, wiping nothing
            patches = _patches({}, listing, self.marketplace_id)
        asin = _asin(current, self.marketplace_id)  # Amazon's, for this SKU
        if not patches:
            note = "déjà à jour sur Amazon : aucune modification à envoyer"
            return Sent(Acknowledgement(index=listing.index, sku=listing.sku, status=Status.NOT_SENT,
                                        product_type=listing.product_type, mode=listing.mode, operation=None,
                                        asin=asin, issues=tuple(listing.issues), note=join_notes(listing.note, note)),
                        None)
        body = {"productType": listing.product_type, "patches": patches}
        response, attempts = self._send(lambda: self.listings.patch_listings_item(
            listing.sku, body, mode=PREVIEW if self.preview else None, included_data=self.included))
        changed = ", ".join(p["path"].rsplit("/", 1)[-1] for p in patches)
        sent = self._answer(listing, response, "PATCH", listing.attributes, attempts=attempts,
                            extra_note=f"l'annonce existe chez Amazon : attributs modifiés : {changed}")
        if sent.ack.asin is None and asin:
            sent.ack = sent.ack.with_(asin=asin)
        return sent

    def _answer(self, listing: Listing, response: Mapping[str, Any], operation: str,
                attributes: dict[str, Any], extra_note: str | None = None, attempts: int = 1) -> Sent:
        raw = str(response.get("status") or "")
        status = {"ACCEPTED": Status.ACCEPTED, "INVALID": Status.INVALID, "VALID": Status.VALID}.get(raw, Status.ERROR)
        given = [amazon_issue(dict(i), listing.mapping, self.table)
                 for i in response.get("issues") or () if isinstance(i, Mapping)]
        issues = [*listing.issues, *given]
        note = join_notes(listing.note, extra_note)
        if transient_failure(response):  # persisted through every attempt: not a verdict on the listing
            status = Status.ERROR
            issues.append(Issue(PUB_TRANSIENT, "ERROR", f"erreur interne d'Amazon persistante après {attempts} "
                                                        "tentative(s) : à republier", source="publisher"))
        elif status == Status.VALID and not self.preview:
            # VALID is the answer of a preview: nothing says this submission was saved
            status = Status.ERROR
            issues.append(Issue(PUB_HTTP, "ERROR", "Amazon a répondu VALID (simple validation) à un envoi réel : "
                                                   "rien n'indique que l'annonce a été enregistrée ; à republier",
                                source="publisher"))
        elif status == Status.INVALID and not any(i.is_error for i in given):
            issues.append(Issue(PUB_NO_REASON, "ERROR", "Amazon a refusé l'annonce (INVALID) sans indiquer de "
                                                        "problème : vérifier l'annonce dans Vendor Central, puis "
                                                        "republier", source="publisher"))
        elif status in (Status.ACCEPTED, Status.VALID) and any(i.is_error for i in given):
            # accepted (or judged valid) with errors already known: never reported as a success
            status = Status.INVALID
            note = join_notes(note, ACCEPTED_WITH_ERRORS)
        elif status == Status.ACCEPTED and self.preview:
            status = Status.VALID  # a preview saves nothing, whatever word Amazon uses for "would accept"
        elif status == Status.ERROR:
            issues.append(Issue(PUB_HTTP, "ERROR", f"réponse d'Amazon sans statut reconnu ({raw or 'vide'})",
                                source="publisher"))
        ack = Acknowledgement(index=listing.index, sku=listing.sku, status=status, product_type=listing.product_type,
                              mode=listing.mode, operation=operation,
                              submission_id=str(response.get("submissionId") or "") or None,
                              asin=_asin(response, self.marketplace_id), issues=tuple(issues),
                              published_at=now_iso(), note=note)
        return Sent(ack, attributes if status == Status.ACCEPTED else None)

    def matches(self, listing: Listing) -> bool:
        """True when Amazon already holds exactly the desired attributes (a run killed after sending)."""
        current = self.current(listing.sku or "", ("attributes",))
        if current is None:
            return False
        have = current.get("attributes") or {}
        return not _patches(have, listing, self.marketplace_id, managed=list(listing.attributes))


def _patches(current: Mapping[str, Any], listing: Listing, marketplace_id: str, *,
             managed: list[str] | None = None) -> list[dict[str, Any]]:
    """The JSON Patch from `current` to the listing's attributes, under the rules of its mapping
    (attributes the table manages, selectors for deletes, attributes never patched)."""
    mapping = listing.mapping
    if managed is None:
        managed = list(mapping.managed) if mapping else list(listing.attributes)
    return listing_patches(current, listing.attributes, managed=managed,
                           selectors=mapping.selectors if mapping else None,
                           frozen=mapping.frozen if mapping else (), marketplace_id=marketplace_id)


def _report(data: bytes) -> dict[str, Any]:
    """A processing report from a result document's bytes (UnreadableDocumentError when it is none)."""
    try:
        report = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableDocumentError("the processing report", f"not JSON ({exc})") from None
    if not isinstance(report, dict):
        raise UnreadableDocumentError("the processing report", f"a JSON {type(report).__name__}, not an object")
    return report


def _held_back_issues(current: Mapping[str, Any], listing: Listing, table: MappingSet,
                      marketplace_id: str) -> list[Issue]:
    """A WARNING per attribute whose change no patch may carry (Amazon's `editable: false`); the
    identity attributes are left out: they chose the product when the listing was created."""
    mapping = listing.mapping
    if mapping is None:
        return []
    names = [name for name in held_back(current, listing.attributes, frozen=mapping.frozen,
                                        marketplace_id=marketplace_id) if not mapping.rules(name).identity]
    return [Issue(PUB_NOT_EDITABLE, "WARNING",
                  f"« {name} » ne peut pas être modifié sur un produit existant (non modifiable chez Amazon) : "
                  "changement non envoyé", attribute_names=(name,), fields=table.fields_for(mapping, (name,)),
                  source="publisher")
            for name in names]



class FeedSubmitter:
    """Listings in JSON_LISTINGS_FEED documents: one createFeed per batch, processing report read back."""

    def __init__(self, client: Any, table: MappingSet, seller_id: str, marketplace_id: str, locale: str, *,
                 poll_first: float = 0.5, poll_max: float = 30.0, timeout: float = 3600.0, force: bool = False,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.force = force
        self.feeds = client.feeds
        self.listings = client.listings
        self.table = table
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self.locale = locale
        self.poll_first = poll_first
        self.poll_max = poll_max
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.feed_ids: list[str] = []

    def existing(self, listings: Iterable[Listing]) -> dict[str, dict[str, Any]]:
        """The attributes Amazon holds for those of these SKUs it knows (searchListingsItems, 20 per call)."""
        found = self.listings.find_skus([lst.sku for lst in listings if lst.sku], included_data=("attributes",))
        return {sku: dict(item.get("attributes") or {}) for sku, item in found.items()}

    def message(self, message_id: int, listing: Listing, held: Mapping[str, Any] | None,
                accepted: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The feed message of a listing, never replacing an existing listing by accident.

        `held`: the attributes Amazon holds for the SKU (None when Amazon does not know it);
        `accepted`: what the journal says Amazon last accepted for it. A SKU Amazon holds gets a PATCH
        computed against Amazon's attributes exactly as on the Listings path; one the journal knows as
        accepted but Amazon does not list yet (processing) a PATCH against the journal's; only a SKU
        known to be new gets an UPDATE (which replaces every attribute). None: nothing to change.
        """
        base = held if held is not None else accepted
        if base is None:
            return update_message(message_id, listing.sku or "", listing.product_type or "", listing.attributes,
                                  REQUIREMENTS)
        listing.issues.extend(_held_back_issues(base, listing, self.table, self.marketplace_id))
        patches = _patches(base, listing, self.marketplace_id)
        if not patches and self.force:
            patches = _patches({}, listing, self.marketplace_id)
        if not patches:
            return None
        return patch_message(message_id, listing.sku or "", listing.product_type or "", patches)

    def header(self) -> dict[str, Any]:
        return feed_header(self.seller_id, self.locale)

    # Sending a feed is three calls, so the run can journal the document id between the first and
    # the last: createFeedDocument, the upload, then createFeed (the call that makes Amazon act).
    def new_document(self) -> dict[str, Any]:
        """createFeedDocument: `{"feedDocumentId", "url"}` (the URL is good for five minutes)."""
        return dict(self.feeds.create_feed_document())

    def upload(self, document: Mapping[str, Any], body: bytes) -> None:
        self.feeds.upload(str(document["url"]), body)

    def create(self, document: Mapping[str, Any]) -> str:
        """createFeed from an uploaded document; returns the feed id."""
        feed = self.feeds.create_feed(str(document["feedDocumentId"]))
        feed_id = str(feed["feedId"])
        self.feed_ids.append(feed_id)
        return feed_id

    def feeds_since(self, since: float | None) -> list[dict[str, Any]]:
        """The JSON_LISTINGS_FEEDs of the marketplace created since `since` (seconds since the epoch;
        None: Amazon's default, the last 90 days), oldest first."""
        created_since = None if since is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since))
        feeds = self.feeds.get_feeds(created_since=created_since)
        return sorted(feeds, key=lambda f: str(f.get("createdTime", "")))

    def wait(self, feed_id: str) -> tuple[str, dict[str, Any] | None]:
        """Poll until the feed is DONE / FATAL / CANCELLED; returns the status and the report (when any)."""
        delay = self.poll_first
        deadline = self.clock() + self.timeout
        while True:
            feed = self.feeds.get_feed(feed_id)
            status = str(feed.get("processingStatus"))
            if status in ("DONE", "FATAL", "CANCELLED"):
                report = None
                if feed.get("resultFeedDocumentId"):
                    document = self.feeds.get_feed_document(str(feed["resultFeedDocumentId"]))
                    report = _report(self.feeds.download(document))
                return status, report
            if self.clock() > deadline:
                return "TIMEOUT", None
            self.sleep(delay)
            delay = min(self.poll_max, delay * 2)

    @staticmethod
    def carries(report: Mapping[str, Any] | None, skus: set[str]) -> bool:
        """Whether a processing report is the one of a feed made of exactly these SKUs' messages (how a
        feed whose createFeed answer was lost is recognised: Amazon does not say which document a feed
        was made from)."""
        if not isinstance(report, Mapping) or not skus:
            return False
        summary = report.get("summary")
        processed = summary.get("messagesProcessed") if isinstance(summary, Mapping) else None
        named = {str(entry["sku"]) for key in ("items", "issues") for entry in report.get(key) or ()
                 if isinstance(entry, Mapping) and entry.get("sku")}
        return processed == len(skus) and bool(named) and named <= skus

    def acknowledge(self, feed_id: str, status: str, report: Mapping[str, Any] | None,
                    listings: Mapping[int, Listing], problem: str | None = None) -> list[Sent]:
        """One acknowledgement per message of the feed. `problem`: why the feed's state or report could
        not be read (its SKUs end ERROR, to be published again)."""
        sent = [(mid, listing.sku or "") for mid, listing in listings.items()]
        if status != "DONE" or report is None:
            reason = {"FATAL": "le flux a échoué chez Amazon (FATAL) : certaines opérations ont pu être appliquées",
                      "CANCELLED": "le flux a été annulé", "TIMEOUT": "le flux n'était pas traité à temps"}
            text = (f"état ou rapport du flux illisible ({problem}) : à republier" if problem
                    else reason.get(status, "flux sans rapport de traitement"))
            issue = Issue(PUB_FEED, "ERROR", f"{text} (flux {feed_id})", source="publisher")
            # a FATAL feed may still come with a report: Amazon's own words are kept
            said, general = read_report(report, sent, self.marketplace_id) if report is not None else ({}, [])
            return [Sent(Acknowledgement(
                index=lst.index, sku=lst.sku, status=Status.ERROR, product_type=lst.product_type, mode=lst.mode,
                operation="FEED", submission_id=feed_id, note=lst.note,
                issues=(*lst.issues, *(amazon_issue(i, lst.mapping, self.table)
                                       for i in [*(said[mid].issues if mid in said else ()), *general]), issue)),
                None) for mid, lst in listings.items()]
        results, general = read_report(report, sent, self.marketplace_id)
        doubt = unexplained(report, results, general)
        out = []
        for mid, listing in listings.items():
            result: MessageResult = results[mid]
            issues = [*listing.issues, *(amazon_issue(i, listing.mapping, self.table) for i in result.issues)]
            issues.extend(amazon_issue(i, listing.mapping, self.table) for i in general)
            status_ = Status.ACCEPTED if result.accepted else Status.INVALID
            if result.accepted and doubt:
                # the report does not say which messages it refused: never taken as a success
                nothing = none_accepted(report)
                status_ = Status.INVALID if nothing else Status.ERROR
                issues.append(Issue(PUB_FEED, "ERROR", f"{doubt} : " + (
                    "aucun message accepté" if nothing else "impossible de savoir si ce message a été accepté ; "
                    "à republier") + f" (flux {feed_id})", source="publisher"))
            note = listing.note
            if status_ == Status.INVALID and any_transient([*result.issues, *general]):
                # Amazon's transient failure: the message is sent again by the next run, not judged
                status_ = Status.ERROR
                issues.append(Issue(PUB_TRANSIENT, "ERROR", "erreur interne d'Amazon pendant le traitement du flux : "
                                                            "à republier", source="publisher"))
            elif status_ == Status.ACCEPTED and any(i.is_error for i in issues):
                # accepted, then found in error while Amazon processed it: never reported as a success
                status_ = Status.INVALID
                note = join_notes(note, "acceptée puis refusée par Amazon lors du traitement : voir les problèmes")
            ack = Acknowledgement(index=listing.index, sku=listing.sku, status=status_,
                                  product_type=listing.product_type, mode=listing.mode, operation="FEED",
                                  submission_id=feed_id, asin=result.asin, issues=tuple(issues),
                                  published_at=now_iso(), note=note)
            out.append(Sent(ack, listing.attributes if status_ == Status.ACCEPTED else None))
        return out


__all__ = ["CREATE", "ENRICH", "FeedSubmitter", "ListingsSubmitter", "Sent", "batches"]
