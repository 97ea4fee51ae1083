"""Publishing at scale: Amazon's Listings rate limit, one big feed, a 100,000-item export streamed.

1. 200 new items through the Listings Items API against the sandbox enforcing Amazon's limits
   (putListingsItem 5 rps, burst 5): sustained PUT rate as a ratio of the limit, 429s received.
2. 10,000 items through JSON_LISTINGS_FEED: read + mapping + validation time and serialization
   time (ratios to `json.dumps` of the same attributes, measured here), createFeed calls.
3. A 100,000-item export streamed through read + mapping + validation + feed serialization in a
   fresh process: items per second and peak memory (goal <= 300 MB).

Sizes can be reduced for a quick look: BENCH_PUBLISH_SCALE=0.1.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from lxml import etree

from transpiler.config import Settings
from transpiler.productlive.gtin import check_digit
from transpiler.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "items.xml"
SCALE = float(os.environ.get("BENCH_PUBLISH_SCALE", "1"))
RATE, BURST = 5.0, 5
MEMORY_GOAL_MB = 300


def write_items(path: Path, count: int, template_sku: str = "MDL-COQUE-S24-NOIR", prefix: str = "BENCH") -> list[str]:
    """`count` new products cloned from a sample product (a model with its article: own model, SKU and
    valid EAN), written as a stream; their SKUs."""
    tree = etree.parse(str(EXAMPLE))
    template = next(m for m in tree.getroot().find("Items")
                    if m.findtext(".//Identifier[@key='SKU']") == template_sku)
    skus = []
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Table", key="AMAZON_FR"), xf.element("Items"):
            for n in range(count):
                model = etree.fromstring(etree.tostring(template))
                skus.append(f"{prefix}-{n:06d}")
                model.find("Identifier[@key='PARENT_SKU']").text = f"MOD-{skus[-1]}"
                model.find(".//Identifier[@key='SKU']").text = skus[-1]
                body = f"37{n:010d}"
                model.find(".//Identifier[@key='EAN']").text = body + str(check_digit(body))
                xf.write(model)
    return skus


def _settings(handle: object) -> Settings:
    reg = handle.registration
    return Settings().with_overrides(spapi_url=handle.url, lwa_url=handle.lwa_url, client_id=reg.client_id,
                                     client_secret=reg.client_secret, refresh_token=reg.refresh_token,
                                     seller_id=reg.vendor_code)


def bench_listings(tmp: Path, headroom: float | None = None) -> list[str]:
    """`headroom`: the client's refill factor (None = as shipped, spapi.rate_limit.HEADROOM)."""
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.spapi import RateLimiter, client_from_settings

    count = max(20, int(200 * SCALE))
    tmp.mkdir(parents=True, exist_ok=True)
    items = tmp / "listings.xml"
    write_items(items, count)
    statuses: Counter[int] = Counter()
    put_times: list[float] = []

    def hook(response: httpx.Response) -> None:
        if response.request.method == "PUT" and "/listings/" in response.request.url.path:
            statuses[response.status_code] += 1
            if response.status_code == 200:
                put_times.append(time.monotonic())

    with start_sandbox(data=tmp / "sandbox-listings", rate_limits="amazon") as handle:
        http = httpx.Client(event_hooks={"response": [hook]}, timeout=30)
        client = client_from_settings(_settings(handle), http=http)
        if headroom is not None:
            client.transport.limiter = RateLimiter(headroom=headroom)
        started = time.monotonic()
        result = publish(items, Workspace.create(_settings(handle)),
                         PublishOptions(out_dir=tmp / "out-listings", via="listings",
                                        journal=tmp / "j-listings.sqlite3", follow_up_delay=0), client=client)
        elapsed = time.monotonic() - started
        http.close()
    accepted = result.summary["statuses"]["ACCEPTED"]
    # after the burst, tokens come at RATE per second: the sustained rate is measured past the burst
    sustained = (len(put_times) - BURST) / (put_times[-1] - put_times[BURST - 1]) if len(put_times) > BURST else 0.0
    label = "client as shipped" if headroom is None else f"client refilling at {headroom:g} of the rate"
    return [
        f"listings ({label}): {count} PUTs, {accepted} ACCEPTED in {elapsed:.1f} s; limit {RATE:g} rps burst {BURST}",
        f"listings: sustained rate {sustained:.2f} rps = {sustained / RATE:.1%} of the limit ("
        + (f"goal >= 95%: {'met' if sustained / RATE >= 0.95 else 'NOT met'}" if headroom is None else "for comparison")
        + f"); 429 received: {statuses.get(429, 0)}",
    ]


