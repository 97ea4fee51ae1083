"""When and how long to retry a call: bounded exponential backoff with jitter, Retry-After honoured.

Amazon asks clients to retry throttled (429) and temporarily failing (500, 503) calls with
exponential backoff. Jitter spreads the retries of concurrent workers so they do not hit the
refilled bucket all at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

log = logging.getLogger("transpiler.spapi")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Methods that may be repeated after a request was possibly received (read timeout, dropped
#: connection) without risking a duplicate effect. POST/PATCH are retried only when the
#: request surely never arrived (connect errors) or Amazon said so (429/5xx).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass
class RetryPolicy:
    """Bounded retries: `max_attempts` tries in total, delays `base * 2**n` capped at `max_delay`.

    `Retry-After` (seconds or an HTTP date) sets a floor on the delay, itself capped at
    `max_retry_after` so a hostile or broken server cannot park the run for hours.
    """

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def retryable_status(self, status: int) -> bool:
        return status in RETRY_STATUSES

    def retryable_exception(self, exc: Exception, method: str) -> bool:
        """Connection failures are always retryable; read failures only for idempotent methods."""
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        if isinstance(exc, httpx.TransportError):
            return method.upper() in IDEMPOTENT_METHODS
        return False

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1 = first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        # "equal jitter": at least half the exponential delay, never more than all of it
        backoff = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        floor = parse_retry_after(retry_after)
        if floor is not None:
            return max(backoff, min(floor, self.max_retry_after))
        return backoff


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds)


def redact_url(url: str | httpx.URL) -> str:
    """A URL fit for logs and messages: presigned links carry credentials in their query string."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(query=None, fragment=None))


def describe_exception(exc: Exception) -> str:
    """A short reason for a transport failure that never repeats the (possibly presigned) URL."""
    text = str(exc).split("\n", 1)[0]
    if "?" in text or "http" in text:
        text = ""
    return f"{type(exc).__name__}{': ' + text if text else ''}"


def call_with_retries(
    send: Callable[[int], httpx.Response],
    *,
    method: str,
    url: str | httpx.URL,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    operation: str = "",
) -> httpx.Response:
    """Run `send(attempt)` until it returns a final response or the attempts run out.

    Retryable statuses come back as the last response once attempts are exhausted (the caller
    turns it into a typed error); transport failures raise NetworkError.
    """
    from transpiler.spapi.errors import NetworkError

    for attempt in range(1, policy.max_attempts + 1):
        try:
            response = send(attempt)
        except httpx.TransportError as exc:
            if attempt < policy.max_attempts and policy.retryable_exception(exc, method):
                wait = policy.delay(attempt)
                log.info("%s %s: %s, retry %d in %.2f s", method, operation or redact_url(url),
                         describe_exception(exc), attempt, wait)
                sleep(wait)
                continue
            raise NetworkError(redact_url(url), describe_exception(exc), attempt) from None
        if attempt < policy.max_attempts and policy.retryable_status(response.status_code):
            wait = policy.delay(attempt, response.headers.get("Retry-After"))
            log.info("%s %s: HTTP %d (request id %s), retry %d in %.2f s", method, operation or redact_url(url),
                     response.status_code, response.headers.get("x-amzn-RequestId", "-"), attempt, wait)
            response.close()
            sleep(wait)
            continue
        return response
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
