"""The stand-in's clock: wall time plus an offset that tests move forward (POST /_datafactory/clock).

Moving it lets a test expire file links, run out a task's response timeout (so Data Factory retries
the execution of a killed worker) or empty the rate-limit window without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class StandInClock:
    """Seconds since the epoch, shifted by `offset`; thread-safe."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.offset += seconds
        return self.now()

    def iso(self, at: float | None = None) -> str:
        """ISO 8601 UTC with milliseconds, the form Product-Live's API writes (`2023-07-31T09:11:33.236Z`)."""
        moment = datetime.fromtimestamp(self.now() if at is None else at, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
