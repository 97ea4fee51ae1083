"""The sandbox's clock: wall time plus an offset the tests can move forward.

Moving the clock (POST /_sandbox/clock) expires tokens, authorization codes and presigned URLs
without sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Seconds since the epoch, shifted by `offset`."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        self.offset += seconds
        return self.now()

    def iso(self, at: float | None = None) -> str:
        """ISO 8601 UTC with milliseconds, as Amazon writes timestamps."""
        moment = datetime.fromtimestamp(self.now() if at is None else at, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
