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
    assert client.transport.limiter.rate("searchDefinitionsProductTypes") == 0.5


def test_token_bucket_spends_burst_then_waits_for_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"getFeed": (2.0, 4)}, clock=clock, sleep=clock.sleep, headroom=1.0)
    waits = [limiter.acquire("getFeed") for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]  # burst 4 less the cushion of one token
    assert waits[3] == pytest.approx(0.5) and waits[4] == pytest.approx(0.5)
    clock.now += 10
    limiter.acquire("getFeed")
    assert limiter.state("getFeed").tokens == pytest.approx(2.0)  # never above the burst (3 - the one taken)


def test_limiter_uses_amazons_current_plans() -> None:
    """Burst 5 (not the models' 10) for listings and definitions, createFeed's own plan."""
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    assert [limit.burst for limit in limiter.limits("getDefinitionsProductType")] == [5, 100]
    assert [(limit.rate, limit.burst) for limit in limiter.limits("putListingsItem")] == [(5.0, 5), (100.0, 100)]
    assert [(limit.rate, limit.burst) for limit in limiter.limits("createFeed")] == [(0.0083, 15)]
    assert [(limit.key, limit.seller) for limit in limiter.limits("patchListingsItem", ["preview"])] == [
        ("patchListingsItem", True), ("patchListingsItem:preview", True),
        ("app/patchListingsItem", False), ("app/patchListingsItem:preview", False)]


def test_previews_are_paced_at_one_per_second() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire("putListingsItem", ["preview"]) for _ in range(4)]
    assert waits[0] == 0.0
    assert waits[1:] == [pytest.approx(1 / 0.97)] * 3  # one per second (with headroom), no burst
    plain = [limiter.acquire("putListingsItem") for _ in range(2)]
    assert plain == [0.0, 0.0]  # plain PUTs still have their own burst left


def test_json_listings_feed_quota_is_five_per_five_minutes() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"createFeed": (1000.0, 1000)}, clock=clock, sleep=clock.sleep, headroom=1.0)
    waits = [limiter.acquire("createFeed", ["JSON_LISTINGS_FEED"]) for _ in range(6)]
    assert waits[:4] == [0.0] * 4  # five per five minutes, one kept as a cushion
    assert waits[4] == pytest.approx(60.0) and waits[5] == pytest.approx(60.0)
    assert limiter.acquire("createFeed") == 0.0  # another feed type: createFeed's own plan only


def test_a_429_slows_the_pace_down_then_it_recovers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep, headroom=1.0)
    for _ in range(4):
        limiter.acquire("getListingsItem")
    limiter.throttled("getListingsItem", (), "You exceeded your quota for the requested resource.")
    assert limiter.rate("getListingsItem") == pytest.approx(2.5)  # half of 5 per second
    assert limiter.acquire("getListingsItem") == pytest.approx(1 / 2.5, rel=0.05)
    clock.now += 10
    assert 2.5 < limiter.rate("getListingsItem") < 5.0  # recovering
    clock.now += 20  # no 429 for a while: back to Amazon's rate
    assert limiter.rate("getListingsItem") == pytest.approx(5.0)


def test_a_429_for_the_application_slows_the_application_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    limiter.acquire("patchListingsItem", ["relationships"])
    limiter.throttled("patchListingsItem", ["relationships"],
                      "The frequency of requests was greater than what is allowed for relationships.")
    assert limiter.state("patchListingsItem", "relationships", application=True).factor == 0.5
    assert limiter.state("patchListingsItem").factor == 1.0  # the partner's own plan is not the culprit
    limiter.throttled("patchListingsItem", ["preview"], "You exceeded your quota for the requested resource.")
    assert limiter.state("patchListingsItem", "preview").factor == 0.5  # the slowest own bucket of the call
    assert limiter.state("patchListingsItem").factor == 1.0


def test_the_transport_slows_down_after_a_429_and_names_the_cases() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "0"}, json={"errors": [
        {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}]})
    amazon = Amazon([throttled, ok({"status": "VALID", "sku": "S", "submissionId": "1"})])
    client, _ = make_client(amazon)
    client.listings.put_listings_item("S", {"productType": "HEADPHONES", "attributes": {"item_name": []}},
                                      mode="VALIDATION_PREVIEW")
    assert client.transport.limiter.state("putListingsItem", "preview").factor < 1.0
    assert len(amazon.requests) == 2


def test_shared_buckets_hold_across_limiters(tmp_path) -> None:
    """Two limiters on the same file (two processes) share the partner's bucket; another partner has its own."""
    from transpiler.spapi import SharedRateLimiter

    clock = FakeClock()
    first, second = (SharedRateLimiter(tmp_path, application="app", seller="MODEL", clock=clock, sleep=clock.sleep)
                     for _ in range(2))
    other = SharedRateLimiter(tmp_path, application="app", seller="OTHER", clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire("putListingsItem") for limiter in (first, second, first, second, first)]
    assert waits[:4] == [0.0] * 4 and waits[4] > 0.0  # burst 5 less one, shared
    assert other.acquire("putListingsItem") == 0.0
    first.throttled("putListingsItem", (), "You exceeded your quota for the requested resource.")
    assert second.state("putListingsItem").factor == 0.5
    for limiter in (first, second, other):
        limiter.close()


def test_shared_limiter_keeps_two_processes_within_the_plan(tmp_path) -> None:
    """Real processes racing for one bucket: never more than burst + rate x elapsed tokens taken."""
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from transpiler.spapi import SharedRateLimiter\n"
        "limiter = SharedRateLimiter(Path(sys.argv[1]), application='app', seller='MODEL',\n"
        "                            limits={'getFeed': (20.0, 3)})\n"
        "for _ in range(15):\n"
        "    limiter.acquire('getFeed')\n"
        "    print(time.time(), flush=True)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    stamps = sorted(float(line) for proc in procs for line in proc.communicate(timeout=60)[0].split())
    assert len(stamps) == 30 and all(proc.returncode == 0 for proc in procs)
    # Amazon's bucket (rate 20, burst 3) never runs dry: within any window, at most burst + rate x window
    for i, start in enumerate(stamps):
        for j in range(i, len(stamps)):
            assert j - i + 1 <= 3 + 20 * (stamps[j] - start) + 1e-6


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
    waits = [limiter.acquire("getDefinitionsProductType") for _ in range(7)]
    assert waits[:4] == [0.0] * 4  # Amazon's burst of 5, less one token kept as a cushion
    assert waits[4] == pytest.approx(1 / (5.0 * 0.97))  # then 97% of Amazon's 5 requests per second
