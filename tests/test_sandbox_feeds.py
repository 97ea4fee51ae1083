"""Feeds API with JSON_LISTINGS_FEED on the sandbox: documents, background processing, reports.

Reports are checked against the official processing report schema and the sandbox's feed format
against the official feed schemas, all read from ../shared/amazon/feeds.
"""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft7Validator

from tests.sandbox_fixtures import MARKETPLACE, payload
from transpiler.sandbox.feed_format import document_errors, message_errors


@pytest.fixture(scope="module")
def feed_schemas():
    from tests.conftest import amazon_dir

    folder = amazon_dir() / "feeds"
    load = lambda name: json.loads((folder / name).read_text(encoding="utf-8"))  # noqa: E731
    return {
        "feed": Draft7Validator(load("listings-feed-schema-v2.json")),
        "message": Draft7Validator(load("listings-feed-message-schema-v2.json")),
        "report": Draft7Validator(load("listings-feed-processing-report-schema-v2.json")),
        "example": load("listings-feed-schema-v2.example.json"),
        "report_example": load("listings-feed-processing-report-schema-v2.example.json"),
    }


def upload(api, content: bytes, content_type: str = "application/json") -> str:
    created = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": content_type})
    assert created.status_code == 201
    body = created.json()
    put = api.client.put(body["url"], content=content, headers={"content-type": content_type})
    assert put.status_code == 200
    return body["feedDocumentId"]


def submit(api, document: dict | bytes) -> str:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    doc_id = upload(api, raw)
    response = api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": doc_id})
    assert response.status_code == 202
    return response.json()["feedId"]


