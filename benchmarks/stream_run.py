"""One measured run of the pipeline in a fresh process (`python -m benchmarks.stream_run EXPORT WORKERS
[read-only]`), printing one JSON line: top-level items read or prepared, listings, seconds, and the
peak memory of the process tree.

Memory: every 100 ms the proportional set sizes (PSS: each shared page divided among the processes
sharing it, so pages a forked worker shares with this process count once) of this process and of
its worker processes are read from /proc and summed; the peak is the largest sum seen, or this
process's own peak resident set (VmHWM) when larger. The largest sum of resident sets (shared
pages counted in every process) is reported beside it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path


def _kib(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _pss_kib(pid: int | str) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid: int) -> list[str]:
    found: list[str] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found.extend(children.read().split())
    except OSError:
        pass
    return found


class TreeMemory:
    """The peak of (this process + its children) memory, sampled (see the module docstring)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_kib = 0
        self.peak_rss_kib = 0
        self.workers_seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            children = _children(me)
            self.workers_seen = max(self.workers_seen, len(children))
            tree = [me, *children]
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in tree))
            self.peak_rss_kib = max(self.peak_rss_kib, sum(_kib(pid, "VmRSS:") for pid in tree))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, _kib(os.getpid(), "VmHWM:"))


def main(argv: list[str]) -> None:
    export, workers = Path(argv[0]), int(argv[1])
    read_only = len(argv) > 2 and argv[2] == "read-only"
    with TreeMemory() as memory:
        started = time.perf_counter()
        if read_only:
            from transpiler.productlive.items import read_items

            top_level = sum(1 for _ in read_items(export))
            listings = 0
        else:
            from benchmarks.pipeline import run_pipeline

            outcome = run_pipeline(export, workers=workers)
            top_level, listings = outcome.items, outcome.listings
        seconds = time.perf_counter() - started
    print(json.dumps({"top_level": top_level, "listings": listings, "seconds": seconds,
                      "peak_mb": memory.peak_kib / 1024, "peak_rss_sum_mb": memory.peak_rss_kib / 1024,
                      "workers": memory.workers_seen}))


if __name__ == "__main__":
    main(sys.argv[1:])
