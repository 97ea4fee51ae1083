"""Narrow edge cases of the SP-API client over httpx.MockTransport (the main path runs against the sandbox)."""

from __future__ import annotations

import gzip
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from transpiler.config import Secret, Settings
from transpiler.errors import AmazonError, ConfigError
from transpiler.spapi import (
    LwaError,
    NetworkError,
    RateLimiter,
    RetryPolicy,
    TokenBucket,
    client_from_settings,
)
from transpiler.spapi.retry import parse_retry_after

SECRET = "client-secret-value-0123456789"
REFRESH = "Atzr|refresh-token-value-0123456789"
SPAPI = "https://sellingpartnerapi-eu.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def settings(**overrides: object) -> Settings:
    base = Settings(
        client_id="amzn1.application-oa2-client.test",
        client_secret=Secret(SECRET),
        refresh_token=Secret(REFRESH),
        seller_id="MODEL",
    )
    return base.with_overrides(**overrides)


class Amazon:
    """A scripted LWA + SP-API: `spapi` answers are popped in order, the LWA endpoint counts grants."""

    def __init__(self, spapi: list[httpx.Response | Exception] | Callable[[httpx.Request], httpx.Response] = (),
                 lwa: Callable[[httpx.Request], httpx.Response] | None = None, expires_in: int = 3600):
        self.spapi = spapi if callable(spapi) else list(spapi)
        self.lwa = lwa
        self.expires_in = expires_in
        self.tokens_issued = 0
        self.requests: list[httpx.Request] = []
        self.token_requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == LWA:
            with self._lock:
                self.token_requests.append(request)
                if self.lwa is not None:
                    return self.lwa(request)
                self.tokens_issued += 1
                n = self.tokens_issued
            return httpx.Response(200, json={"access_token": f"Atza|access-token-{n}", "token_type": "bearer",
                                             "expires_in": self.expires_in, "refresh_token": REFRESH})
        with self._lock:
            self.requests.append(request)
        if callable(self.spapi):
            return self.spapi(request)
        answer = self.spapi.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(amazon: Amazon, clock: FakeClock | None = None, **kwargs: object):
    clock = clock or FakeClock()
    http = httpx.Client(transport=httpx.MockTransport(amazon))
    retry = kwargs.pop("retry", None) or RetryPolicy(rng=random.Random(7))
    return client_from_settings(settings(**kwargs), http, retry=retry, sleep=clock.sleep, clock=clock), clock


def ok(body: dict | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body or {"productTypes": [], "productTypeVersion": "V"},
                          headers={"x-amzn-RequestId": "req-ok", **headers})


def test_request_carries_token_user_agent_and_amazon_query_form() -> None:
    amazon = Amazon([ok()])
    client, _ = make_client(amazon)
    answer = client.definitions.search(["telephone", "coque"])
    request = amazon.requests[0]
    assert request.headers["x-amz-access-token"] == "Atza|access-token-1"
    assert re.fullmatch(r"productlive-amazon/0\.1\.0 \(Language=Python/3\.\d+; Platform=\w+\)",
                        request.headers["user-agent"])
    assert "authorization" not in request.headers  # SigV4 is off by default
    assert request.url.path == "/definitions/2020-09-01/productTypes"
    assert request.url.params["marketplaceIds"] == "A13V1IB3VIYZZH"
    assert request.url.params["keywords"] == "telephone,coque"
    assert request.url.params["locale"] == "fr_FR"
    assert answer == {"productTypes": [], "productTypeVersion": "V"}
    assert answer.request_id == "req-ok"
    token_form = dict(httpx.QueryParams(amazon.token_requests[0].content.decode()))
    assert token_form == {"grant_type": "refresh_token", "refresh_token": REFRESH,
                          "client_id": "amzn1.application-oa2-client.test", "client_secret": SECRET}


def test_sku_and_seller_are_url_encoded_in_the_path() -> None:
    amazon = Amazon([ok({"sku": "A/B 1#", "status": "ACCEPTED", "submissionId": "s"})])
    client, _ = make_client(amazon)
    client.listings.put_listings_item("A/B 1#", {"productType": "HEADPHONES", "attributes": {}})
    assert amazon.requests[0].url.raw_path.split(b"?")[0] == b"/listings/2021-08-01/items/MODEL/A%2FB%201%23"
    assert json.loads(amazon.requests[0].content) == {"productType": "HEADPHONES", "attributes": {}}


def test_token_is_reused_until_60_seconds_before_expiry() -> None:
    amazon = Amazon(lambda request: ok(), expires_in=3600)
    client, clock = make_client(amazon)
    client.definitions.search()
    clock.now += 3600 - 61
    client.definitions.search()
    assert amazon.tokens_issued == 1
    clock.now += 2  # now 59 s before expiry
    client.definitions.search()
    assert amazon.tokens_issued == 2
    assert amazon.requests[-1].headers["x-amz-access-token"] == "Atza|access-token-2"


