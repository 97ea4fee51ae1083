"""Token buckets with Amazon's usage plans, per selling partner and per application, optionally
shared by every process that works for the same app.

Amazon throttles each operation with token buckets (rate = tokens added per second, burst = bucket
size): one per selling partner of the app and one for the app as a whole, plus special cases (a
preview at one per second, relationship updates, JSON_LISTINGS_FEED submissions); see
`transpiler.amazon.usage_plans`. Waiting client-side for a token is cheaper than collecting 429s
and backing off, so every call takes a token from each bucket that applies to it first.

The client adapts at runtime: the `x-amzn-RateLimit-Limit` header reports the rate Amazon applies
to this selling partner and the bucket adopts it; a 429 empties the bucket concerned and halves its
pace, which then recovers gradually (`RECOVERY_PER_SECOND`) while no 429 comes back.

`RateLimiter` keeps its buckets in memory: every request of one client (one run) shares them.
`SharedRateLimiter` keeps them in a small SQLite file per application, so concurrent runs and
workers of the same app, in any number of processes on one machine, draw from the same buckets and
together stay within Amazon's plan.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from transpiler.amazon.usage_plans import (
    APPLICATION_MESSAGE,
    PRODUCT_DATA,
    PRODUCT_DATA_MESSAGE,
    RELATIONSHIPS,
    RELATIONSHIPS_MESSAGE,
    UsagePlan,
    plan,
    plans_for,
)

#: Refill slightly slower than Amazon does. At exactly Amazon's rate, network jitter (two
#: requests sent 200 ms apart arriving 190 ms apart) still earns the odd 429; 3% headroom lets
#: Amazon's bucket build a small surplus that absorbs it.
HEADROOM = 0.97

#: Keep one token of Amazon's burst unspent: right after a burst Amazon's bucket is empty and the
#: refill surplus above has not built up yet, so this one token absorbs early jitter.
BURST_CUSHION = 1

#: After a 429 the pace is multiplied by SLOWDOWN (never below MIN_FACTOR of the plan) and then
#: recovers by RECOVERY_PER_SECOND of the plan per second without throttling (0.5 -> 1 in 25 s).
SLOWDOWN = 0.5
MIN_FACTOR = 0.1
RECOVERY_PER_SECOND = 0.02


@dataclass
class BucketState:
    """A token bucket's state. `observed` is the rate Amazon announced (x-amzn-RateLimit-Limit), if any."""

    tokens: float
    stamp: float
    factor: float = 1.0
    observed: float | None = None


@dataclass(frozen=True)
class Limit:
    """What one bucket allows: Amazon's rate and burst (before headroom and cushion)."""

    key: str
    rate: float
    burst: int
    seller: bool  # a per-selling-partner bucket (False: the whole application's)

    @property
    def capacity(self) -> int:
        """Tokens the client may hold: Amazon's burst less the cushion (at least one)."""
        return max(1, self.burst - BURST_CUSHION)


def effective_rate(limit: Limit, state: BucketState, headroom: float) -> float:
    """Tokens per second this client earns: the plan (or Amazon's header), headroom, slowdown."""
    return (state.observed or limit.rate) * headroom * state.factor


def refill(limit: Limit, state: BucketState, now: float, headroom: float) -> None:
    """Add the tokens earned since the last look, and let a slowed-down pace recover."""
    elapsed = now - state.stamp
    if elapsed <= 0:  # a clock that went back (or a stamp from another process's future): restart here
        state.stamp = min(state.stamp, now)
        return
    rate = effective_rate(limit, state, headroom)
    state.tokens = min(float(limit.capacity), state.tokens + elapsed * rate)
    state.factor = min(1.0, state.factor + RECOVERY_PER_SECOND * elapsed)
    state.stamp = now


def take(limits: Sequence[Limit], states: Mapping[str, BucketState], now: float, headroom: float) -> float:
    """Take one token from every bucket (returns 0.0), or none and return how long to wait."""
    wait = 0.0
    for limit in limits:
        state = states[limit.key]
        refill(limit, state, now, headroom)
        if state.tokens < 1.0 - 1e-9:  # float dust must not turn into endless tiny waits
            wait = max(wait, (1.0 - state.tokens) / effective_rate(limit, state, headroom))
    if wait > 0.0:
        return wait
    for limit in limits:
        states[limit.key].tokens = max(0.0, states[limit.key].tokens - 1.0)
    return 0.0


def parse_rate_limit(header: str | None) -> float | None:
    """The rate in an `x-amzn-RateLimit-Limit` header (e.g. "5.0"), or None when absent or invalid."""
    if not header:
        return None
    try:
        rate = float(header.strip())
    except ValueError:
        return None
    return rate if rate > 0 and rate == rate and rate != float("inf") else None


