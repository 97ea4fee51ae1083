"""Feeds API 2021-06-30: feed documents (presigned upload and download URLs that expire after
five minutes), createFeed, getFeed(s), cancelFeed, getFeedDocument.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from transpiler.amazon.usage_plans import JSON_LISTINGS_FEED
from transpiler.sandbox.gateway import csv_param, operation, throttle_cases
from transpiler.sandbox.request_body import json_body
from transpiler.sandbox.responses import bad_request, json_response, not_found
from transpiler.sandbox.state import Principal, SandboxState


def _feed_body(state: SandboxState, feed: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"feedId": feed["id"], "feedType": feed["feed_type"],
                            "marketplaceIds": feed["marketplace_ids"], "createdTime": state.clock.iso(feed["created"]),
                            "processingStatus": feed["status"]}
    if feed.get("started"):
        body["processingStartTime"] = state.clock.iso(feed["started"])
    if feed.get("ended"):
        body["processingEndTime"] = state.clock.iso(feed["ended"])
    if feed.get("result_document_id"):
        body["resultFeedDocumentId"] = feed["result_document_id"]
    return body


def _own_feed(state: SandboxState, principal: Principal, feed_id: str) -> dict[str, Any]:
    feed = state.store.feed(feed_id)
    if feed is None or feed["seller_id"] != principal.vendor_code:
        raise not_found(f"Feed {feed_id} not found.")
    return feed


@operation("createFeedDocument")
async def create_document(request: Request, state: SandboxState, principal: Principal) -> Response:
    body = await json_body(request, state)
    if not isinstance(body, dict) or not isinstance(body.get("contentType"), str) or not body["contentType"]:
        raise bad_request("The request body must be a CreateFeedDocumentSpecification with a contentType.")
    doc_id = "amzn1.tortuga.4.eu." + base64.b32encode(os.urandom(15)).decode().lower()
    state.store.add_document(doc_id, principal.partner, body["contentType"], "feed", state.clock.now())
    url = state.sign(f"/_documents/{doc_id}", state.settings.document_url_ttl)
    return json_response({"feedDocumentId": doc_id, "url": url}, 201)


@operation("createFeed")
async def create_feed(request: Request, state: SandboxState, principal: Principal) -> Response:
    body = await json_body(request, state)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a CreateFeedSpecification.")
    feed_type, markets, doc_id = body.get("feedType"), body.get("marketplaceIds"), body.get("inputFeedDocumentId")
    if not isinstance(feed_type, str) or not feed_type:
        raise bad_request("Missing required field 'feedType'.")
    if not isinstance(markets, list) or not 1 <= len(markets) <= 25 or not all(isinstance(m, str) for m in markets):
        raise bad_request("'marketplaceIds' must list 1 to 25 marketplace identifiers.")
    if not isinstance(doc_id, str) or not doc_id:
        raise bad_request("Missing required field 'inputFeedDocumentId'.")
    if "feedOptions" in body and not (isinstance(body["feedOptions"], dict) and all(
            isinstance(v, str) for v in body["feedOptions"].values())):
        raise bad_request("'feedOptions' must map names to strings.")
    document = state.store.document(doc_id)
    if document is None or document["seller_id"] != principal.partner or document["kind"] != "feed":
        raise bad_request(f"Invalid inputFeedDocumentId {doc_id!r}.")
    if document["data"] is None:
        raise bad_request(f"The feed document {doc_id!r} has not been uploaded.")
    if feed_type == JSON_LISTINGS_FEED:  # its own quota: five submissions per five minutes
        throttle_cases(state, principal, "createFeed", (JSON_LISTINGS_FEED,))
    feed_id = str(state.store.next_number("feed_id", 50_000_019_000))
    now = state.clock.now()
    state.store.add_feed({"id": feed_id, "seller_id": principal.partner, "feed_type": feed_type,
                          "marketplace_ids": markets, "input_document_id": doc_id, "status": "IN_QUEUE",
                          "created": now, "next_at": now + state.settings.feed_queue_delay})
    return json_response({"feedId": feed_id}, 202)


@operation("getFeed")
async def get_feed(request: Request, state: SandboxState, principal: Principal) -> Response:
    return json_response(_feed_body(state, _own_feed(state, principal, request.path_params["feedId"])))


@operation("cancelFeed")
async def cancel_feed(request: Request, state: SandboxState, principal: Principal) -> Response:
    feed = _own_feed(state, principal, request.path_params["feedId"])
    if feed["status"] != "IN_QUEUE":
        raise bad_request(f"Feed {feed['id']} is {feed['status']}; only IN_QUEUE feeds can be cancelled.")
    state.store.update_feed(feed["id"], status="CANCELLED", ended=state.clock.now(), next_at=None)
    return Response(status_code=200)


@operation("getFeeds")
async def get_feeds(request: Request, state: SandboxState, principal: Principal) -> Response:
    types = csv_param(request, "feedTypes")  # counts, enums and nextToken's rule checked per the model
    markets = csv_param(request, "marketplaceIds")
    statuses = csv_param(request, "processingStatuses")
    next_token = request.query_params.get("nextToken")
    raw_size = request.query_params.get("pageSize", "10")
    if not raw_size.isdigit() or not 1 <= int(raw_size) <= 100:
        raise bad_request("Invalid 'pageSize': an integer from 1 to 100.")
    if not types and not next_token:
        raise bad_request("'feedTypes' is required when 'nextToken' is not given.")
    since = _time_param(request, "createdSince")
    until = _time_param(request, "createdUntil")
    feeds = [f for f in state.store.feeds(principal.partner)
             if (not types or f["feed_type"] in types) and (not statuses or f["status"] in statuses)
             and (not markets or set(markets) & set(f["marketplace_ids"]))
             and (since is None or f["created"] >= since) and (until is None or f["created"] <= until)]
    offset = int(next_token) if next_token and next_token.isdigit() else 0
    size = int(raw_size)
    body: dict[str, Any] = {"feeds": [_feed_body(state, f) for f in feeds[offset:offset + size]]}
    if offset + size < len(feeds):
        body["nextToken"] = str(offset + size)
    return json_response(body)


def _time_param(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise bad_request(f"Invalid '{name}': an ISO 8601 date-time.") from None


@operation("getFeedDocument")
async def get_document(request: Request, state: SandboxState, principal: Principal) -> Response:
    doc_id = request.path_params["feedDocumentId"]
    document = state.store.document(doc_id)
    if document is None or document["seller_id"] != principal.partner:
        raise not_found(f"Feed document {doc_id} not found.")
    flag = request.query_params.get("enableContentEncodingUrlHeader")
    if flag is not None and flag not in {"true", "false"}:
        raise bad_request("Invalid 'enableContentEncodingUrlHeader': true or false.")
    url = state.sign(f"/_documents/{doc_id}", state.settings.document_url_ttl)
    return json_response({"feedDocumentId": doc_id, "url": url})


async def document_transfer(request: Request) -> Response:
    """The presigned URL itself: PUT uploads a feed document, GET downloads any document."""
    state: SandboxState = request.app.state.sandbox
    doc_id = request.path_params["documentId"]
    problem = state.verify(request.url.path, request.query_params.get("X-Amz-Expires"),
                           request.query_params.get("X-Amz-Signature"))
    if problem:
        return _s3_error(403, "AccessDenied", problem)
    document = state.store.document(doc_id)
    if document is None:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    if request.method == "GET":
        if document["data"] is None:
            return _s3_error(404, "NoSuchKey", "The document has no content yet.")
        return Response(bytes(document["data"]), media_type=document["content_type"])
    if document["kind"] != "feed":
        return _s3_error(403, "AccessDenied", "Result documents cannot be overwritten.")
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != document["content_type"].split(";")[0].strip().lower():
        return _s3_error(403, "SignatureDoesNotMatch",
                         f"Content-Type {content_type!r} does not match the document's {document['content_type']!r}.")
    limit = state.settings.max_document_bytes
    data = b""
    try:
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                return _s3_error(400, "EntityTooLarge", f"Your proposed upload exceeds {limit} bytes.")
    except ClientDisconnect:  # the uploader went away: nothing is stored
        return _s3_error(400, "IncompleteBody", "The request body terminated unexpectedly.")
    state.store.upload(doc_id, data)
    return Response(status_code=200)


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return Response(body.encode(), status, media_type="application/xml")

