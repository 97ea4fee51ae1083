"""The local publish pipeline on a 10,000-item export: read + map + validate + serialize.

The export is generated from the sample export with a fixed seed (`benchmarks.inputs`): every
product type, refusals included, in the sample's proportions. Each run starts as `pl-amazon publish`
does, from a fresh workspace (product types compiled, validators built), and ends with the
JSON_LISTINGS_FEED documents in memory (`benchmarks.pipeline`).

- baseline: the single-core path (`workers=1`), measured in turns with
- measured: the workers the machine offers (`prepared_units` in worker processes).

Both must write byte-identical feed documents (a difference breaks the benchmark; the test suite
checks it too). Sizes can be reduced for a quick look: BENCH_SCALE=0.1.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.inputs import write_export
from benchmarks.pipeline import Outcome, run_pipeline
from benchmarks.results import Bench
from benchmarks.timing import in_turns
from transpiler.publish.preparation import default_workers

ITEMS = 10_000
RATE_GOAL = 2000.0  # items per second
SECONDS_GOAL = 5.0  # for 10,000 items


def run(bench: Bench) -> None:
    count = max(200, int(ITEMS * bench.scale))
    workers = default_workers()
    outcomes: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        export = write_export(Path(folder) / "export.xml", count, seed="bench_pipeline")

        def once(name: str, n: int) -> None:
            outcome = run_pipeline(export.path, workers=n)
            if name in outcomes and outcomes[name] != outcome:
                raise AssertionError(f"{name}: two runs gave different outputs")
            outcomes[name] = outcome

        times = in_turns({"one": lambda: once("one", 1), "all": lambda: once("all", workers)}, repeat=3)
    if outcomes["one"] != outcomes["all"]:
        raise AssertionError(f"{workers} workers wrote other feed documents than one core: "
                             f"{outcomes['all']} != {outcomes['one']}")
    done = outcomes["all"]
    bench.note(f"{export.items} items ({done.listings} listings, {done.sendable} valid) -> {done.documents} feed "
               f"document(s), identical on 1 and {workers} cores (sha256 {done.digest[:12]}…)")
    single = bench.figure(f"pipeline, {export.items:,} items, one core", export.items / times["one"], "items/s")
    rate = bench.figure(f"pipeline, {export.items:,} items, {workers} workers", export.items / times["all"],
                        "items/s", baseline=single.value, baseline_name="one core")
    seconds = bench.figure(f"pipeline, {export.items:,} items, {workers} workers, wall time", times["all"], "s",
                           baseline=times["one"], baseline_name="one core")
    bench.at_least("publish pipeline items/s (both cores)", rate, RATE_GOAL)
    if export.items >= ITEMS:
        bench.at_most("publish pipeline 10,000 items", seconds, SECONDS_GOAL)
    same = bench.figure("bytes differing between one core and all workers", 0, "bytes")
    bench.holds("parallel output identical to single-core", same, True, "identical feed documents")