class _MemoryStore:
    """Bucket states in a dict, one lock for the process."""

    def __init__(self) -> None:
        self._states: dict[str, BucketState] = {}
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, keys: Iterable[str]) -> Iterator[dict[str, BucketState | None]]:
        with self._lock:
            states: dict[str, BucketState | None] = {k: self._states.get(k) for k in keys}
            yield states
            for key, state in states.items():
                if state is not None:
                    self._states[key] = state

    def get(self, key: str) -> BucketState | None:
        with self._lock:
            state = self._states.get(key)
            return replace(state) if state else None


class _SqliteStore:
    """Bucket states in an SQLite file: BEGIN IMMEDIATE serializes the processes that share it."""

    _SCHEMA = ("CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, "
               "stamp REAL NOT NULL, factor REAL NOT NULL, observed REAL)")

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60.0)
        # Switching a fresh file to WAL needs an exclusive lock, and SQLite answers "database is
        # locked" at once (without its busy handler) when another process opens the file at the
        # same moment: the set-up is retried for as long as the connection's own timeout.
        # synchronous=OFF: losing a token count in a power cut is harmless.
        deadline = time.monotonic() + 60.0
        for statement in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF", self._SCHEMA):
            while True:
                try:
                    self._db.execute(statement)
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) and "busy" not in str(error):
                        raise
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)

    @contextmanager
    def transaction(self, keys: Iterable[str]) -> Iterator[dict[str, BucketState | None]]:
        wanted = list(keys)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                marks = ",".join("?" for _ in wanted)
                rows = self._db.execute(f"SELECT key, tokens, stamp, factor, observed FROM buckets "
                                        f"WHERE key IN ({marks})", wanted).fetchall()
                found = {row[0]: BucketState(row[1], row[2], row[3], row[4]) for row in rows}
                states: dict[str, BucketState | None] = {k: found.get(k) for k in wanted}
                yield states
                self._db.executemany(
                    "INSERT INTO buckets (key, tokens, stamp, factor, observed) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET tokens=excluded.tokens, stamp=excluded.stamp, "
                    "factor=excluded.factor, observed=excluded.observed",
                    [(k, s.tokens, s.stamp, s.factor, s.observed) for k, s in states.items() if s is not None])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get(self, key: str) -> BucketState | None:
        with self._lock:
            row = self._db.execute("SELECT tokens, stamp, factor, observed FROM buckets WHERE key=?",
                                   (key,)).fetchone()
        return BucketState(*row) if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()


