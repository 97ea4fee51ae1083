"""One object holding the three API clients over a shared transport, built from Settings."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from transpiler.config import Settings
from transpiler.spapi.auth import LwaAuth
from transpiler.spapi.definitions import DefinitionsClient
from transpiler.spapi.feeds import FeedsClient
from transpiler.spapi.listings import ListingsClient
from transpiler.spapi.notifications import SCOPE, NotificationsClient
from transpiler.spapi.rate_limit import RateLimiter
from transpiler.spapi.retry import RetryPolicy
from transpiler.spapi.transport import Transport, default_user_agent

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass
class SpApiClient:
    """The Product Type Definitions, Listings Items, Feeds and Notifications clients sharing one token
    and limiter (plus the app's grantless token for notification destinations)."""

    transport: Transport
    definitions: DefinitionsClient
    listings: ListingsClient
    feeds: FeedsClient
    notifications: NotificationsClient
    owns_http: bool = False

    @property
    def auth(self) -> LwaAuth:
        return self.transport.auth

    def close(self) -> None:
        """Close the HTTP client when this object created it, and the limiter's shared file."""
        if self.owns_http:
            self.transport.http.close()
        self.transport.limiter.close()

    def __enter__(self) -> SpApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def client_from_settings(
    settings: Settings,
    http: httpx.Client | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: Mapping[str, tuple[float, int]] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    limiter: RateLimiter | None = None,
) -> SpApiClient:
    """An SpApiClient for the settings' endpoint, credentials, marketplace and locale.

    `http` lets tests bind the client to the sandbox (or an httpx.MockTransport); `retry`,
    `limits`, `sleep` and `clock` tune or drive retries and rate limits. `limiter` replaces the
    in-memory buckets, e.g. with a `SharedRateLimiter` (`rate_limit.shared_limiter`) so that
    several processes working for the same app stay within Amazon's plan together.
    """
    owns = http is None
    http = http or httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=True)
    user_agent = settings.user_agent or default_user_agent()
    retry = retry or RetryPolicy()
    auth = LwaAuth(
        http,
        settings.lwa_url,
        settings.client_id,
        settings.client_secret,
        settings.refresh_token,
        user_agent=user_agent,
        retry=retry,
        clock=clock,
        sleep=sleep,
    )
    grantless = LwaAuth(http, settings.lwa_url, settings.client_id, settings.client_secret, settings.refresh_token,
                        user_agent=user_agent, retry=retry, clock=clock, sleep=sleep, scope=SCOPE)
    signer = None
    if settings.sigv4:
        from transpiler.spapi.sigv4 import SigV4Signer

        signer = SigV4Signer(settings.aws_region)
    transport = Transport(
        http,
        settings.spapi_url,
        auth,
        user_agent=user_agent,
        limiter=limiter or RateLimiter(limits, clock=clock, sleep=sleep),
        retry=retry,
        signer=signer,
        sleep=sleep,
    )
    return SpApiClient(
        transport=transport,
        definitions=DefinitionsClient(transport, marketplace_id=settings.marketplace_id, locale=settings.locale),
        listings=ListingsClient(
            transport, seller_id=settings.seller_id, marketplace_id=settings.marketplace_id, locale=settings.locale
        ),
        feeds=FeedsClient(transport, marketplace_id=settings.marketplace_id),
        notifications=NotificationsClient(transport, grantless),
        owns_http=owns,
    )
