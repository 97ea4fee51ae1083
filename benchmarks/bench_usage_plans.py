"""Amazon's usage plans in force, against the sandbox enforcing them (wall clock, loopback).

(The putListingsItem rate of one run, beside python-amazon-sp-api's, is `bench_listings`.)

1. 50 previews (`mode=VALIDATION_PREVIEW`, throttled at 1 request per second): rate (goal >= 95 %
   of it) and 429s (goal 0).
2. Two `pl-amazon publish` processes for the same vendor at once, 100 items each: their combined
   PUT rate and the 429s the sandbox answered (goal 0), with the rate-limit buckets shared through
   `--cache` (SharedRateLimiter) — and, for comparison, with a cache folder each (no sharing).

Sizes can be reduced for a quick look: BENCH_SCALE=0.1.
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

from benchmarks.bench_listings import TEMPLATE, PutAnswers, _settings, sustained
from benchmarks.inputs import REPO, write_items
from benchmarks.results import Bench

RATE, BURST, PREVIEW_RATE = 5.0, 5, 1.0
SHARE_GOAL = 0.95


def _publish_in_process(tmp: Path, name: str, count: int, *, preview: bool) -> tuple[list[str], Counter[int]]:
    from transpiler.publish.run import PublishOptions, publish
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.spapi import client_from_settings, shared_limiter
    from transpiler.workspace import Workspace

    items = tmp / f"{name}.xml"
    write_items(items, count, template_sku=TEMPLATE, prefix=name.upper(), seed=name)
    answers = PutAnswers()
    with start_sandbox(data=tmp / f"sandbox-{name}", rate_limits="amazon") as handle:
        settings = _settings(handle)
        http = httpx.Client(event_hooks={"response": [answers]}, timeout=30)
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
        {"sustained": int(1000 * sustained(answers.accepted_at, 1 if preview else BURST)),
         "429": answers.statuses.get(429, 0)})


def bench_previews(bench: Bench, tmp: Path) -> None:
    """50 previews (1 per second): sustained rate and 429s."""
    count = max(10, int(50 * bench.scale))
    lines, figures = _publish_in_process(tmp, "previews", count, preview=True)
    bench.note(f"previews: {lines[0]}")
    share = bench.figure(f"previews (VALIDATION_PREVIEW), {count}, share of the plan ({PREVIEW_RATE:g} per s)",
                         100 * figures["sustained"] / 1000 / PREVIEW_RATE, "%")
    bench.at_least("previews share of the plan", share, 100 * SHARE_GOAL)
    throttled = bench.figure("previews: 429 received", figures["429"], "answers")
    bench.holds("previews without 429", throttled, figures["429"] == 0, "0 answers")


def bench_two_runs(bench: Bench, tmp: Path, *, shared: bool) -> None:
    """Two publish processes for one vendor, buckets shared (one --cache) or not (one --cache each)."""
    from transpiler.sandbox.runner import start_sandbox

    count = max(20, int(100 * bench.scale))
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
            write_items(items, count, template_sku=TEMPLATE, prefix=f"RUN{n}{'S' if shared else 'X'}", seed=n)
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
    if codes != [0, 0]:
        bench.note(f"two publish processes ({label}): exit codes {codes}")
    bench.figure(f"two publish processes, {label}, {2 * count} PUTs together, share of the plan",
                 100 * rate / RATE, "%")
    throttled_figure = bench.figure(f"two publish processes, {label}: 429 answered", throttled, "answers")
    if shared:
        bench.holds("two processes sharing buckets without 429", throttled_figure, throttled == 0, "0 answers")
        failed = bench.figure(f"two publish processes, {label}: runs that failed", sum(c != 0 for c in codes), "runs")
        bench.holds("two processes sharing buckets both succeed", failed, codes == [0, 0], "0 runs")


def run(bench: Bench) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
        tmp = Path(folder)
        bench_previews(bench, tmp)
        bench_two_runs(bench, tmp, shared=True)
        bench_two_runs(bench, tmp, shared=False)
