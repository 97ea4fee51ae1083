"""The client side of Product-Live's 50 requests per minute: never more than N calls in any minute.

Product-Live documents the number but not how it counts. A sliding window on the client is safe
against every way of counting (a fixed per-minute window, a sliding log, a token bucket of the
same size): the client waits for a slot instead of collecting 429s. A request's slot is dated when
its answer arrives, which is never before the server counted it, so network latency cannot make
the client's window run ahead of the server's. One window is shared by every thread of a worker
process; several processes sharing a key each get their share (`PL_PRODUCTLIVE_REQUESTS_PER_MINUTE`),
and a 429 still backs off (see `api`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class Slot:
    """One request's place in the window, dated when taken and again when its answer arrives."""

    __slots__ = ("at",)

    def __init__(self, at: float):
        self.at = at


class RequestWindow:
    """`acquire()` blocks until a request fits in the window; clock and sleep are injectable."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, window: float = WINDOW_SECONDS):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._slots: list[Slot] = []
        self._lock = threading.Lock()
        self.waited = 0.0

    def _try(self) -> Slot | float:
        with self._lock:
            now = self._clock()
            self._slots = [s for s in self._slots if s.at > now - self.window]
            if len(self._slots) < self.per_minute:
                slot = Slot(now)
                self._slots.append(slot)
                return slot
            return min(s.at for s in self._slots) + self.window - now

    def acquire(self) -> Slot:
        """Take a slot, waiting for one; call `done(slot)` when the answer has arrived."""
        waited = 0.0
        while True:
            got = self._try()
            if isinstance(got, Slot):
                with self._lock:
                    self.waited += waited
                return got
            wait = max(got, 0.001)
            self._sleep(wait)
            waited += wait

    def done(self, slot: Slot) -> None:
        with self._lock:
            slot.at = max(slot.at, self._clock())

    def hold_off(self, seconds: float) -> None:
        """After a 429: count the window as full for `seconds` so no thread of this process sends."""
        with self._lock:
            until = self._clock() + seconds - self.window
            for slot in self._slots:
                slot.at = max(slot.at, until)
            self._slots += [Slot(until) for _ in range(self.per_minute - len(self._slots))]
