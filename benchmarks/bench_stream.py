"""A 100,000-item export streamed through the publish pipeline in a fresh process: rate and peak memory.

The export (about 700 MB, generated with a fixed seed by `benchmarks.inputs`) goes through read +
map + validate + serialize (`benchmarks.pipeline`) on the workers the machine offers, in a fresh
interpreter (`benchmarks.stream_run`), whose process tree's peak memory is sampled.

- rate baseline: reading the same export alone (the streaming reader, nothing else), in a fresh
  process: what any tool that reads the file at all must spend;
- memory baseline: one item through the same code, in a fresh process (imports, compiled product
  types and validators, worker processes: the cost of starting, which does not grow with the file).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.inputs import write_export
from benchmarks.results import Bench
from transpiler.publish.preparation import default_workers

ITEMS = 100_000
RATE_GOAL = 2000.0
MEMORY_GOAL_MB = 150.0
REPO = Path(__file__).resolve().parents[1]


def _measured(export: Path, workers: int, *extra: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.stream_run", str(export), str(workers), *extra],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(bench: Bench) -> None:
    count = max(1000, int(ITEMS * bench.scale))
    workers = default_workers()
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as folder:
        export = write_export(Path(folder) / "stream.xml", count, seed="bench_stream")
        one = write_export(Path(folder) / "one.xml", 1, seed="bench_stream")
        size_mb = export.path.stat().st_size / 1024 / 1024
        reading = _measured(export.path, 1, "read-only")
        streamed = _measured(export.path, workers)
        single = _measured(one.path, workers)
    if streamed["top_level"] != export.top_level or reading["top_level"] != export.top_level:
        raise AssertionError(f"{export.top_level} top-level items written, {reading['top_level']} read, "
                             f"{streamed['top_level']} prepared")
    bench.note(f"{export.items:,} items ({export.top_level:,} models, {streamed['listings']:,} listings, "
               f"{size_mb:.0f} MB export), {streamed['workers']} worker process(es) seen")
    rate = bench.figure(f"{export.items:,}-item export streamed, {workers} workers",
                        export.items / streamed["seconds"], "items/s",
                        baseline=export.items / reading["seconds"], baseline_name="reading alone")
    memory = bench.figure(f"{export.items:,}-item export, peak memory (process tree, PSS)", streamed["peak_mb"],
                          "MB", baseline=single["peak_mb"], baseline_name="one item, same code")
    bench.note(f"largest sum of resident sets (shared pages counted in each process): "
               f"{streamed['peak_rss_sum_mb']:.0f} MB; one item: {single['peak_rss_sum_mb']:.0f} MB")
    bench.at_least("100,000-item export streamed items/s", rate, RATE_GOAL)
    bench.at_most("100,000-item export peak memory", memory, MEMORY_GOAL_MB)