def test_concurrent_calls_share_one_refresh() -> None:
    issued = []

    def slow_lwa(request: httpx.Request) -> httpx.Response:
        issued.append(1)
        time.sleep(0.05)  # a slow token endpoint: other threads must wait, not refresh too
        return httpx.Response(200, json={"access_token": "Atza|shared", "expires_in": 3600})

    amazon = Amazon(lambda request: ok(), lwa=slow_lwa)
    http = httpx.Client(transport=httpx.MockTransport(amazon))
    client = client_from_settings(settings(), http, limits={"searchDefinitionsProductTypes": (1000.0, 1000)})
    threads = [threading.Thread(target=client.definitions.search) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issued) == 1
    assert len(amazon.requests) == 16
    assert {r.headers["x-amz-access-token"] for r in amazon.requests} == {"Atza|shared"}


def test_429_is_retried_with_retry_after_honoured_then_succeeds() -> None:
    throttled = httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "slow down"}]},
                               headers={"Retry-After": "7", "x-amzn-RequestId": "req-429"})
    amazon = Amazon([throttled, httpx.Response(503, text="busy"), ok()])
    client, clock = make_client(amazon)
    client.definitions.get_definition("HEADPHONES")
    assert len(amazon.requests) == 3
    retry_sleeps = [s for s in clock.sleeps if s >= 0.25]
    assert retry_sleeps[0] >= 7.0  # Retry-After is a floor
    assert 0.5 <= retry_sleeps[1] <= 1.0  # second retry: equal jitter over 2 * base


def test_retries_are_bounded_and_the_error_carries_amazons_errors_and_request_id() -> None:
    def always_throttled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]},
                              headers={"x-amzn-RequestId": "req-final"})

    amazon = Amazon(always_throttled)
    client, _ = make_client(amazon, retry=RetryPolicy(max_attempts=4, rng=random.Random(1)))
    with pytest.raises(AmazonError) as info:
        client.definitions.get_definition("HEADPHONES")
    assert len(amazon.requests) == 4
    assert info.value.status == 429
    assert info.value.errors == ({"code": "QuotaExceeded", "message": "You exceeded your quota"},)
    assert info.value.request_id == "req-final"
    assert info.value.operation == "getDefinitionsProductType"


def test_client_errors_are_not_retried() -> None:
    amazon = Amazon([httpx.Response(400, json={"errors": [{"code": "INVALID_INPUT", "message": "bad"}]},
                                    headers={"x-amzn-RequestId": "r400"})])
    client, _ = make_client(amazon)
    with pytest.raises(AmazonError) as info:
        client.definitions.get_definition("NOPE")
    assert (info.value.status, info.value.request_id, len(amazon.requests)) == (400, "r400", 1)


def test_connection_errors_are_retried_then_reported_as_network_error() -> None:
    request = httpx.Request("GET", SPAPI)
    amazon = Amazon([httpx.ConnectError("refused", request=request), ok()])
    client, _ = make_client(amazon)
    client.definitions.search()
    assert len(amazon.requests) == 2

    down = Amazon(lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)))
    client, _ = make_client(down, retry=RetryPolicy(max_attempts=3, rng=random.Random(1)))
    with pytest.raises(NetworkError) as info:
        client.definitions.search()
    assert info.value.attempts == 3 and info.value.exit_code == 2
    assert len(down.requests) == 3


def test_a_post_that_may_have_arrived_is_not_repeated() -> None:
    amazon = Amazon(lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=r)))
    client, _ = make_client(amazon)
    with pytest.raises(NetworkError):
        client.feeds.create_feed("doc-1")
    assert len(amazon.requests) == 1


def test_expired_token_rejected_mid_run_is_refreshed_once() -> None:
    expired = httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access denied",
                                                    "details": "The access token you provided has expired."}]})
    amazon = Amazon([ok(), expired, ok()])
    client, _ = make_client(amazon)
    client.definitions.search()
    client.definitions.search()
    assert amazon.tokens_issued == 2
    assert [r.headers["x-amz-access-token"] for r in amazon.requests] == [
        "Atza|access-token-1", "Atza|access-token-1", "Atza|access-token-2"]


def test_a_403_that_survives_a_fresh_token_is_raised() -> None:
    denied = httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "Access denied"}]})
    amazon = Amazon([denied, denied])
    client, _ = make_client(amazon)
    with pytest.raises(AmazonError) as info:
        client.listings.get_listings_item("SKU1")
    assert info.value.status == 403 and len(amazon.requests) == 2


@pytest.mark.parametrize(("error", "hint"), [("invalid_client", "PL_AMAZON_CLIENT_SECRET"),
                                              ("invalid_grant", "PL_AMAZON_REFRESH_TOKEN")])