def wait_done(api, feed_id: str, timeout: float = 10.0, step: float = 0.05) -> tuple[dict, list[str]]:
    """Poll getFeed until the feed ends, moving the sandbox clock by `step` between polls."""
    seen: list[str] = []
    waited = 0.0
    while waited < timeout:
        feed = api.request("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
        if not seen or seen[-1] != feed["processingStatus"]:
            seen.append(feed["processingStatus"])
        if feed["processingStatus"] in {"DONE", "FATAL", "CANCELLED"}:
            return feed, seen
        api.sandbox.advance_clock(step)
        waited += step
    raise AssertionError(f"feed {feed_id} stuck: {seen}")


def report_of(api, feed: dict) -> dict:
    doc = api.request("GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
    return api.client.get(doc["url"]).json()


def message(message_id: int, sku: str, operation: str = "UPDATE", **fields) -> dict:
    out = {"messageId": message_id, "sku": sku, "operationType": operation, **fields}
    if operation == "UPDATE":
        out.setdefault("productType", "CELLULAR_PHONE")
        out.setdefault("requirements", "LISTING_PRODUCT_ONLY")
        out.setdefault("attributes", payload("CELLULAR_PHONE"))
    return out


def test_feed_runs_in_the_background_and_reports(api, feed_schemas):
    bad = payload("CELLULAR_PHONE")
    del bad["brand"]
    late = payload("HEADPHONES")
    late["main_product_image_locator"][0]["media_location"] = "http://images.example/xm5.jpg"
    document = {
        "header": {"sellerId": "MODEL", "version": "2.0", "issueLocale": "fr_FR",
                   "report": {"includedData": ["summaries", "issues"], "apiVersion": "2021-08-01"}},
        "messages": [
            message(1, "F-OK"),
            message(2, "F-BAD", attributes=bad),
            message(3, "F-LATE", productType="HEADPHONES", attributes=late),
            {"messageId": 4, "sku": "F-BROKEN", "operationType": "PATCH", "attributes": {"x": []}},
        ],
    }
    assert list(feed_schemas["message"].iter_errors(document["messages"][3]))  # deliberately malformed
    feed, seen = wait_done(api, submit(api, document))
    assert seen[0] == "IN_QUEUE" and seen[-1] == "DONE" and "IN_PROGRESS" in seen
    assert feed["processingStartTime"] <= feed["processingEndTime"]
    report = report_of(api, feed)
    assert not list(feed_schemas["report"].iter_errors(report))
    assert report["header"] == {"sellerId": "MODEL", "version": "2.0", "feedId": feed["feedId"],
                                "report": {"includedData": ["summaries", "issues"], "apiVersion": "2021-08-01"}}
    summary = report["summary"]
    assert (summary["messagesProcessed"], summary["messagesAccepted"], summary["messagesInvalid"]) == (4, 2, 2)
    by_message = {}
    for issue in report["issues"]:
        by_message.setdefault(issue["messageId"], []).append(issue)
    assert [i["code"] for i in by_message[2]] == ["90220"] and by_message[2][0]["attributeName"] == "brand"
    assert "obligatoire" in by_message[2][0]["message"]
    assert by_message[4][0]["code"] == "4002008"
    assert 1 not in by_message and 3 not in by_message
    items = {item["sku"]: item for item in report["items"]}
    assert set(items) == {"F-OK", "F-LATE"}
    assert items["F-OK"]["summaries"][0]["asin"].startswith("B0")
    assert items["F-LATE"]["summaries"][0]["asin"] == "B09Y2MYL5C"
    assert [i["code"] for i in items["F-LATE"]["issues"]] == ["SANDBOX_IMAGE_NOT_HTTPS"]  # raised after acceptance
    assert summary["itemSummary"] == {"items": 2, "errors": 0, "warnings": 1}
    stored = api.listing("GET", "F-OK").json()
    assert stored["summaries"][0]["status"] == ["DISCOVERABLE"]


def test_report_without_included_data_has_no_items(api, feed_schemas):
    document = {"header": {"sellerId": "MODEL", "version": "2.0"},
                "messages": [message(1, "N-1"), message(2, "N-1b", "DELETE")]}
    feed, _ = wait_done(api, submit(api, document))
    report = report_of(api, feed)
    assert not list(feed_schemas["report"].iter_errors(report))
    assert "items" not in report and report["summary"]["messagesAccepted"] == 2


def test_partial_update_patch_and_delete_messages(api):
    assert api.put("PU", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    title = [{"value": "Galaxy S24 (nouveau titre)", "language_tag": "fr_FR", "marketplace_id": MARKETPLACE}]
    color = [{"value": "Noir Onyx", "language_tag": "fr_FR", "marketplace_id": MARKETPLACE}]
    document = {"header": {"sellerId": "MODEL", "version": "2.0"}, "messages": [
        {"messageId": 1, "sku": "PU", "operationType": "PARTIAL_UPDATE", "productType": "CELLULAR_PHONE",
         "attributes": {"item_name": title}},
        {"messageId": 2, "sku": "PU", "operationType": "PATCH", "productType": "CELLULAR_PHONE",
         "patches": [{"op": "replace", "path": "/attributes/color", "value": color}]},
    ]}
    feed, _ = wait_done(api, submit(api, document))
    assert report_of(api, feed)["summary"]["messagesAccepted"] == 2
    attributes = api.listing("GET", "PU", params={"includedData": "attributes"}).json()["attributes"]
    assert attributes["item_name"] == title and attributes["color"] == color
    feed, _ = wait_done(api, submit(api, {"header": {"sellerId": "MODEL", "version": "2.0"},
                                          "messages": [{"messageId": 1, "sku": "PU", "operationType": "DELETE"}]}))
    assert api.listing("GET", "PU").status_code == 404


def test_unreadable_documents_and_wrong_seller(api, feed_schemas):
    feed, _ = wait_done(api, submit(api, b"<xml/>"))
    report = report_of(api, feed)
    assert not list(feed_schemas["report"].iter_errors(report))
    assert report["summary"]["messagesProcessed"] == 0 and report["issues"][0]["severity"] == "ERROR"
    assert "messageId" not in report["issues"][0]
    feed, _ = wait_done(api, submit(api, {"header": {"sellerId": "OTHER", "version": "2.0"},
                                          "messages": [message(1, "W")]}))
    report = report_of(api, feed)
    assert report["summary"]["messagesAccepted"] == 0 and report["issues"][0]["code"] == "SANDBOX_FEED_SELLER"


def test_other_feed_types_end_fatal(api):
    doc_id = upload(api, b"<AmazonEnvelope/>", "text/xml")
    response = api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "POST_PRODUCT_DATA", "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": doc_id})
    feed, _ = wait_done(api, response.json()["feedId"])
    assert feed["processingStatus"] == "FATAL" and "resultFeedDocumentId" not in feed


def test_presigned_urls_expire_and_check_content_type(api, sandbox):
    created = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
    wrong_type = api.client.put(created["url"], content=b"{}", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 403
    tampered = api.client.put(created["url"].replace("X-Amz-Signature=", "X-Amz-Signature=0"), content=b"{}",
                         headers={"content-type": "application/json"})
    assert tampered.status_code == 403
    sandbox.advance_clock(301)
    late = api.client.put(created["url"], content=b"{}", headers={"content-type": "application/json"})
    assert late.status_code == 403 and "expired" in late.text
    not_uploaded = api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": created["feedDocumentId"]})
    assert not_uploaded.status_code == 400


def test_create_feed_input_checks_and_cancel(api):
    assert api.request("POST", "/feeds/2021-06-30/feeds", json={"feedType": "JSON_LISTINGS_FEED"}).status_code == 400
    assert api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": "nope"}
    ).status_code == 400
    assert api.request("GET", "/feeds/2021-06-30/feeds/999").status_code == 404
    feed_id = submit(api, {"header": {"sellerId": "MODEL", "version": "2.0"}, "messages": [message(1, "C")]})
    assert api.request("DELETE", f"/feeds/2021-06-30/feeds/{feed_id}").status_code == 200
    feed, _ = wait_done(api, feed_id)
    assert feed["processingStatus"] == "CANCELLED"
    listed = api.request("GET", "/feeds/2021-06-30/feeds", params={"feedTypes": "JSON_LISTINGS_FEED"}).json()
    assert feed_id in [f["feedId"] for f in listed["feeds"]]


def feed_documents(example: dict) -> list:
    """Documents on both sides of the official schemas' edges."""
    base = copy.deepcopy(example)
    docs: list = [base]
    for change in (
        lambda d: d["header"].pop("sellerId"),
        lambda d: d["header"].__setitem__("version", "1.0"),
        lambda d: d["header"].__setitem__("report", {"includedData": []}),
        lambda d: d["header"].__setitem__("report", {"includedData": ["issues"], "apiVersion": "2020-09-01"}),
        lambda d: d.__setitem__("messages", []),
        lambda d: d.pop("messages"),
    ):
        doc = copy.deepcopy(base)
        change(doc)
        docs.append(doc)
    return docs


def feed_messages(example: dict) -> list:
    messages = copy.deepcopy(example["messages"])
    out = list(messages)
    for original in messages:
        for change in (
            lambda m: m.pop("sku"),
            lambda m: m.__setitem__("messageId", 0),
            lambda m: m.__setitem__("operationType", "UPSERT"),
            lambda m: m.__setitem__("patches", [{"op": "add", "path": "/attributes/x", "value": [{}]}]),
            lambda m: m.__setitem__("attributes", {}),
            lambda m: m.__setitem__("requirements", "LISTING"),
            lambda m: m.pop("productType", None),
            lambda m: m.__setitem__("patches", [{"op": "move", "path": "/attributes/x"}]),
        ):
            changed = copy.deepcopy(original)
            change(changed)
            out.append(changed)
    return out


def test_feed_format_agrees_with_the_official_schemas(feed_schemas):
    example = feed_schemas["example"]
    for document in feed_documents(example):
        official = not list(feed_schemas["feed"].iter_errors(document))
        # the sandbox checks the envelope first, then each message on its own
        ours = not document_errors(document) and all(not message_errors(m) for m in document.get("messages", []))
        assert ours == official, json.dumps(document)[:300]
    for item in feed_messages(example):
        official = not list(feed_schemas["message"].iter_errors(item))
        assert (not message_errors(item)) == official, json.dumps(item)[:300]

