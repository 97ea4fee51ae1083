"""Feed processing in the background: IN_QUEUE -> IN_PROGRESS -> DONE, then a processing report.

Each JSON_LISTINGS_FEED message is judged and applied exactly like the Listings Items API call
it stands for (UPDATE = PUT, PARTIAL_UPDATE = PATCH replace, PATCH, DELETE). The report follows
Amazon's processing report v2; with `header.report.includedData` it also carries the listings
items, processed so that post-acceptance issues show (as Amazon announced for that option).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from transpiler.amazon.json_text import JsonTextError, read_json
from transpiler.sandbox.feed_format import document_errors, message_errors
from transpiler.sandbox.listings import Listings, Submission
from transpiler.sandbox.product_types import MARKETPLACE_LOCALES
from transpiler.sandbox.state import SandboxState

FEED_FORMAT_CODE = "4002008"  # "did not meet the schema validation requirements for a feed message"
SELLER_MISMATCH_CODE = "SANDBOX_FEED_SELLER"  # the sandbox's own: Amazon documents no code for it
DUPLICATE_MESSAGE_CODE = "SANDBOX_DUPLICATE_MESSAGE_ID"
#: a feed document nests deeper than a request body: messages ▸ attributes ▸ their values
FEED_MAX_DEPTH = 48


def advance_due_feeds(state: SandboxState) -> int:
    """Move every due feed one step; returns how many moved.

    A step happens at its due time on the sandbox clock (not when it is noticed), so the next step
    is scheduled from there and the timestamps do not depend on how often anyone looks.
    """
    moved = 0
    for feed in state.store.due_feeds(state.clock.now()):
        at = float(feed["next_at"])
        if feed["status"] == "IN_QUEUE":
            state.store.update_feed(feed["id"], status="IN_PROGRESS", started=at,
                                    next_at=at + state.settings.feed_processing_delay)
        else:
            status, result_id = process_feed(state, feed)
            state.store.update_feed(feed["id"], status=status, ended=at, result_document_id=result_id, next_at=None)
        moved += 1
    return moved


def process_feed(state: SandboxState, feed: dict[str, Any]) -> tuple[str, str | None]:
    """Apply a feed; returns (final status, result document id)."""
    if feed["feed_type"] != "JSON_LISTINGS_FEED":
        return "FATAL", None  # legacy XML / flat-file listing feeds are no longer supported
    document = state.store.document(feed["input_document_id"])
    raw = bytes(document["data"] or b"") if document else b""
    report = build_report(state, feed, raw)
    result_id = "amzn1.tortuga.4." + "eu." + str(uuid.uuid4())
    data = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
    state.store.add_document(result_id, feed["seller_id"], "application/json", "result", state.clock.now(), data)
    return "DONE", result_id


def build_report(state: SandboxState, feed: dict[str, Any], raw: bytes) -> dict[str, Any]:
    seller_id, marketplace_id = feed["seller_id"], feed["marketplace_ids"][0]
    header_out: dict[str, Any] = {"sellerId": seller_id, "version": "2.0", "feedId": feed["id"]}
    try:
        parsed = read_json(raw, max_depth=FEED_MAX_DEPTH)
    except JsonTextError as exc:
        return _rejected(header_out, f"The feed document is not valid JSON: {exc}")
    if parsed.bad_numbers:
        bad = parsed.bad_numbers[0]
        return _rejected(header_out, f"The feed document is not valid JSON: {bad.pointer}: {bad.problem}")
    document = parsed.value
    problems = document_errors(document)
    if problems:
        return _rejected(header_out, "The feed document does not follow the JSON_LISTINGS_FEED v2 schema: "
                         + "; ".join(problems[:5]))
    header = document["header"]
    locale = header.get("issueLocale") or MARKETPLACE_LOCALES.get(marketplace_id, "en_US")
    report_spec = header.get("report")
    if report_spec:
        header_out["report"] = report_spec
    if header["sellerId"] != seller_id:
        return _rejected(header_out, f"The feed header sellerId {header['sellerId']!r} is not the selling partner "
                         f"that submitted the feed.", code=SELLER_MISMATCH_CODE)
    service = Listings(state)
    issues: list[dict[str, Any]] = []
    accepted = invalid = 0
    touched: list[str] = []
    seen_ids: set[int] = set()
    for message in document["messages"]:
        message_id = message.get("messageId") if isinstance(message, dict) else None
        sku = message.get("sku") if isinstance(message, dict) else None
        problems = message_errors(message)
        if not problems and message_id in seen_ids:
            problems = [f"messageId {message_id} is used more than once in this feed"]
            code = DUPLICATE_MESSAGE_CODE
        else:
            code = FEED_FORMAT_CODE
        if problems:
            invalid += 1
            issue: dict[str, Any] = {"code": code, "severity": "ERROR",
                                     "message": "The message did not meet the schema validation requirements for a "
                                                "feed message: " + "; ".join(problems[:3])}
            if isinstance(message_id, int) and not isinstance(message_id, bool) and message_id >= 1:
                issue["messageId"] = message_id
            if isinstance(sku, str) and sku:
                issue["sku"] = sku
            issues.append(issue)
            continue
        seen_ids.add(message_id)
        submission = _apply(state, service, seller_id, marketplace_id, message, locale)
        for listing_issue in submission.issues:
            entry = {"messageId": message_id, "sku": sku, "code": listing_issue["code"],
                     "severity": listing_issue["severity"], "message": listing_issue["message"]}
            if listing_issue.get("attributeNames"):
                entry["attributeName"] = listing_issue["attributeNames"][0]
            issues.append(entry)
        if submission.status == "ACCEPTED":
            accepted += 1
            if message["operationType"] != "DELETE" and sku not in touched:
                touched.append(sku)
        else:
            invalid += 1
    report: dict[str, Any] = {"header": header_out, "issues": issues, "summary": {
        "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
        "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
        "messagesProcessed": accepted + invalid, "messagesAccepted": accepted, "messagesInvalid": invalid,
    }}
    if report_spec:
        items = []
        for sku in touched:
            listing = state.store.listing(seller_id, sku)
            if listing is None:
                continue
            if not listing["processed"]:
                service.process(listing)
                listing = state.store.listing(seller_id, sku) or listing
            items.append(service.item(listing, report_spec["includedData"], locale))
        late = [i for sku in touched for i in (state.store.listing(seller_id, sku) or {}).get("issues", [])]
        report["items"] = items
        report["summary"]["itemSummary"] = {
            "items": len(items),
            "errors": sum(1 for i in late if i["severity"] == "ERROR"),
            "warnings": sum(1 for i in late if i["severity"] == "WARNING"),
        }
    return report


def _apply(state: SandboxState, service: Listings, seller_id: str, marketplace_id: str, message: dict[str, Any],
           locale: str) -> Submission:
    from transpiler.sandbox.issues import OFFER_ONLY, UNKNOWN_PRODUCT_TYPE, make_issue

    sku, operation = message["sku"], message["operationType"]
    if operation == "DELETE":
        return service.delete(seller_id, sku, marketplace_id)
    entry = state.product_types.get(message["productType"], marketplace_id)
    if entry is None:
        issue = make_issue(UNKNOWN_PRODUCT_TYPE, locale, product_type=message["productType"],
                           marketplace_id=marketplace_id)
        return Submission(sku, "INVALID", [issue], None, marketplace_id)
    if operation == "UPDATE":
        requirements = message.get("requirements", "LISTING")
        if requirements == "LISTING_OFFER_ONLY":
            issue = make_issue(OFFER_ONLY, locale, marketplace_id=marketplace_id)
            return Submission(sku, "INVALID", [issue], None, marketplace_id)
        return service.put(seller_id, sku, marketplace_id, entry, requirements, message["attributes"],
                           preview=False, locale=locale)
    if operation == "PARTIAL_UPDATE":
        patches = [{"op": "replace", "path": f"/attributes/{name}", "value": value}
                   for name, value in message["attributes"].items()]
    else:
        patches = message["patches"]
    return service.patch(seller_id, sku, marketplace_id, entry, patches, preview=False, locale=locale)


def _rejected(header: dict[str, Any], message: str, code: str = FEED_FORMAT_CODE) -> dict[str, Any]:
    return {"header": header, "issues": [{"code": code, "severity": "ERROR", "message": message}],
            "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0, "messagesAccepted": 0,
                        "messagesInvalid": 0}}
