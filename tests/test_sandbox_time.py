"""The sandbox's time and its in-process transport: what makes the suite fast and deterministic.

A manual clock stands still until told; sleeping on it advances it (never by more than the sleeps
add up to); every job has a due time on it and is applied as soon as that time is reached, whoever looks. The
in-process transport answers like a socket would, failures included.
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from tests.sandbox_fixtures import MARKETPLACE, payload
from transpiler.sandbox.clock import MANUAL_EPOCH, Clock
from transpiler.sandbox.in_process import InProcessTransport


def test_a_manual_clock_stands_still_until_advanced() -> None:
    clock = Clock.manual()
    assert clock.is_manual and clock.now() == MANUAL_EPOCH == clock.now()
    assert clock.advance(90) == MANUAL_EPOCH + 90 and clock.offset == 90
    assert clock.iso() == "2026-01-01T00:01:30.000Z"
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert not Clock().is_manual


def test_sleepers_side_by_side_share_the_clock_and_tiny_sleeps_still_move_it() -> None:
    clock = Clock.manual()
    start = clock.now()
    barrier = threading.Barrier(4)

    def sleeper() -> None:
        barrier.wait()
        clock.sleep(5)

    threads = [threading.Thread(target=sleeper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert start + 5 <= clock.now() <= start + 20  # each woke at least 5 s after it fell asleep, no later
    clock = Clock.manual()
    clock.advance(3)
    assert clock.sleep(1) == MANUAL_EPOCH + 4  # from where the clock stands, not from where it started
    before = clock.now()
    clock.sleep(1e-12)  # far below a float step at epoch magnitude
    assert clock.now() > before  # a sleeper waiting for time to pass sees it pass
    assert clock.sleep(0) == clock.now()


def test_a_feed_finishes_when_the_clock_reaches_its_due_times(api, sandbox) -> None:
    """Each step is timed from when the previous one was due: one jump over both delays finishes it."""
    created = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
    document = {"header": {"sellerId": "MODEL", "version": "2.0"},
                "messages": [{"messageId": 1, "sku": "T-1", "operationType": "UPDATE", "productType": "CELLULAR_PHONE",
                              "requirements": "LISTING_PRODUCT_ONLY", "attributes": payload("CELLULAR_PHONE")}]}
    assert api.client.put(created["url"], content=json.dumps(document).encode(),
                          headers={"content-type": "application/json"}).status_code == 200
    feed_id = api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": created["feedDocumentId"]}).json()["feedId"]
    started = sandbox.now()
    path = f"/feeds/2021-06-30/feeds/{feed_id}"
    assert api.request("GET", path).json()["processingStatus"] == "IN_QUEUE"
    sandbox.advance_clock(sandbox.settings.feed_queue_delay + sandbox.settings.feed_processing_delay)
    feed = api.request("GET", path).json()
    assert feed["processingStatus"] == "DONE"
    queued = Clock.manual(started).iso(started + sandbox.settings.feed_queue_delay)
    assert feed["processingStartTime"] == queued  # the moment it was due, not when someone looked


def test_listings_are_processed_on_the_sandbox_clock_and_reads_see_it_at_once(api, sandbox) -> None:
    assert api.put("LATER", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    summary = api.listing("GET", "LATER").json()["summaries"][0]
    assert "asin" not in summary  # accepted, not processed: the clock has not moved
    sandbox.advance_clock(sandbox.settings.listing_processing_delay)
    assert api.listing("GET", "LATER").json()["summaries"][0]["asin"].startswith("B0")


async def _fails_before_answering(scope, receive, send) -> None:
    raise RuntimeError("a bug in the app")


async def _cuts_the_body(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def _echoes(scope, receive, send) -> None:
    message = await receive()
    body = json.dumps({"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
                       "body": message["body"].decode(), "host": dict(scope["headers"])[b"host"].decode()})
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body.encode()})


def test_the_in_process_transport_answers_like_a_socket() -> None:
    with httpx.Client(transport=InProcessTransport(_echoes), base_url="http://sandbox.test") as client:
        answer = client.post("/a/b%2Fc", params={"x": "1"}, content=b"payload")
        assert answer.status_code == 201
        assert answer.json() == {"method": "POST", "path": "/a/b/c", "query": "x=1", "body": "payload",
                                 "host": "sandbox.test"}
    with httpx.Client(transport=InProcessTransport(_fails_before_answering)) as client:
        assert client.get("http://sandbox.test/").status_code == 500  # as uvicorn answers
    with httpx.Client(transport=InProcessTransport(_cuts_the_body)) as client, \
            pytest.raises(httpx.RemoteProtocolError):
        client.get("http://sandbox.test/")  # as a dropped connection looks to a client
