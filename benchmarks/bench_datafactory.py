"""A 10,000-item publication job through Data Factory: the stand-in, the sandbox and 1 or 2 workers.

The job "Amazon – publier" runs as Modelabs runs it (export of the ready items, the custom task,
import of the acknowledgements), item by item through the Listings Items API: the path Amazon's
rate limit bounds (putListingsItem 5 per second; follow-up reads 20 SKUs per call). At Amazon's
rates the job cannot take less than A = items / 5 + items / 100 seconds; the question is how much
the rest adds.

1. The 10,000-item job with Amazon's limits scaled up (client and sandbox alike): its wall time
   splits into the publish task and the rest of the job (export, polling, transfers, import), which
   does not depend on Amazon's rates; the publish task at the scaled rate bounds the local work per
   item. At Amazon's rates that local work runs in the gaps the rate limit leaves (a token every
   200 ms) when it takes less than 200 ms an item; the estimate of the time outside the rate limit is
   the rest of the job + max(0, local work - A) + the follow-up wait.
2. A 1,000-item job at Amazon's documented rates measures the share directly.

Everything runs in one process on this machine (stand-in, sandbox judging every listing, workers):
the local figures are upper bounds. `BENCH_SCALE=0.1 python -m benchmarks datafactory --no-write` runs a tenth of the
sizes for a quick look. `run(bench)` is the entry point `make bench` calls.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.inputs import write_items
from benchmarks.results import Bench

PUT_RATE = 5.0  # putListingsItem, requests per second (Amazon's usage plan)
SKUS_PER_READ = 20  # searchListingsItems by SKU
GOAL = 0.10


def amazon_seconds(items: int) -> float:
    """The least time Amazon's documented rates allow for publishing `items` one by one and reading them back."""
    return items / PUT_RATE + items / SKUS_PER_READ / PUT_RATE


def scaled_client(state: Path, factor: float) -> Any:
    """An SP-API client factory whose per-seller buckets run `factor` times Amazon's documented rates."""
    from transpiler.spapi import client_from_settings, shared_limiter
    from transpiler.spapi.rate_limit import documented_limits

    limits = {operation: (rate * factor, burst) for operation, (rate, burst) in documented_limits().items()}

    def build(settings: Any) -> Any:
        limiter = shared_limiter(state, spapi_url=settings.spapi_url, client_id=settings.client_id,
                                 seller_id=settings.seller_id, limits=limits)
        return client_from_settings(settings, limiter=limiter)

    return build


def run_job(tmp: Path, items: Path, count: int, workers: int, factor: float) -> dict[str, Any]:
    """One publication job at `factor` times Amazon's rates; wall time from the job's creation to its
    end, and the publish run's own time."""
    from transpiler.config import Secret, Settings
    from transpiler.datafactory.api import DataFactoryClient
    from transpiler.datafactory.context import PublishDefaults, WorkerContext
    from transpiler.datafactory.jobs import wait_for_job
    from transpiler.datafactory.settings import ProductLiveSettings
    from transpiler.datafactory.standin.runner import start_standin
    from transpiler.datafactory.worker import WorkerPool, default_runners
    from transpiler.sandbox.runner import start_sandbox
    from transpiler.workspace import DEFAULT_ASSETS, DEFAULT_GENERATED, Workspace

    tmp.mkdir(parents=True, exist_ok=True)
    with start_sandbox(data=tmp / "sandbox", rate_limits=factor) as sandbox, \
            start_standin(data=tmp / "standin") as standin:
        standin.seed_structure((DEFAULT_GENERATED / "productlive" / "AMAZON_FR.xml").read_bytes())
        standin.seed_items("AMAZON_FR", items.read_bytes())
        reg = sandbox.registration
        settings = Settings().with_overrides(spapi_url=sandbox.url, lwa_url=sandbox.lwa_url, client_id=reg.client_id,
                                             client_secret=reg.client_secret, refresh_token=reg.refresh_token,
                                             seller_id=reg.vendor_code)
        productlive = ProductLiveSettings(standin.url, Secret(standin.api_key))
        context = WorkerContext(Workspace(settings, DEFAULT_ASSETS, DEFAULT_GENERATED), productlive, tmp / "state",
                                publish=PublishDefaults(),  # the worker's defaults: follow-up after 5 s
                                amazon_client=scaled_client(tmp / "state", factor) if factor != 1 else None)
        client = DataFactoryClient(productlive)
        pool = WorkerPool(client, context, default_runners(), threads=workers)
        pool.declare()
        runner = threading.Thread(target=pool.run, daemon=True)
        runner.start()
        try:
            started = time.monotonic()
            job = client.start_job("amazon-publish", {"via": "listings"})
            ended = wait_for_job(client, str(job["id"]), timeout=24 * 3600, every=2.0)
            wall = time.monotonic() - started
        finally:
            pool.stop.set()
            runner.join(timeout=120)
        assert ended["status"] == "COMPLETED", ended
        report = httpx.get(ended["output"]["report"]["url"], timeout=120).json()
        refused = standin.call("GET", "/_datafactory/rate-limit").json()["refused"]
    summary = report["summary"]
    return {"wall": wall, "publish": summary["seconds"], "items": summary["items"],
            "accepted": summary["statuses"]["ACCEPTED"], "refused": refused, "count": count}


