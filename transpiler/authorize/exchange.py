"""Exchange of the one-time `spapi_oauth_code` for a refresh token at Login with Amazon.

Amazon's code dies five minutes after consent and can be used once, so the callback calls this at
once. The request carries exactly the five documented fields; `redirect_uri` must be the very URI
the consent page redirected to. Nothing here logs the code, the secret or the tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from transpiler.config import Secret, Settings

log = logging.getLogger("transpiler.authorize.exchange")


class ExchangeFailed(Exception):
    """LWA refused the code or could not be reached. `error` is LWA's code (e.g. invalid_grant)."""

    def __init__(self, error: str, description: str = "", status: int | None = None):
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}" if description else error)


@dataclass(frozen=True)
class Grant:
    """What LWA returns for an authorization code. Only `refresh_token` is kept."""

    refresh_token: Secret
    access_token: Secret
    expires_in: int


def exchange_code(client: httpx.Client, settings: Settings, code: str, redirect_uri: str) -> Grant:
    """POST the authorization_code grant to `settings.lwa_url`; return the tokens.

    Raises ExchangeFailed with LWA's `error` (invalid_grant, invalid_client, …), or
    `unreachable` / `bad_response` when LWA cannot be reached or answers nonsense.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.reveal(),
    }
    try:
        response = client.post(
            settings.lwa_url,
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", "Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        log.warning("LWA token endpoint unreachable: %s", type(exc).__name__)
        raise ExchangeFailed("unreachable", type(exc).__name__) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        log.warning("LWA answered HTTP %s without a JSON object", response.status_code)
        raise ExchangeFailed("bad_response", f"HTTP {response.status_code}", response.status_code)
    if response.status_code != 200 or "refresh_token" not in body:
        error = str(body.get("error") or f"http_{response.status_code}")
        description = str(body.get("error_description") or "")
        log.warning("LWA refused the authorization code: HTTP %s %s", response.status_code, error)
        raise ExchangeFailed(error, description, response.status_code)
    log.info("authorization code exchanged for a refresh token")
    return Grant(
        refresh_token=Secret(str(body["refresh_token"])),
        access_token=Secret(str(body.get("access_token", ""))),
        expires_in=int(body.get("expires_in") or 0),
    )