def bench_feed(tmp: Path) -> list[str]:
    from transpiler.productlive.items import read_items
    from transpiler.publish.family import units
    from transpiler.publish.feed import batches, feed_header, update_message
    from transpiler.publish.mappings import MappingSet
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.spapi import client_from_settings
    from transpiler.validation import validate

    count = max(100, int(10_000 * SCALE))
    items = tmp / "feed.xml"
    write_items(items, count, prefix="FEED")
    settings = Settings().with_overrides(seller_id="MODEL")
    workspace = Workspace.create(settings)
    table = MappingSet.load(workspace.mapping_dir)
    check = functools.partial(validate, workspace=workspace)
    started = time.perf_counter()
    # each item is a model with one article: one listing (a Single)
    listings = [units(item, table, settings, validate=check).listing for item in read_items(items)]
    prepared = time.perf_counter() - started
    messages = [update_message(i, lst.sku, lst.product_type, lst.attributes) for i, lst in enumerate(listings, 1)]
    started = time.perf_counter()
    documents = list(batches(feed_header("MODEL"), messages))
    serialized = time.perf_counter() - started
    started = time.perf_counter()
    for message in messages:
        json.dumps(message["attributes"], ensure_ascii=False)
    baseline = time.perf_counter() - started
    create_feed: Counter[str] = Counter()

    def hook(response: httpx.Response) -> None:
        if response.request.method == "POST" and response.request.url.path.endswith("/feeds"):
            create_feed[str(response.status_code)] += 1

    with start_sandbox(data=tmp / "sandbox-feed", rate_limits="amazon", feed_queue_delay=0.2,
                       feed_processing_delay=0.2) as handle:
        http = httpx.Client(event_hooks={"response": [hook]}, timeout=120)
        client = client_from_settings(_settings(handle), http=http)
        started = time.monotonic()
        result = publish(items, Workspace.create(_settings(handle)),
                         PublishOptions(out_dir=tmp / "out-feed", via="feed", journal=tmp / "j-feed.sqlite3",
                                        feed_poll=0.5), client=client)
        elapsed = time.monotonic() - started
        http.close()
    size = sum(len(d.body) for d in documents)
    return [
        f"feed: {count} items read + mapped + validated in {prepared:.2f} s ({count / prepared:.0f} items/s; "
        f"{prepared / baseline:.0f}x json.dumps of the attributes, {baseline * 1000:.0f} ms)",
        f"feed: serialized into {len(documents)} document(s), {size / 1024 / 1024:.1f} MiB, in {serialized:.2f} s "
        f"({serialized / baseline:.1f}x json.dumps)",
        f"feed: end to end through the sandbox {elapsed:.1f} s, createFeed calls: {sum(create_feed.values())} "
        f"({dict(create_feed)}), {result.summary['statuses']['ACCEPTED']} ACCEPTED",
    ]


#: VmHWM (this process's peak resident set), not ru_maxrss: after fork + exec, ru_maxrss still holds
#: the parent's size at fork time, which is the benchmark process's, not the child's.
_PEAK = """
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
"""

_STREAM = _PEAK + """
import sys, time
from pathlib import Path
from transpiler.config import Settings
from transpiler.productlive.items import read_items
from transpiler.publish.feed import batches, feed_header, update_message
from transpiler.publish.family import units
from transpiler.publish.mappings import MappingSet
from transpiler.validation import validate
from transpiler.workspace import Workspace
settings = Settings().with_overrides(seller_id="MODEL")
workspace = Workspace.create(settings)
table = MappingSet.load(workspace.mapping_dir)
started = time.perf_counter()
counter = {"items": 0, "sendable": 0}
def messages():
    for item in read_items(Path(sys.argv[1])):
        counter["items"] += 1
        listing = units(item, table, settings, validate=lambda t, a: validate(t, a, workspace=workspace)).listing
        if listing.sendable:
            counter["sendable"] += 1
            yield update_message(counter["items"], listing.sku, listing.product_type, listing.attributes)
feeds = sum(1 for _ in batches(feed_header("MODEL"), messages()))
elapsed = time.perf_counter() - started
print(counter["items"], counter["sendable"], feeds, elapsed, peak_kib())
"""


def bench_stream(tmp: Path) -> list[str]:
    count = max(1000, int(100_000 * SCALE))
    items = tmp / "stream.xml"
    write_items(items, count, prefix="STREAM")
    size_mb = items.stat().st_size / 1024 / 1024
    warm = _PEAK + """
from pathlib import Path
from transpiler.config import Settings
from transpiler.productlive.items import read_items
from transpiler.publish.family import units
from transpiler.publish.mappings import MappingSet
from transpiler.validation import validate
from transpiler.workspace import Workspace
workspace = Workspace.create()
table = MappingSet.load(workspace.mapping_dir)
for item in read_items(Path(__import__("sys").argv[1])):
    units(item, table, Settings(), validate=lambda t, a: validate(t, a, workspace=workspace))
print(peak_kib())
"""
    one = tmp / "one.xml"
    write_items(one, 1, prefix="ONE")
    baseline = subprocess.run([sys.executable, "-c", warm, str(one)], capture_output=True, text=True, check=True,
                              cwd=REPO)
    out = subprocess.run([sys.executable, "-c", _STREAM, str(items)], capture_output=True, text=True, check=True,
                         cwd=REPO)
    read, sendable, feeds, elapsed, rss = out.stdout.split()
    peak = int(rss) / 1024
    base = int(baseline.stdout) / 1024
    return [
        f"stream: {read} items ({size_mb:.0f} MB export) read + mapped + validated + serialized into {feeds} feed "
        f"document(s) in {float(elapsed):.1f} s = {int(read) / float(elapsed):.0f} items/s ({sendable} valid)",
        f"stream: peak memory {peak:.0f} MB (one item through the same code: {base:.0f} MB, {peak / base:.1f}x); "
        f"goal <= {MEMORY_GOAL_MB} MB: {'met' if peak <= MEMORY_GOAL_MB else 'NOT met'}",
    ]


def run() -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        tmp = Path(folder)
        lines += bench_listings(tmp)
        lines += bench_listings(tmp / "headroom", headroom=0.9)
        lines += bench_feed(tmp)
        lines += bench_stream(tmp)
    return lines
