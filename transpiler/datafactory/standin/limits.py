"""Product-Live's "50 requests per minute" as the stand-in enforces it: a sliding window.

The documentation gives the number, not the algorithm. A sliding window (no more than N requests
in any 60 seconds) is the strictest reading: a client that never gets a 429 here never gets one
from a fixed per-minute window or a token bucket of the same size either.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
DOCUMENTED_PER_MINUTE = 50


class SlidingWindowLimit:
    """At most `per_minute` admitted requests in any `window` seconds; `per_minute=0` means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float], window: float = WINDOW_SECONDS):
        if per_minute < 0:
            raise ValueError("the rate limit must be zero (off) or a positive number of requests per minute")
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()
        self.refused = 0

    def admit(self) -> float:
        """0.0 when the request is admitted (and counted), else the seconds until one would be."""
        if self.per_minute == 0:
            return 0.0
        with self._lock:
            now = self._clock()
            while self._stamps and self._stamps[0] <= now - self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.per_minute:
                self._stamps.append(now)
                return 0.0
            self.refused += 1
            return max(0.001, self._stamps[0] + self.window - now)

    def reset(self) -> None:
        with self._lock:
            self._stamps.clear()


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, rounded up so a client that obeys it is admitted."""
    return str(max(1, math.ceil(seconds)))
