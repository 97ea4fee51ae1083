"""Publishing through the Listings Items API at Amazon's documented plan, beside the peer.

The sandbox enforces Amazon's usage plan for putListingsItem (5 requests per second, burst 5; the
plan of `transpiler.amazon.usage_plans`) on a real socket and the wall clock. The same new products
(copies of a sample item, seeded) are published twice, each time into a fresh sandbox:

- measured: `pl-amazon publish --via listings` (`transpiler.publish.run.publish`, the client as
  shipped, its token buckets and retry);
- peer: python-amazon-sp-api's `ListingsItems.put_listings_item` called in a loop with the
  library's own `throttle_retry()` (retries on a 429 after 5 s, 1.3 times longer each time), on
  the same listings bodies: what a user would otherwise run.

For each: the sustained rate past the first burst (a token every 200 ms afterwards) as a share of
the plan, the 429 answers received, and the items lost (never accepted).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from benchmarks.inputs import write_items
from benchmarks.results import Bench
from transpiler.config import Settings
from transpiler.workspace import Workspace

ITEMS = 100
RATE, BURST = 5.0, 5  # putListingsItem, Amazon's documented plan
SHARE_GOAL = 0.95
TEMPLATE = "MDL-COQUE-S24-NOIR"


def _settings(handle: Any) -> Settings:
    reg = handle.registration
    return Settings().with_overrides(spapi_url=handle.url, lwa_url=handle.lwa_url, client_id=reg.client_id,
                                     client_secret=reg.client_secret, refresh_token=reg.refresh_token,
                                     seller_id=reg.vendor_code)


class PutAnswers:
    """An httpx response hook counting putListingsItem answers by status and timing the accepted ones."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.accepted_at: list[float] = []

    def __call__(self, response: httpx.Response) -> None:
        if response.request.method == "PUT" and "/listings/" in response.request.url.path:
            self.statuses[response.status_code] += 1
            if response.status_code == 200:
                self.accepted_at.append(time.monotonic())


def sustained(times: list[float], burst: int = BURST) -> float:
    """Requests per second past the first burst (the burst costs no waiting; the bucket then refills
    at the plan's rate)."""
    times = sorted(times)
    if len(times) <= burst + 1:
        return 0.0
    return (len(times) - burst) / (times[-1] - times[burst - 1])


def ours(tmp: Path, export: Path) -> dict[str, Any]:
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.spapi import client_from_settings

    answers = PutAnswers()
    with start_sandbox(data=tmp / "sandbox-ours", rate_limits="amazon") as handle:
        http = httpx.Client(event_hooks={"response": [answers]}, timeout=30)
        client = client_from_settings(_settings(handle), http=http)
        result = publish(export, Workspace.create(_settings(handle)),
                         PublishOptions(out_dir=tmp / "out", via="listings", journal=tmp / "journal.sqlite3",
                                        cache_dir=tmp / "cache", follow_up_delay=0), client=client)
        http.close()
    accepted = result.summary["statuses"].get("ACCEPTED", 0)
    return {"rate": sustained(answers.accepted_at), "throttled": answers.statuses.get(429, 0), "sent": accepted,
            "lost": sum(result.summary["statuses"].values()) - accepted}


def _bodies(export: Path) -> list[tuple[str, dict[str, Any]]]:
    """The listings bodies our publisher sends for the export (the peer sends the same): each copy is
    a model holding one article, published as that article's listing."""
    from transpiler.productlive.items import read_items
    from transpiler.publish.family import Single, units
    from transpiler.publish.mappings import MappingSet

    workspace = Workspace.create(Settings().with_overrides(seller_id="MODEL"))
    table = MappingSet.load(workspace.mapping_dir)
    bodies = []
    for item in read_items(export):
        unit = units(item, table, workspace.settings)
        if not isinstance(unit, Single):
            raise AssertionError(f"item {item.index}: a variation family, not one listing")
        listing = unit.listing
        bodies.append((listing.sku or "", {"productType": listing.product_type, "requirements": "LISTING",
                                           "attributes": listing.attributes}))
    return bodies


def peer(tmp: Path, export: Path) -> dict[str, Any]:
    from sp_api.api import ListingsItems
    from sp_api.auth import access_token_client
    from sp_api.base import SellingApiRequestThrottledException
    from sp_api.util import throttle_retry

    from tests.test_sandbox_contract import sp_api_client
    from transpiler.sandbox.runner import start_sandbox

    bodies = _bodies(export)
    throttled = 0
    accepted_at: list[float] = []
    lost = 0
    access_token_client.cache.clear()  # a token of an earlier sandbox is unknown to this one
    with start_sandbox(data=tmp / "sandbox-peer", rate_limits="amazon") as handle:
        client = sp_api_client(ListingsItems, handle)
        marketplace = Settings().marketplace_id

        def put(sku: str, body: dict[str, Any]) -> Any:
            nonlocal throttled
            try:
                return client.put_listings_item(handle.registration.vendor_code, sku, marketplaceIds=[marketplace],
                                                issueLocale="fr_FR", body=body)
            except SellingApiRequestThrottledException:
                throttled += 1
                raise

        retried = throttle_retry()(put)
        for sku, body in bodies:
            try:
                answer = retried(sku, body)
            except SellingApiRequestThrottledException:
                lost += 1
                continue
            if answer.payload.get("status") == "ACCEPTED":
                accepted_at.append(time.monotonic())
            else:
                lost += 1
    access_token_client.cache.clear()
    return {"rate": sustained(accepted_at), "throttled": throttled, "sent": len(accepted_at), "lost": lost}


def run(bench: Bench) -> None:
    count = max(2 * BURST + 5, int(ITEMS * bench.scale))
    with tempfile.TemporaryDirectory(prefix="bench-listings-") as folder:
        tmp = Path(folder)
        export = write_items(tmp / "listings.xml", count, template_sku=TEMPLATE, seed="bench_listings").path
        mine = ours(tmp / "ours", export)
        theirs = peer(tmp / "peer", export)
    share = bench.figure(f"Listings PUT rate, {count} items, share of the plan ({RATE:g} rps)",
                         100 * mine["rate"] / RATE, "%", baseline=100 * theirs["rate"] / RATE,
                         baseline_name="python-amazon-sp-api + throttle_retry")
    ours_429 = bench.figure("Listings: 429 received", mine["throttled"], "answers", baseline=theirs["throttled"],
                            baseline_name="python-amazon-sp-api + throttle_retry")
    lost = bench.figure("Listings: items lost", mine["lost"], "items", baseline=theirs["lost"],
                        baseline_name="python-amazon-sp-api + throttle_retry")
    bench.at_least("Listings publishing share of the plan", share, 100 * SHARE_GOAL)
    bench.holds("Listings publishing without 429", ours_429, mine["throttled"] == 0, "0 answers")
    bench.holds("Listings publishing loses no item", lost, mine["lost"] == 0, "0 items")
