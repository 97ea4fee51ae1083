"""Timing helpers of the benchmark modules.

The machine may be shared: a figure and its baseline are measured in turns (A, B, A, B…) so a
burst of load hits both, and each is the median of its runs (the best run flatters whichever side
happened to run alone).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def best_of(func: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Best wall time of `repeat` runs of `number` calls, per call."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - started) / number)
    return best


def in_turns(funcs: dict[str, Callable[[], Any]], repeat: int = 5) -> dict[str, float]:
    """Median wall time (seconds) of each function, the functions run in turns `repeat` times."""
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(samples) for name, samples in times.items()}


def median_of(func: Callable[[], Any], repeat: int = 3) -> float:
    """Median wall time (seconds) of `repeat` runs."""
    return in_turns({"f": func}, repeat)["f"]
