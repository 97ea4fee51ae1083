"""Rate limits, fault injection, admin controls, and starting / stopping the sandbox."""

from __future__ import annotations

import json
import re
import socket
import time

import httpx
import pytest

from tests.sandbox_fixtures import MARKETPLACE, payload
from transpiler.amazon.definitions import md5_base64
from transpiler.sandbox.faults import FaultSpecError, parse_faults
from transpiler.sandbox.rate_limit import AMAZON_LIMITS, RateLimiter
from transpiler.sandbox.runner import start_sandbox


def test_rate_limit_table_matches_the_official_models(amazon):
    documented = {}
    for path in sorted((amazon / "openapi").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for ops in spec["paths"].values():
            for op in ops.values():
                if isinstance(op, dict) and "operationId" in op:
                    rows = re.findall(r"\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", op.get("description", ""))
                    documented[op["operationId"]] = (float(rows[0][0]), int(rows[0][1]))
    assert documented == AMAZON_LIMITS


def test_put_is_throttled_after_its_burst_of_ten(api, sandbox):
    sandbox.set_rate_limits("amazon")
    # A minimal body: the sandbox answers fast (INVALID, 200), so the 14 calls land well inside the
    # time the bucket needs to refill even on a loaded machine.
    attributes: dict = {}
    api.put("warm-up", attributes, mode="VALIDATION_PREVIEW")  # compiles the schema before the clock matters
    sandbox.set_rate_limits("amazon")  # fresh buckets
    started = time.monotonic()
    statuses = [api.put(f"R{i}", attributes, mode="VALIDATION_PREVIEW").status_code for i in range(14)]
    elapsed = time.monotonic() - started
    allowed = statuses.count(200)
    assert statuses[:10] == [200] * 10
    assert 429 in statuses and allowed <= 10 + int(5 * elapsed) + 1
    throttled = api.put("R-last", attributes, mode="VALIDATION_PREVIEW")
    if throttled.status_code == 429:
        assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        assert throttled.headers["x-amzn-RateLimit-Limit"] == "5" and throttled.headers["x-amzn-RequestId"]
    time.sleep(0.45)  # 5 requests per second refill
    assert api.put("R-after", attributes, mode="VALIDATION_PREVIEW").status_code == 200


def test_create_feed_document_burst_is_fifteen(api, sandbox):
    sandbox.set_rate_limits("amazon")
    statuses = [api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"})
                .status_code for _ in range(17)]
    assert statuses[:15] == [201] * 15 and statuses[-1] == 429


def test_rate_limit_modes():
    fast = RateLimiter(100)
    assert fast.limit("createFeed") == (pytest.approx(0.83), 15)
    assert RateLimiter("off").allow("createFeed", "MODEL")
    with pytest.raises(ValueError):
        RateLimiter("sometimes")
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_fault_spec_parsing():
    faults = parse_faults("429=0.5,latency=0.1,seed=3,operations=putListingsItem+getFeed")
    assert (faults.p429, faults.latency, faults.seed) == (0.5, 0.1, 3)
    assert faults.applies_to("getFeed") and not faults.applies_to("getListingsItem")
    assert parse_faults({"503": 1}).p503 == 1
    for bad in ("429", "429=2", "latency=-1", "teapot=1", "500=abc"):
        with pytest.raises(FaultSpecError):
            parse_faults(bad)
    first = parse_faults("429=0.5,seed=9")
    second = parse_faults("429=0.5,seed=9")
    assert [first.draw(0.5) for _ in range(20)] == [second.draw(0.5) for _ in range(20)]


@pytest.mark.parametrize(("fault", "status", "code"), [
    ("429", 429, "QuotaExceeded"), ("500", 500, "InternalFailure"), ("503", 503, "ServiceUnavailable")])
def test_injected_errors_have_amazon_bodies(api, sandbox, fault, status, code):
    sandbox.set_faults({fault: 1})
    response = api.listing("GET", "ANY")
    assert response.status_code == status and response.json()["errors"][0]["code"] == code
    assert response.headers["x-amzn-RequestId"]
    sandbox.set_faults(None)
    assert api.listing("GET", "ANY").status_code == 404


def test_dropped_connection_forced_expiry_latency_and_operation_filter(api, sandbox):
    sandbox.set_faults("drop=1")
    with pytest.raises(httpx.TransportError):
        api.listing("GET", "ANY")
    sandbox.set_faults("expire=1")
    expired = api.listing("GET", "ANY")
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["details"]
    sandbox.set_faults("latency=0.3")
    started = time.monotonic()
    api.listing("GET", "ANY")
    assert time.monotonic() - started >= 0.3
    sandbox.set_faults("500=1,operations=putListingsItem")
    assert api.listing("GET", "ANY").status_code == 404
    assert api.put("F", payload("CELLULAR_PHONE")).status_code == 500


def test_corrupted_schema_download_breaks_the_checksum(api, sandbox):
    envelope = api.request("GET", "/definitions/2020-09-01/productTypes/HEADPHONES",
                           params={"marketplaceIds": MARKETPLACE}).json()
    sandbox.admin("POST", "faults", {"spec": "corrupt_schema=1"})
    damaged = httpx.get(envelope["schema"]["link"]["resource"]).content
    assert md5_base64(damaged) != envelope["schema"]["checksum"]
    sandbox.admin("POST", "faults", {})
    assert md5_base64(httpx.get(envelope["schema"]["link"]["resource"]).content) == envelope["schema"]["checksum"]


def test_admin_endpoints(api, sandbox):
    assert sandbox.admin("GET", "health")["status"] == "ok"
    assert sandbox.admin("GET", "registration")["vendorCode"] == "MODEL"
    bad = httpx.post(f"{sandbox.url}/_sandbox/faults", json={"spec": "nonsense=1"})
    assert bad.status_code == 400 and "nonsense" in bad.json()["error"]
    assert sandbox.admin("POST", "rate-limits", {"mode": "off"})["mode"] == "off"
    assert sandbox.admin("POST", "clock", {"advance": 10})["offset"] == 10
    assert api.put("ADM", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    sandbox.admin("POST", "process")
    listed = sandbox.admin("GET", "listings")["listings"]
    assert [(x["sku"], x["processed"], x["status"]) for x in listed] == [("ADM", True, ["DISCOVERABLE"])]


def test_starts_on_a_free_loopback_port_and_stops_cleanly(tmp_path):
    handle = start_sandbox(data=tmp_path)
    assert handle.url.startswith("http://127.0.0.1:") and handle.port > 0
    assert handle.lwa_url == handle.url + "/auth/o2/token" and handle.consent_url == handle.url
    assert httpx.get(f"{handle.url}/_sandbox/health").status_code == 200
    handle.stop()
    assert not handle._thread.is_alive()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", handle.port)) != 0
