"""Amazon's usage plans as the sandbox enforces them: token buckets per selling partner and per
application, for each operation and each special case (`transpiler.amazon.usage_plans`).

A request is refused (429) by the first bucket it finds empty, with the message Amazon uses for that
limit: "You exceeded your quota…" for the selling partner's own plan, the granular messages of the
Listings rate-limit page for the application's (application / relationships / product data). The
`x-amzn-RateLimit-Limit` header reports the selling partner's rate only, as Amazon's does.
Time is the sandbox clock, so tests can refill buckets by moving it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from transpiler.amazon.usage_plans import QUOTA_MESSAGE, USAGE_PLANS, UsagePlan, plan, plans_for

#: operation id -> (rate in requests per second, burst) of the per-selling-partner plans
AMAZON_LIMITS: dict[str, tuple[float, int]] = {
    p.operation: (p.rate, p.burst) for p in USAGE_PLANS if p.case is None and p.rate is not None}


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)


class RateLimiter:
    """Token buckets keyed by (limit, selling partner) and (limit, application).

    `mode` is "amazon" (documented numbers), "off" (never throttles) or a factor that scales
    every rate (bursts unchanged), e.g. 100 for fast tests that still see the headers.
    """

    def __init__(self, mode: str | float = "amazon", clock: Callable[[], float] | None = None):
        import time

        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], Bucket] = {}
        self._clock = clock or time.monotonic
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

    def _scale(self) -> float:
        return float(self.mode) if isinstance(self.mode, int | float) and not isinstance(self.mode, bool) else 1.0

    def limit(self, operation: str) -> tuple[float, int]:
        """The selling partner's (rate, burst) for `operation`, scaled by the mode."""
        row = plan(operation)
        return (row.rate or 0.0) * self._scale(), row.burst

    def header(self, operation: str) -> str:
        rate, _ = self.limit(operation)
        return f"{rate:g}"

    def allow(self, operation: str, partner: str, application: str = "", cases: Iterable[str] = ()) -> bool:
        """Take one token from each bucket of the request; False means answer 429."""
        return self.refusal(operation, partner, application, cases) is None

    def refusal(self, operation: str, partner: str, application: str = "", cases: Iterable[str] = (),
                *, include_operation: bool = True) -> str | None:
        """None when every bucket of the request had a token (each loses one), else Amazon's 429 message.

        `include_operation=False` checks only the cases (a handler that learns them from the body,
        after the gateway took the operation's own tokens).
        """
        if self.mode == "off":
            return None
        rows = plans_for(operation, cases)
        if not include_operation:
            rows = rows[1:]
        scale = self._scale()
        wanted: list[tuple[tuple[str, str, str], float, int, str]] = []
        for row in rows:
            if row.rate is not None:
                wanted.append(((row.key, "partner", partner), row.rate * scale, row.burst, QUOTA_MESSAGE))
            if row.application_rate is not None:
                wanted.append(((row.key, "application", application), row.application_rate * scale,
                               row.application_burst, row.message))
        now = self._clock()
        with self._lock:
            buckets = []
            for key, rate, burst, message in wanted:
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = Bucket(rate, burst, float(burst), now)
                bucket.refill(now)
                if bucket.tokens < 1:
                    return message
                buckets.append(bucket)
            for bucket in buckets:
                bucket.tokens -= 1
        return None


__all__ = ["AMAZON_LIMITS", "RateLimiter", "UsagePlan"]
