"""The sandbox's clock: the one time every sandbox deadline is measured on.

Token and code lifetimes, presigned URL expiry, rate-limit refills, listing processing and feed
steps all read `Clock.now()`. A served sandbox (`pl-amazon sandbox`, `start_sandbox`) follows the
wall clock plus an offset that `POST /_sandbox/clock` moves forward, so tests and demos can expire
things without sleeping. An in-process sandbox (`open_sandbox`) uses a manual clock: time stands
still until someone advances it, so every delay happens exactly when a test says so, however
loaded the machine is.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime

#: Where a manual clock starts: 2026-01-01T00:00:00Z (a fixed moment keeps timestamps reproducible).
MANUAL_EPOCH = 1767225600.0


class Clock:
    """Seconds since the epoch: the wall clock shifted by `offset`, or a manual time.

    `Clock()` follows the wall clock; `Clock.manual()` starts at `MANUAL_EPOCH` and only moves
    when `advance` / `sleep` are called. Both are safe to share between threads.
    """

    def __init__(self, *, start: float | None = None) -> None:
        self._start = start
        self._time = start  # the reading of a manual clock
        self._offset = 0.0  # how far a wall clock was moved
        self._lock = threading.Lock()

    @classmethod
    def manual(cls, start: float = MANUAL_EPOCH) -> Clock:
        """A clock that stands still until advanced."""
        return cls(start=start)

    @property
    def is_manual(self) -> bool:
        return self._time is not None

    @property
    def offset(self) -> float:
        """How far the clock has been moved forward, in seconds."""
        if self._time is None or self._start is None:
            return self._offset
        return self._time - self._start

    def now(self) -> float:
        return time.time() + self._offset if self._time is None else self._time

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (zero or more); returns the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock never moves backwards")
        with self._lock:
            self._move(seconds)
        return self.now()

    def sleep(self, seconds: float) -> float:
        """What a caller sleeping `seconds` sees, without waiting: the clock moves to its wake-up
        time unless another sleeper already moved it past; returns the new time.

        Sleepers on several threads share the clock: a sleeper that starts after another one moved
        it starts from there, so threads sleeping side by side advance it by somewhere between the
        longest sleep and the sum of their sleeps (the rate limits of client and sandbox read the
        same clock, so they agree whatever the order). However short the sleep, the clock moves at
        least one step (at epoch magnitudes a float step is ~0.24 microseconds), so whoever waits
        for time to pass always sees it pass.
        """
        start = self.now()
        if seconds <= 0:
            return start
        wake = max(start + seconds, math.nextafter(start, math.inf))
        with self._lock:
            now = self.now()
            if wake > now:
                if self._time is None:
                    self._offset += wake - now
                else:
                    self._time = wake
        return self.now()

    def _move(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._time is None:
            self._offset += seconds
        else:
            self._time = max(self._time + seconds, math.nextafter(self._time, math.inf))

    def iso(self, at: float | None = None) -> str:
        """ISO 8601 UTC with milliseconds, as Amazon writes timestamps."""
        moment = datetime.fromtimestamp(self.now() if at is None else at, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
