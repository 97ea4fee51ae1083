"""Login with Amazon (LWA): access tokens from the selling partner's refresh token, or grantless
tokens (`client_credentials` with a scope, e.g. `sellingpartnerapi::notifications`) for the
operations that act for the app itself rather than for a selling partner.

An access token lasts an hour. It is cached and reused until 60 s before it expires, and only
one thread refreshes it at a time: the others wait for that refresh instead of sending their own
(a burst of concurrent refreshes is exactly what gets an app throttled by LWA).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import httpx

from transpiler.config import Secret
from transpiler.errors import ConfigError
from transpiler.spapi.errors import lwa_error
from transpiler.spapi.retry import RetryPolicy, call_with_retries

log = logging.getLogger("transpiler.spapi.auth")

#: Refresh this long before the announced expiry, so a token never expires in flight.
EARLY_REFRESH_SECONDS = 60.0


class LwaAuth:
    """Thread-safe holder of the current LWA access token for one refresh token."""

    def __init__(
        self,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        refresh_token: Secret,
        *,
        user_agent: str,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        early_refresh: float = EARLY_REFRESH_SECONDS,
        scope: str | None = None,
    ):
        required = [("PL_AMAZON_CLIENT_ID", client_id), ("PL_AMAZON_CLIENT_SECRET", client_secret)]
        if scope is None:
            required.append(("PL_AMAZON_REFRESH_TOKEN", refresh_token))
        missing = [name for name, value in required if not value]
        if missing:
            raise ConfigError(f"missing credentials: set {', '.join(missing)} (environment, config file or secrets)")
        self._http = http
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._user_agent = user_agent
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._early = early_refresh
        self.scope = scope  # set: a grantless token (client_credentials) for this scope
        self._lock = threading.Lock()
        self._token: Secret | None = None
        self._expires_at = 0.0
        self.refreshes = 0  # how many tokens were obtained (observability and tests)

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a message (used to scrub texts from the network)."""
        values = [self._client_secret.reveal(), self._refresh_token.reveal()]
        if self._token:
            values.append(self._token.reveal())
        return tuple(values)

    def current_token(self) -> Secret | None:
        """The cached token (masked wrapper), or None before the first call."""
        return self._token

    def access_token(self) -> str:
        """A valid access token, refreshing it when missing or within 60 s of expiry."""
        token = self._token
        if token is not None and self._clock() < self._expires_at - self._early:
            return token.reveal()
        with self._lock:
            # another thread may have refreshed while this one waited for the lock
            if self._token is not None and self._clock() < self._expires_at - self._early:
                return self._token.reveal()
            self._refresh()
            assert self._token is not None
            return self._token.reveal()

    def invalidate(self, token: str) -> None:
        """Forget `token` (Amazon rejected it); a no-op when another thread already replaced it."""
        with self._lock:
            if self._token is not None and self._token.reveal() == token:
                self._token = None
                self._expires_at = 0.0

    def _refresh(self) -> None:
        if self.scope is None:
            form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token.reveal()}
        else:
            form = {"grant_type": "client_credentials", "scope": self.scope}
        form.update(client_id=self._client_id, client_secret=self._client_secret.reveal())
        headers = {
            "content-type": "application/x-www-form-urlencoded;charset=UTF-8",
            "user-agent": self._user_agent,
        }

        def send(_attempt: int) -> httpx.Response:
            return self._http.post(self._token_url, data=form, headers=headers)

        log.debug("requesting an LWA access token")
        response = call_with_retries(
            send, method="POST", url=self._token_url, policy=self._retry, sleep=self._sleep, operation="lwa.token"
        )
        if response.status_code != 200:
            raise lwa_error(response, self.secrets())
        try:
            body = response.json()
            access_token = str(body["access_token"])
            expires_in = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise lwa_error(response, self.secrets()) from None
        self._token = Secret(access_token)
        self._expires_at = self._clock() + expires_in
        self.refreshes += 1
        log.info("obtained an LWA access token (valid %d s)", int(expires_in))