def test_lwa_refusals_are_actionable_and_never_echo_secrets(error: str, hint: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        # a hostile or verbose server echoing the credentials back must not leak them
        return httpx.Response(400 if error == "invalid_grant" else 401,
                              json={"error": error, "error_description": f"bad {SECRET} / {REFRESH}"})

    amazon = Amazon(lambda r: ok(), lwa=refuse)
    client, _ = make_client(amazon)
    with pytest.raises(LwaError) as info:
        client.definitions.search()
    line = info.value.one_line()
    assert info.value.error == error and hint in line
    assert SECRET not in line and REFRESH not in line and "\n" not in line
    assert amazon.requests == []


def test_missing_credentials_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="PL_AMAZON_REFRESH_TOKEN"):
        client_from_settings(Settings(client_id="x", client_secret=Secret("y")), httpx.Client())


def test_rate_limit_header_adjusts_the_bucket() -> None:
    amazon = Amazon([ok(**{"x-amzn-RateLimit-Limit": "0.5"})])
    client, _ = make_client(amazon)
    answer = client.definitions.search()
    assert answer.rate_limit == 0.5
    assert client.transport.limiter.bucket("searchDefinitionsProductTypes").rate == 0.5


def test_token_bucket_spends_burst_then_waits_for_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(0.5) and waits[4] == pytest.approx(0.5)
    clock.now += 10
    assert bucket.tokens == pytest.approx(3.0)  # never above the burst


def test_limiter_uses_amazons_documented_plans() -> None:
    limiter = RateLimiter()
    assert (limiter.bucket("getDefinitionsProductType").rate, limiter.bucket("getDefinitionsProductType").burst) \
        == (5.0, 10)
    assert (limiter.bucket("createFeed").rate, limiter.bucket("createFeed").burst) == (0.0083, 15)
    assert limiter.bucket("patchListingsItem").burst == 5


def test_documented_plans_match_amazons_models(amazon) -> None:
    """The rate table is read from the OpenAPI descriptions, not invented."""
    from transpiler.spapi.rate_limit import DOCUMENTED_LIMITS

    found = {}
    for path in (amazon / "openapi").glob("*.json"):
        for operations in json.loads(path.read_text())["paths"].values():
            for op in operations.values():
                if isinstance(op, dict) and "operationId" in op:
                    match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", op.get("description", ""))
                    if match:
                        found[op["operationId"]] = (float(match[1]), int(match[2]))
    assert found == DOCUMENTED_LIMITS


def test_retry_after_accepts_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("-5") == 0.0


def test_sigv4_is_opt_in_and_signs_with_botocore() -> None:
    from botocore.credentials import Credentials

    from transpiler.spapi.sigv4 import SigV4Signer

    amazon = Amazon([ok()])
    client, _ = make_client(amazon)
    client.transport.signer = SigV4Signer("eu-west-1", Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG"))
    client.definitions.search()
    authorization = amazon.requests[0].headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert "x-amz-access-token" in authorization  # the LWA token header is signed
    assert "x-amz-date" in amazon.requests[0].headers


def test_feed_documents_are_gunzipped_and_presigned_queries_stay_out_of_errors() -> None:
    report = json.dumps({"summary": {"errors": 0}}).encode()

    def s3(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/report":
            assert "x-amz-access-token" not in request.headers  # presigned links get no SP-API token
            return httpx.Response(200, content=gzip.compress(report))
        return httpx.Response(404, text="NoSuchKey")

    amazon = Amazon(s3)
    client, _ = make_client(amazon)
    assert client.feeds.download({"url": "https://s3.example/report?X-Amz-Signature=abc",
                                  "compressionAlgorithm": "GZIP"}) == report
    with pytest.raises(AmazonError) as info:
        client.feeds.download("https://s3.example/missing?X-Amz-Security-Token=SECRETTOKEN")
    assert "SECRETTOKEN" not in info.value.one_line() and info.value.status == 404


def test_no_secret_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    throttled = httpx.Response(429, headers={"Retry-After": "0"})
    expired = httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "expired"}]})
    amazon = Amazon([throttled, ok(), expired, ok(), httpx.Response(200, content=b"{}")])
    client, _ = make_client(amazon)
    client.definitions.search()
    client.definitions.get_definition("HEADPHONES")
    client.definitions.download({"link": {"resource": "https://s3.example/T.json?X-Amz-Security-Token=AWSTEMP",
                                          "verb": "GET"}, "checksum": "x"})
    assert amazon.tokens_issued == 2
    text = caplog.text + repr(client.auth.current_token()) + str(settings())
    assert "https://s3.example/T.json" in text  # httpx logged the download...
    for secret in (SECRET, REFRESH, "Atza|access-token-1", "Atza|access-token-2", "AWSTEMP"):
        assert secret not in text


def test_limiter_refills_with_headroom_below_amazons_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire("getDefinitionsProductType") for _ in range(12)]
    assert waits[:9] == [0.0] * 9  # Amazon's burst of 10, less one token kept as a cushion
    assert waits[9] == pytest.approx(1 / (5.0 * 0.97))  # then 97% of Amazon's 5 requests per second
