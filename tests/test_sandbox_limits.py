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


def _model_plans(amazon) -> dict[str, tuple[float, int]]:
    documented = {}
    for path in sorted((amazon / "openapi").glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for ops in spec["paths"].values():
            for op in ops.values():
                if isinstance(op, dict) and "operationId" in op:
                    rows = re.findall(r"\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|", op.get("description", ""))
                    documented[op["operationId"]] = (float(rows[0][0]), int(rows[0][1]))
    return documented


def test_usage_plans_follow_amazons_current_pages_where_they_differ_from_the_models(amazon):
    """Every operation of the three models has a row with its rate; bursts are the current pages' (lower)."""
    from transpiler.amazon.usage_plans import DEFINITIONS_PAGE, LISTINGS_MODEL, LISTINGS_PAGE, USAGE_PLANS, plan

    models = _model_plans(amazon)
    assert set(models) <= set(AMAZON_LIMITS)
    for operation, (rate, burst) in models.items():
        row = plan(operation)
        assert row.rate == rate, operation  # the rates agree
        assert row.burst <= burst, operation  # the pages never allow more than the models
        assert row.source.startswith(("https://developer-docs.amazon.com/", "amzn/selling-partner-api-models"))
    # where the current pages differ from the models (the deviations this table fixes)
    assert models["putListingsItem"] == (5.0, 10) and AMAZON_LIMITS["putListingsItem"] == (5.0, 5)
    assert models["getListingsItem"] == (5.0, 10) and AMAZON_LIMITS["getListingsItem"] == (5.0, 5)
    assert models["getDefinitionsProductType"] == (5.0, 10) and AMAZON_LIMITS["getDefinitionsProductType"] == (5.0, 5)
    assert plan("putListingsItem").source == LISTINGS_PAGE and plan("getDefinitionsProductType").source == \
        DEFINITIONS_PAGE
    assert plan("searchListingsItems").source == LISTINGS_MODEL  # not on the page: the model's plan
    cases = {(p.operation, p.case): (p.rate, p.burst, p.application_rate) for p in USAGE_PLANS if p.case}
    assert cases[("putListingsItem", "preview")] == (1.0, 1, None)
    assert cases[("patchListingsItem", "preview")] == (1.0, 1, 20.0)
    assert cases[("patchListingsItem", "relationships")] == (None, 5, 5.0)
    assert cases[("putListingsItem", "relationships")] == (None, 5, 25.0)
    assert cases[("createFeed", "JSON_LISTINGS_FEED")] == (pytest.approx(5 / 300), 5, None)
    assert all(p.source for p in USAGE_PLANS)


#: Amazon's rates divided by 100 (bursts unchanged): no token refills while a test runs, however loaded the
#: machine, and moving the sandbox clock by 100 s stands for one second at Amazon's rates.
SLOW = 0.01


def test_put_is_throttled_after_its_burst_of_five_and_refills_on_the_sandbox_clock(api, sandbox):
    attributes: dict = {}
    sandbox.set_rate_limits("amazon")
    assert api.put("R0", attributes).headers["x-amzn-RateLimit-Limit"] == "5"
    sandbox.set_rate_limits(SLOW)  # fresh buckets
    statuses = [api.put(f"R{i}", attributes).status_code for i in range(7)]
    assert statuses == [200] * 5 + [429] * 2  # Amazon's current burst is 5 (the model still says 10)
    throttled = api.put("R-last", attributes)
    assert throttled.json()["errors"][0] == {"code": "QuotaExceeded",
                                             "message": "You exceeded your quota for the requested resource."}
    assert throttled.headers["x-amzn-RequestId"]
    sandbox.advance_clock(100)  # one second at 5 requests per second
    assert [api.put(f"R-after{i}", attributes).status_code for i in range(6)] == [200] * 5 + [429]


def test_previews_are_limited_to_one_per_second(api, sandbox):
    sandbox.set_rate_limits(SLOW)
    first = api.put("P1", {}, mode="VALIDATION_PREVIEW")
    second = api.put("P2", {}, mode="VALIDATION_PREVIEW")
    assert first.status_code == 200 and second.status_code == 429
    assert api.put("P3", {}).status_code == 200  # a plain PUT has its own bucket
    sandbox.advance_clock(100)  # one second at Amazon's rate
    assert api.put("P4", {}, mode="VALIDATION_PREVIEW").status_code == 200


def test_relationship_patches_hit_the_application_limit_with_amazons_message(api, sandbox):
    """Two vendors of one app: relationship patches share 5 per second per application."""
    sandbox.set_rate_limits(SLOW)
    reg = sandbox.registration
    relation = [{"marketplace_id": MARKETPLACE, "child_relationship_type": "variation", "parent_sku": "PARENT-0"}]
    body = {"productType": "CELLULAR_PHONE",
            "patches": [{"op": "replace", "path": "/attributes/child_parent_sku_relationship", "value": relation}]}
    statuses = [api.listing("PATCH", "CHILD-1", json=body).status_code for _ in range(5)]
    assert statuses == [200] * 5
    other = sandbox.state.issue_access_token(reg.client_id, "amzn1.vg.other", "OTHER")
    refused = api.listing("PATCH", "SKU-OF-OTHER", seller="OTHER", token=other, json=body)
    assert refused.status_code == 429  # OTHER's own bucket is full: the application's is empty
    assert refused.json()["errors"][0]["message"] == (
        "The frequency of requests was greater than what is allowed for relationships.")


def test_application_and_product_data_limits_answer_amazons_granular_messages():
    limiter = RateLimiter("amazon", clock=lambda: 100.0)
    answers = [limiter.refusal("patchListingsItem", f"V{i}", "app", ["product data"], include_operation=False)
               for i in range(101)]
    assert answers[:100] == [None] * 100  # 100 per second per application
    assert answers[100] == "The frequency of requests was greater than what is allowed for product data."
    # 5 per partner and 100 per application: 100 partners at once pass, the 101st is refused for the app
    gets = [limiter.refusal("getListingsItem", f"V{i}", "app") for i in range(101)]
    assert gets[:100] == [None] * 100
    assert gets[100] == "The frequency of requests was greater than what is allowed for the application."
    assert [limiter.refusal("getListingsItem", "W", "other-app") for _ in range(5)] == [None] * 5
    assert limiter.refusal("getListingsItem", "W", "other-app") == "You exceeded your quota for the requested resource."


def test_json_listings_feed_quota_is_five_feeds_per_five_minutes(api, sandbox):
    sandbox.set_rate_limits("amazon")  # 5 per 300 s: no refill while the test runs
    statuses = []
    for _ in range(6):
        document = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
        assert api.client.put(document["url"], content=b"{}", headers={"content-type": "application/json"}).is_success
        statuses.append(api.request("POST", "/feeds/2021-06-30/feeds", json={
            "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": document["feedDocumentId"]}).status_code)
    assert statuses == [202] * 5 + [429]
    sandbox.advance_clock(60)  # one feed every minute
    document = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
    api.client.put(document["url"], content=b"{}", headers={"content-type": "application/json"})
    assert api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": document["feedDocumentId"]}).status_code == 202


def test_create_feed_document_burst_is_fifteen(api, sandbox):
    sandbox.set_rate_limits("amazon")
    statuses = [api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"})
                .status_code for _ in range(17)]
    assert statuses[:15] == [201] * 15 and statuses[-1] == 429


def test_rate_limit_modes():
    fast = RateLimiter(100)
    assert fast.limit("createFeed") == (pytest.approx(0.83), 15)
    assert fast.limit("putListingsItem") == (500.0, 5)
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
    damaged = sandbox.http.get(envelope["schema"]["link"]["resource"]).content
    assert md5_base64(damaged) != envelope["schema"]["checksum"]
    sandbox.admin("POST", "faults", {})
    assert md5_base64(sandbox.http.get(envelope["schema"]["link"]["resource"]).content) == \
        envelope["schema"]["checksum"]


def test_admin_endpoints(api, sandbox):
    assert sandbox.admin("GET", "health")["status"] == "ok"
    assert sandbox.admin("GET", "registration")["vendorCode"] == "MODEL"
    bad = sandbox.http.post(f"{sandbox.url}/_sandbox/faults", json={"spec": "nonsense=1"})
    assert bad.status_code == 400 and "nonsense" in bad.json()["error"]
    assert sandbox.admin("POST", "rate-limits", {"mode": "off"})["mode"] == "off"
    assert sandbox.admin("POST", "clock", {"advance": 10})["offset"] == 10
    assert api.put("ADM", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    sandbox.admin("POST", "process")
    listed = sandbox.admin("GET", "listings")["listings"]
    assert [(x["sku"], x["processed"], x["status"]) for x in listed] == [("ADM", True, ["DISCOVERABLE"])]


@pytest.mark.socket
def test_starts_on_a_free_loopback_port_and_stops_cleanly(tmp_path):
    handle = start_sandbox(data=tmp_path)
    assert handle.url.startswith("http://127.0.0.1:") and handle.port > 0
    assert handle.lwa_url == handle.url + "/auth/o2/token" and handle.consent_url == handle.url
    assert httpx.get(f"{handle.url}/_sandbox/health").status_code == 200
    handle.stop()
    assert not handle._thread.is_alive()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", handle.port)) != 0