FACTOR = 10.0
FOLLOW_UP = 5.0  # the worker's default wait before reading accepted listings again
TEMPLATE = "MDL-COQUE-S24-NOIR"  # a model with one article Amazon accepts: every item is a PUT


def _note(label: str, result: dict[str, Any]) -> str:
    other = result["wall"] - result["publish"]
    return (f"{label}: {result['items']} items ({result['accepted']} ACCEPTED) in {result['wall']:.1f} s; "
            f"publish task {result['publish']:.1f} s, the rest of the job (export, polling, transfers, import) "
            f"{other:.1f} s; Product-Live 429s: {result['refused']}")


def run(bench: Bench) -> None:
    """Figures: each job's wall time beside the least time Amazon's rates allow (measured at x10 for
    10,000 items, at Amazon's own rates for 1,000), and the share of the job spent outside Amazon's
    rate limit (goal <= 10 %)."""
    count = max(200, int(10_000 * bench.scale))
    small = max(50, int(1_000 * bench.scale))
    with tempfile.TemporaryDirectory(prefix="bench-datafactory-") as folder:
        tmp = Path(folder)
        items = write_items(tmp / "items.xml", count, template_sku=TEMPLATE, prefix="DF", seed="bench_datafactory")
        floor = amazon_seconds(count)
        for workers in (1, 2):
            result = run_job(tmp / f"scaled-{workers}", items.path, count, workers, FACTOR)
            rest = result["wall"] - result["publish"]
            local = result["publish"] - FOLLOW_UP  # local work of the publish run, bounded by the scaled rate
            outside = rest + max(0.0, local - floor) + FOLLOW_UP
            label = f"Data Factory job, {count} items, {workers} worker(s)"
            bench.figure(f"{label}, Amazon's rates x{FACTOR:g}: wall time", result["wall"], "s",
                         baseline=floor / FACTOR, baseline_name=f"Amazon's rates x{FACTOR:g} (least time)")
            share = bench.figure(f"{label}: share outside Amazon's rate limit (estimated at Amazon's rates)",
                                 100 * outside / (floor + outside), "%",
                                 note=f"local work {local / count * 1000:.1f} ms per item")
            bench.at_most(f"{label}: local overhead", share, 100 * GOAL)
            refused = bench.figure(f"{label}: 429 answered by Product-Live", result["refused"], "answers")
            bench.holds(f"{label}: no 429 from Product-Live", refused, result["refused"] == 0, "0 answers")
            bench.note(_note(f"{workers} worker(s), Amazon's rates x{FACTOR:g}", result))
        few = write_items(tmp / "few.xml", small, template_sku=TEMPLATE, prefix="DFR", seed="bench_datafactory")
        least = amazon_seconds(small)
        for workers in (1, 2):
            result = run_job(tmp / f"amazon-{workers}", few.path, small, workers, 1.0)
            label = f"Data Factory job, {small} items at Amazon's rates, {workers} worker(s)"
            bench.figure(f"{label}: wall time", result["wall"], "s", baseline=least,
                         baseline_name="Amazon's rates (least time)")
            share = bench.figure(f"{label}: share outside Amazon's rate limit (measured)",
                                 100 * max(0.0, result["wall"] - least) / result["wall"], "%")
            bench.at_most(f"{label}: local overhead", share, 100 * GOAL)
            refused = bench.figure(f"{label}: 429 answered by Product-Live", result["refused"], "answers")
            bench.holds(f"{label}: no 429 from Product-Live", refused, result["refused"] == 0, "0 answers")
            bench.note(_note(f"{workers} worker(s), Amazon's documented rates", result))
