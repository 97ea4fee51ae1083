"""Timing helper shared by the benchmark modules: best of N runs, in seconds."""

from __future__ import annotations

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
