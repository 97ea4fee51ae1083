"""`make bench`: run every `benchmarks/bench_*.py` (or those named on argv), print one table, write
`bench/results.json` and the table of docs/performance.md.

Exit status 1 only when a benchmark breaks (an exception, or outputs that differ where they must
be identical); a goal that is not met is reported in the table and in the JSON, not as a failure.
`BENCH_SCALE=0.1` runs every size at a tenth for a quick look (the figures then are not the ones
to commit). `--no-write` prints without touching bench/ or the docs.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

import benchmarks
from benchmarks.results import Bench, SuiteResult, document, load_average, table, update_doc, write

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.json"
DOC = REPO / "docs" / "performance.md"


def _run_suite(name: str, scale: float) -> SuiteResult:
    bench = Bench(name.removeprefix("bench_"), scale)
    started = time.perf_counter()
    print(f"== {bench.result.name}", flush=True)
    try:
        module = importlib.import_module(f"benchmarks.{name}")
        if inspect.signature(module.run).parameters:
            module.run(bench)
        else:  # a module that reports lines of text only
            for line in module.run():
                bench.note(str(line))
    except Exception as exc:  # a broken benchmark must not hide the others
        bench.result.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    bench.result.seconds = time.perf_counter() - started
    for figure in bench.result.figures:
        base = f"  [{figure.baseline_name}: {figure.baseline:,.4g}, {figure.ratio:.3g}x]" if figure.ratio else ""
        print(f"   {figure.name}: {figure.value:,.4g} {figure.unit}{base}", flush=True)
    for note in bench.result.notes:
        print(f"   {note}", flush=True)
    print(f"   ({bench.result.seconds:.1f} s)", flush=True)
    return bench.result


def main(argv: list[str]) -> int:
    write_files = "--no-write" not in argv
    wanted = [a for a in argv if not a.startswith("--")]
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    if wanted:
        names = [n for n in names if any(a in n for a in wanted)]
    started_at = datetime.now().astimezone()
    load = {"start": load_average()}
    started = time.perf_counter()
    suites = [_run_suite(name, scale) for name in names]
    load["end"] = load_average()
    rendered = table(suites)
    print()
    print(rendered)
    data = document(suites, started=started_at, seconds=time.perf_counter() - started, scale=scale, load=load)
    if write_files and not wanted:  # a partial run never overwrites the committed results
        write(RESULTS, data)
        update_doc(DOC, data, rendered)
        print(f"\nwritten: {RESULTS.relative_to(REPO)}, table in {DOC.relative_to(REPO)}")
    broken = [s.name for s in suites if s.error]
    if broken:
        print(f"broken: {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
