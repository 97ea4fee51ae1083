"""Amazon's usage plans in force, against the sandbox enforcing them (wall clock, loopback).

1. 200 new items through the Listings Items API: sustained putListingsItem rate as a share of the
   documented 5 requests per second with burst 5 (goal >= 95 %), 429s received (goal 0). Each item
   is first looked up (getListingsItem, its own bucket) so an existing SKU is never replaced.
2. 50 previews (`mode=VALIDATION_PREVIEW`, throttled at 1 request per second): rate (goal >= 0.95
   per second) and 429s (goal 0).
3. Two `pl-amazon publish` processes for the same vendor at once, 100 items each: their combined
   PUT rate and the 429s the sandbox answered (goal 0), with the rate-limit buckets shared through
   `--cache` (SharedRateLimiter) — and, for comparison, with a cache folder each (no sharing).

Sizes can be reduced for a quick look: BENCH_PUBLISH_SCALE=0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.bench_publish import REPO, SCALE, _settings, write_items

RATE, BURST, PREVIEW_RATE = 5.0, 5, 1.0


def _sustained(stamps: list[float], burst: int) -> float:
    """Requests per second after the initial burst (Amazon's bucket then refills at its rate)."""
    stamps = sorted(stamps)
    if len(stamps) <= burst + 1:
        return 0.0
    return (len(stamps) - burst) / (stamps[-1] - stamps[burst - 1])


def _publish_in_process(tmp: Path, name: str, count: int, *, preview: bool) -> tuple[list[str], Counter[int]]:
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.spapi import client_from_settings, shared_limiter
    from transpiler.workspace import Workspace

    items = tmp / f"{name}.xml"
    write_items(items, count, prefix=name.upper())
    statuses: Counter[int] = Counter()
    stamps: list[float] = []

    def hook(response: httpx.Response) -> None:
        if response.request.method == "PUT" and "/listings/" in response.request.url.path:
            statuses[response.status_code] += 1
            if response.status_code == 200:
                stamps.append(time.monotonic())

    with start_sandbox(data=tmp / f"sandbox-{name}", rate_limits="amazon") as handle:
        settings = _settings(handle)
        http = httpx.Client(event_hooks={"response": [hook]}, timeout=30)
        limiter = shared_limiter(tmp / f"cache-{name}", spapi_url=settings.spapi_url, client_id=settings.client_id,
                                 seller_id=settings.seller_id)
        client = client_from_settings(settings, http=http, limiter=limiter)
        started = time.monotonic()
        result = publish(items, Workspace.create(settings), PublishOptions(out_dir=tmp / f"out-{name}", via="listings",
                                                         journal=tmp / f"j-{name}.sqlite3", preview=preview,
                                                         follow_up_delay=0), client=client)
        elapsed = time.monotonic() - started
        client.close()
        http.close()
        sandbox_429 = sum(n for (op, status), n in handle.state.answers.items() if status == 429)
    done = result.summary["statuses"]["VALID" if preview else "ACCEPTED"]
    return [f"{count} {'previews' if preview else 'PUTs'}, {done} {'VALID' if preview else 'ACCEPTED'} in "
            f"{elapsed:.1f} s; 429 answered by the sandbox: {sandbox_429}"], Counter(
        {"sustained": int(1000 * _sustained(stamps, 1 if preview else BURST)), "429": statuses.get(429, 0)})


def bench_rate(tmp: Path, *, preview: bool) -> list[str]:
    """200 PUTs (5 per second, burst 5) or 50 previews (1 per second): sustained rate and 429s."""
    count = max(10, int((50 if preview else 200) * SCALE))
    lines, figures = _publish_in_process(tmp, "previews" if preview else "puts", count, preview=preview)
    rate = figures["sustained"] / 1000
    limit = PREVIEW_RATE if preview else RATE
    what = "previews" if preview else "listings"
    return [f"{what}: {lines[0]}",
            f"{what}: sustained rate {rate:.3f} per second = {rate / limit:.1%} of Amazon's {limit:g} per second"
            f"{'' if preview else f', burst {BURST}'} (goal >= 95%: {'met' if rate / limit >= 0.95 else 'NOT met'}); "
            f"429: {figures['429']} (goal 0: {'met' if figures['429'] == 0 else 'NOT met'})"]


def bench_two_runs(tmp: Path, *, shared: bool) -> list[str]:
    """Two publish processes for one vendor, buckets shared (one --cache) or not (one --cache each)."""
    from transpiler.sandbox.runner import start_sandbox

    count = max(20, int(100 * SCALE))
    label = "shared buckets" if shared else "separate buckets"
    folder = tmp / ("two-shared" if shared else "two-separate")
    folder.mkdir(parents=True, exist_ok=True)
    with start_sandbox(data=folder / "sandbox", rate_limits="amazon") as handle:
        reg = handle.registration
        env = {k: v for k, v in os.environ.items() if not k.startswith("PL_AMAZON_")}
        env.update(PL_AMAZON_SPAPI_URL=handle.url, PL_AMAZON_LWA_URL=handle.lwa_url, PL_AMAZON_CLIENT_ID=reg.client_id,
                   PL_AMAZON_CLIENT_SECRET=reg.client_secret, PL_AMAZON_REFRESH_TOKEN=reg.refresh_token,
                   PL_AMAZON_SELLER_ID=reg.vendor_code, XDG_CONFIG_HOME=str(folder / "config"))
        procs = []
        started = time.monotonic()
        for n in (1, 2):
            items = folder / f"run{n}.xml"
            write_items(items, count, prefix=f"RUN{n}{'S' if shared else 'X'}")
            cache = folder / ("cache" if shared else f"cache{n}")
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "transpiler.cli", "publish", str(items), "--via", "listings", "--out",
                 str(folder / f"out{n}"), "--journal", str(folder / f"j{n}.sqlite3"), "--cache", str(cache),
                 "--follow-up", "0", "--json"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        codes = [proc.wait(timeout=3600) for proc in procs]
        elapsed = time.monotonic() - started
        answers = handle.state.answer_counts()
    puts = answers.get("putListingsItem", {})
    throttled = sum(int(by.get("429", 0)) for by in answers.values())
    rate = int(puts.get("200", 0)) / elapsed
    return [f"two publish processes ({label}): {2 * count} PUTs in {elapsed:.1f} s = {rate:.2f} rps together "
            f"({rate / RATE:.0%} of the vendor's {RATE:g} rps); 429 answered: {throttled}"
            + (f" (goal 0: {'met' if throttled == 0 else 'NOT met'})" if shared else " (for comparison)")
            + ("" if codes == [0, 0] else f"; exit codes {codes}")]


def run() -> list[str]:
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
        tmp = Path(folder)
        lines += bench_rate(tmp, preview=False)
        lines += bench_rate(tmp, preview=True)
        lines += bench_two_runs(tmp, shared=True)
        lines += bench_two_runs(tmp, shared=False)
    return lines