class RateLimiter:
    """Amazon's usage plans as token buckets for one selling partner of one application.

    `limits` overrides the (rate, burst) of some operations' per-partner buckets (tests, or a
    selling partner with a known higher plan). `clock` and `sleep` are injectable.
    """

    def __init__(
        self,
        limits: Mapping[str, tuple[float, int]] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        headroom: float = HEADROOM,
    ):
        self._overrides = dict(limits or {})
        self._clock = clock
        self._sleep = sleep
        self.headroom = headroom
        self._store: _MemoryStore | _SqliteStore = _MemoryStore()
        self._seller_prefix = ""
        self._app_prefix = "app/"

    # -- which buckets a request takes ----------------------------------------------------------
    def limits(self, operation: str, cases: Iterable[str] = ()) -> list[Limit]:
        """The buckets of a request: per selling partner, then per application, for its operation and cases."""
        out: list[Limit] = []
        rows = plans_for(operation, cases)
        for row in rows:
            rate, burst = self._overrides.get(row.key, (row.rate, row.burst)) if row.rate is not None else (None, 0)
            if rate is not None:
                out.append(Limit(self._seller_prefix + row.key, float(rate), int(burst), seller=True))
        for row in rows:
            if row.application_rate is not None:
                out.append(Limit(self._app_prefix + row.key, row.application_rate, row.application_burst,
                                 seller=False))
        return out

    def _states(self, limits: Sequence[Limit], found: dict[str, BucketState | None], now: float
                ) -> dict[str, BucketState]:
        for limit in limits:
            if found.get(limit.key) is None:
                found[limit.key] = BucketState(tokens=float(limit.capacity), stamp=now)
        return found  # type: ignore[return-value]

    # -- the three things the transport does ----------------------------------------------------
    def acquire(self, operation: str, cases: Iterable[str] = ()) -> float:
        """Block until a token of every bucket of the request is taken; returns the time waited."""
        limits = self.limits(operation, cases)
        waited = 0.0
        while True:
            now = self._clock()
            with self._store.transaction(limit.key for limit in limits) as found:
                wait = take(limits, self._states(limits, found, now), now, self.headroom)
            if wait <= 0.0:
                return waited
            self._sleep(wait)
            waited += wait

    def observe(self, operation: str, header: str | None) -> None:
        """Adopt the rate Amazon says it applies to this selling partner (`x-amzn-RateLimit-Limit`)."""
        rate = parse_rate_limit(header)
        if rate is None:
            return
        limit = self.limits(operation)[0]
        if not limit.seller:
            return
        now = self._clock()
        with self._store.transaction([limit.key]) as found:
            state = self._states([limit], found, now)[limit.key]
            if state.observed != rate:
                refill(limit, state, now, self.headroom)
                state.observed = rate

    def throttled(self, operation: str, cases: Iterable[str] = (), message: str | None = None) -> None:
        """Amazon answered 429: empty the bucket that tripped and slow its pace down.

        Amazon's message tells an application limit (or its relationship / product data case) from
        the selling partner's own; for the latter the slowest bucket of the request is the culprit.
        """
        cases = tuple(cases)
        limits = self.limits(operation, cases)
        text = (message or "").strip()
        wanted = {APPLICATION_MESSAGE: plan(operation).key, RELATIONSHIPS_MESSAGE: f"{operation}:{RELATIONSHIPS}",
                  PRODUCT_DATA_MESSAGE: f"{operation}:{PRODUCT_DATA}"}.get(text)
        if wanted is not None:
            chosen = [limit for limit in limits if not limit.seller and limit.key == self._app_prefix + wanted]
        else:
            own = [limit for limit in limits if limit.seller]
            chosen = [min(own, key=lambda limit: limit.rate)] if own else []
        if not chosen:
            return
        now = self._clock()
        with self._store.transaction(limit.key for limit in chosen) as found:
            states = self._states(chosen, found, now)
            for limit in chosen:
                state = states[limit.key]
                refill(limit, state, now, self.headroom)
                state.tokens = 0.0
                state.factor = max(MIN_FACTOR, state.factor * SLOWDOWN)

    # -- inspection ---------------------------------------------------------------------------
    def state(self, operation: str, case: str | None = None, *, application: bool = False) -> BucketState | None:
        """The current state of one bucket (None before its first use)."""
        key = f"{operation}:{case}" if case else operation
        return self._store.get((self._app_prefix if application else self._seller_prefix) + key)

    def rate(self, operation: str, case: str | None = None) -> float:
        """The per-partner rate this limiter paces `operation` at now (requests per second, Amazon's number)."""
        key = f"{operation}:{case}" if case else operation
        limit = next(limit for limit in self.limits(operation, [case] if case else []) if limit.key.endswith(key))
        state = self.state(operation, case)
        if state is None:
            return limit.rate
        refill(limit, state, self._clock(), self.headroom)  # a copy: what the pace is now
        return (state.observed or limit.rate) * state.factor

    def close(self) -> None:
        if isinstance(self._store, _SqliteStore):
            self._store.close()


class SharedRateLimiter(RateLimiter):
    """The same buckets, kept in `<folder>/<application>.sqlite3` and shared by every process using it.

    One file per application (LWA client id and endpoint): per-partner buckets are keyed by the
    selling partner (vendor code), application buckets are common to all partners. Processes on
    one machine that share the folder never exceed Amazon's plan together. Time is the wall clock
    (comparable between processes; a clock that jumps back only delays the next token).
    """

    def __init__(
        self,
        folder: Path,
        *,
        application: str,
        seller: str,
        limits: Mapping[str, tuple[float, int]] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        headroom: float = HEADROOM,
    ):
        super().__init__(limits, clock=clock, sleep=sleep, headroom=headroom)
        digest = hashlib.sha256(application.encode("utf-8")).hexdigest()[:16]
        self.path = Path(folder) / f"{digest}.sqlite3"
        self._store = _SqliteStore(self.path)
        self._seller_prefix = f"seller/{seller}/"

    def __repr__(self) -> str:
        return f"SharedRateLimiter({self.path})"


def shared_limiter(cache_dir: Path, *, spapi_url: str, client_id: str, seller_id: str,
                   **kwargs: object) -> SharedRateLimiter:
    """The SharedRateLimiter of an app (`client_id` at `spapi_url`) acting for `seller_id`, under
    `<cache_dir>/rate-limits/`."""
    return SharedRateLimiter(Path(cache_dir) / "rate-limits", application=f"{spapi_url.rstrip('/')}|{client_id}",
                             seller=seller_id or "-", **kwargs)  # type: ignore[arg-type]


#: kept for callers that want the bare table of per-partner (rate, burst) by operation
def documented_limits() -> dict[str, tuple[float, int]]:
    """operationId -> (rate, burst) of the per-selling-partner plans (cases excluded)."""
    from transpiler.amazon.usage_plans import USAGE_PLANS

    return {p.operation: (p.rate, p.burst) for p in USAGE_PLANS if p.case is None and p.rate is not None}


__all__ = ["BucketState", "Limit", "RateLimiter", "SharedRateLimiter", "UsagePlan", "parse_rate_limit",
           "shared_limiter"]
