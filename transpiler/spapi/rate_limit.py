"""Per-operation token buckets with Amazon's documented rate and burst.

Amazon throttles each operation separately with a token bucket (rate = tokens added per second,
burst = bucket size). Waiting client-side for a token is cheaper than collecting 429s and backing
off, so every call takes a token first. The `x-amzn-RateLimit-Limit` response header reports the
rate actually applied to this selling partner; the bucket adopts it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transpiler.amazon.usage_plans import USAGE_PLANS

#: operationId -> (rate per second, burst): Amazon's documented usage plans.
DOCUMENTED_LIMITS: dict[str, tuple[float, int]] = dict(USAGE_PLANS)

#: For an operation missing from the table: Amazon's most common plan.
FALLBACK_LIMIT = (1.0, 5)


@dataclass
class TokenBucket:
    """A thread-safe token bucket. `acquire()` blocks until a token is available.

    `clock` and `sleep` are injectable so the bucket can be driven by a fake clock in tests.
    `rate` is Amazon's number; tokens refill at `rate * headroom` (see RateLimiter).
    """

    rate: float
    burst: int
    headroom: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    cushion: int = 0  # tokens of Amazon's burst never spent (see BURST_CUSHION)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got {self.rate}/{self.burst}")
        self._tokens = float(self.capacity)
        self._stamp = self.clock()
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        """Tokens the client may hold: Amazon's burst less the cushion (at least one)."""
        return max(1, self.burst - self.cushion)

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(float(self.capacity), self._tokens + elapsed * self.rate * self.headroom)
        self._stamp = now

    def try_acquire(self) -> float:
        """Take a token if one is there (returns 0.0) or return how long to wait for one."""
        with self._lock:
            self._refill(self.clock())
            if self._tokens >= 1.0 - 1e-9:  # float dust must not turn into endless tiny waits
                self._tokens = max(0.0, self._tokens - 1.0)
                return 0.0
            return (1.0 - self._tokens) / (self.rate * self.headroom)

    def acquire(self) -> float:
        """Block until a token is taken; returns the total time waited (seconds)."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait <= 0.0:
                return waited
            self.sleep(wait)
            waited += wait

    def set_rate(self, rate: float) -> None:
        """Adopt the rate Amazon says it applies (x-amzn-RateLimit-Limit)."""
        if rate <= 0:
            return
        with self._lock:
            self._refill(self.clock())
            self.rate = rate

    def drain(self) -> None:
        """Empty the bucket: Amazon throttled us, so its bucket is empty too."""
        with self._lock:
            self._refill(self.clock())
            self._tokens = 0.0

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill(self.clock())
            return self._tokens


#: Refill slightly slower than Amazon does. At exactly Amazon's rate, network jitter (two
#: requests sent 200 ms apart arriving 190 ms apart) still earns the odd 429; 3% headroom lets
#: Amazon's bucket build a small surplus that absorbs it.
HEADROOM = 0.97

#: Keep one token of Amazon's burst unspent: right after a burst Amazon's bucket is empty and the
#: refill surplus above has not built up yet, so this one token absorbs early jitter.
BURST_CUSHION = 1


class RateLimiter:
    """One token bucket per operation, created on first use from the documented limits."""

    def __init__(
        self,
        limits: Mapping[str, tuple[float, int]] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        headroom: float = HEADROOM,
    ):
        self._limits = dict(DOCUMENTED_LIMITS)
        if limits:
            self._limits.update(limits)
        self._clock = clock
        self._sleep = sleep
        self._headroom = headroom
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, operation: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(operation)
            if bucket is None:
                rate, burst = self._limits.get(operation, FALLBACK_LIMIT)
                bucket = TokenBucket(
                    rate, burst, self._headroom, clock=self._clock, sleep=self._sleep, cushion=BURST_CUSHION
                )
                self._buckets[operation] = bucket
            return bucket

    def acquire(self, operation: str) -> float:
        """Wait for a token of `operation`; returns the time waited."""
        return self.bucket(operation).acquire()

    def observe(self, operation: str, header: str | None) -> None:
        """Adjust the operation's rate from an `x-amzn-RateLimit-Limit` header value."""
        rate = parse_rate_limit(header)
        if rate is not None:
            self.bucket(operation).set_rate(rate)

    def throttled(self, operation: str) -> None:
        """Amazon answered 429: its bucket for this operation is empty."""
        self.bucket(operation).drain()


def parse_rate_limit(header: str | None) -> float | None:
    """The rate in an `x-amzn-RateLimit-Limit` header (e.g. "5.0"), or None when absent or invalid."""
    if not header:
        return None
    try:
        rate = float(header.strip())
    except ValueError:
        return None
    return rate if rate > 0 else None
