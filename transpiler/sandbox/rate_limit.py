"""Amazon's usage plans: one token bucket per operation and selling partner.

The numbers are the defaults documented in the official OpenAPI models (each operation's "Usage
Plan" table, checked against ../shared/amazon/openapi by tests/test_sandbox_contract.py). The
`x-amzn-RateLimit-Limit` header reports the rate that applied.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from transpiler.amazon.usage_plans import USAGE_PLANS

#: operation id -> (rate in requests per second, burst)
AMAZON_LIMITS: dict[str, tuple[float, int]] = dict(USAGE_PLANS)


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimiter:
    """Token buckets keyed by (operation, selling partner).

    `mode` is "amazon" (documented numbers), "off" (never throttles) or a factor that scales
    every rate (burst unchanged), e.g. 100 for fast tests that still see the headers.
    """

    def __init__(self, mode: str | float = "amazon"):
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self.mode: str | float = "amazon"
        self.set_mode(mode)

    def set_mode(self, mode: str | float) -> None:
        if isinstance(mode, str) and mode not in {"amazon", "off"}:
            try:
                mode = float(mode)
            except ValueError:
                raise ValueError(f"rate limits must be 'amazon', 'off' or a scale factor, not {mode!r}") from None
        if isinstance(mode, int | float) and not isinstance(mode, bool) and mode <= 0:
            raise ValueError("a rate limit scale factor must be positive")
        with self._lock:
            self.mode = mode
            self._buckets.clear()

    def limit(self, operation: str) -> tuple[float, int]:
        rate, burst = AMAZON_LIMITS[operation]
        if isinstance(self.mode, float | int) and not isinstance(self.mode, bool):
            rate *= float(self.mode)
        return rate, burst

    def header(self, operation: str) -> str:
        rate, _ = self.limit(operation)
        return f"{rate:g}"

    def allow(self, operation: str, partner: str) -> bool:
        """Take one token from the bucket; False means answer 429."""
        if self.mode == "off":
            return True
        rate, burst = self.limit(operation)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get((operation, partner))
            if bucket is None:
                bucket = self._buckets[(operation, partner)] = Bucket(rate, burst, float(burst), now)
            return bucket.take(now)
