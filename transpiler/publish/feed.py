"""JSON_LISTINGS_FEED documents: messages, batching under Amazon's limits, processing reports.

Amazon advises feeds for bulk work (from about 1,500 items): one feed of up to 25,000 messages,
kept under 10 MiB. Messages are serialized one by one and a batch is closed before either limit
would be crossed, so a 100,000-item export becomes a few valid feeds without ever holding more
than one batch. The processing report (v2), requested with `includedData` so it also carries the
issues raised after acceptance and the ASIN, is mapped back to one answer per message.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from transpiler.config import FRANCE_LOCALE

MAX_MESSAGES = 25_000
MAX_FEED_BYTES = 10 * 1024 * 1024
FEED_VERSION = "2.0"
API_VERSION = "2021-08-01"
#: what the processing report should carry besides acceptance issues: late issues and the ASIN
REPORT_INCLUDED_DATA = ("issues", "summaries")


def feed_header(seller_id: str, issue_locale: str | None = FRANCE_LOCALE,
                included_data: Iterable[str] = REPORT_INCLUDED_DATA) -> dict[str, Any]:
    header: dict[str, Any] = {"sellerId": seller_id, "version": FEED_VERSION}
    if issue_locale:
        header["issueLocale"] = issue_locale
    included = list(included_data)
    if included:
        header["report"] = {"includedData": included, "apiVersion": API_VERSION}
    return header


def update_message(message_id: int, sku: str, product_type: str, attributes: Mapping[str, Any],
                   requirements: str | None = "LISTING_PRODUCT_ONLY") -> dict[str, Any]:
    """A full listing (`UPDATE`: replaces every attribute, like putListingsItem)."""
    message: dict[str, Any] = {"messageId": message_id, "sku": sku, "operationType": "UPDATE",
                               "productType": product_type}
    if requirements:
        message["requirements"] = requirements
    message["attributes"] = dict(attributes)
    return message


def patch_message(message_id: int, sku: str, product_type: str, patches: list[dict[str, Any]]) -> dict[str, Any]:
    """Changes to an existing listing (`PATCH`, like patchListingsItem)."""
    return {"messageId": message_id, "sku": sku, "operationType": "PATCH", "productType": product_type,
            "patches": list(patches)}


@dataclass
class FeedBatch:
    """One feed document: its bytes and the (messageId, sku) pairs it carries."""

    body: bytes
    messages: list[tuple[int, str]] = field(default_factory=list)

    @property
    def skus(self) -> list[str]:
        return [sku for _, sku in self.messages]


def batches(header: Mapping[str, Any], messages: Iterable[Mapping[str, Any]], *,
            max_messages: int = MAX_MESSAGES, max_bytes: int = MAX_FEED_BYTES) -> Iterator[FeedBatch]:
    """Feed documents holding the messages in order, each within `max_messages` and `max_bytes`.

    Raises ValueError for a single message too large to fit in any feed.
    """
    head = b'{"header":' + json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode() + b',"messages":['
    tail = b"]}"
    # the document is written as it grows and handed over without a copy (BytesIO.getvalue gives
    # its own buffer): a 10 MiB document costs about 10 MiB, not twice that
    document = io.BytesIO(head)
    document.seek(0, io.SEEK_END)
    ids: list[tuple[int, str]] = []
    size = len(head) + len(tail)
    for message in messages:
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        extra = len(data) + (1 if ids else 0)
        if ids and (len(ids) >= max_messages or size + extra > max_bytes):
            document.write(tail)
            yield FeedBatch(document.getvalue(), ids)
            document = io.BytesIO(head)
            document.seek(0, io.SEEK_END)
            ids, size = [], len(head) + len(tail)
            extra = len(data)
        if size + extra > max_bytes:
            raise ValueError(f"message for SKU {message.get('sku')!r} is {len(data)} bytes: over the feed size limit")
        if ids:
            document.write(b",")
        document.write(data)
        ids.append((int(message["messageId"]), str(message["sku"])))
        size += extra
    if ids:
        document.write(tail)
        yield FeedBatch(document.getvalue(), ids)


@dataclass
class MessageResult:
    """What the processing report says about one message."""

    message_id: int
    sku: str
    accepted: bool
    issues: list[dict[str, Any]] = field(default_factory=list)  # Amazon Issue-shaped
    asin: str | None = None


def read_report(report: Mapping[str, Any], sent: Iterable[tuple[int, str]],
                marketplace_id: str | None = None) -> tuple[dict[int, MessageResult], list[dict[str, Any]]]:
    """Per-message results of a processing report, plus the issues tied to no message.

    A message is accepted when the report lists no ERROR issue for it; issues of the listing
    items included in the report (`items[].issues`, raised after acceptance) are added to the
    message of the same SKU, and `items[].summaries[].asin` of the marketplace (when given) is the ASIN.
    """
    results = {mid: MessageResult(mid, sku, True) for mid, sku in sent}
    by_sku = {r.sku: r for r in results.values()}
    general: list[dict[str, Any]] = []
    for issue in report.get("issues") or ():
        if not isinstance(issue, Mapping):
            continue
        shaped = _issue(issue)
        message_id = issue.get("messageId")
        result = results.get(message_id) if isinstance(message_id, int) else None
        if result is None and issue.get("sku") in by_sku:  # no message id, or one this feed never had
            result = by_sku[issue["sku"]]
        if result is None:
            general.append(shaped)
            continue
        result.issues.append(shaped)
        if shaped["severity"] == "ERROR":
            result.accepted = False
    for item in report.get("items") or ():
        if not isinstance(item, Mapping) or item.get("sku") not in by_sku:
            continue
        result = by_sku[item["sku"]]
        for summary in item.get("summaries") or ():
            if isinstance(summary, Mapping) and summary.get("asin") and (
                    marketplace_id is None or summary.get("marketplaceId") in (None, marketplace_id)):
                result.asin = str(summary["asin"])
        known = {(i["code"], i["message"]) for i in result.issues}
        for issue in item.get("issues") or ():
            if isinstance(issue, Mapping):
                shaped = _issue(issue)
                if (shaped["code"], shaped["message"]) not in known:
                    result.issues.append(shaped)
    return results, general


def unexplained(report: Mapping[str, Any], results: Mapping[int, MessageResult],
                general: Iterable[Mapping[str, Any]]) -> str | None:
    """Why the messages without an ERROR of their own cannot be taken as accepted, in French (None
    when they can): an ERROR tied to no message (a feed formatting issue), or summary counts that
    say more messages failed, or fewer were accepted, than the issues show."""
    if any(i.get("severity") == "ERROR" for i in general):
        return "Amazon signale une erreur qui ne vise aucun message du flux"
    summary = report.get("summary")
    if not isinstance(summary, Mapping):
        return None
    refused = sum(1 for r in results.values() if not r.accepted)
    clean = len(results) - refused
    invalid, accepted = summary.get("messagesInvalid"), summary.get("messagesAccepted")
    if (_count(invalid) and invalid > refused) or (_count(accepted) and accepted < clean):
        return (f"le rapport d'Amazon compte {accepted} message(s) accepté(s) et {invalid} invalide(s) sans "
                "désigner tous ceux qu'il refuse")
    return None


def none_accepted(report: Mapping[str, Any]) -> bool:
    """Whether the report's summary says that no message of the feed was accepted."""
    summary = report.get("summary")
    return isinstance(summary, Mapping) and summary.get("messagesAccepted") == 0


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _issue(issue: Mapping[str, Any]) -> dict[str, Any]:
    """A report issue in the Listings Items `Issue` shape (`attributeName` -> `attributeNames`)."""
    names = list(issue.get("attributeNames") or [])
    if issue.get("attributeName"):
        names.append(str(issue["attributeName"]))
    return {
        "code": str(issue.get("code", "")),
        "severity": str(issue.get("severity", "ERROR")).upper(),
        "message": str(issue.get("message", "")),
        "attributeNames": names,
    }
