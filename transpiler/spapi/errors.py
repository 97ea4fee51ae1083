"""Turning HTTP failures into the tool's typed errors, with one actionable line each.

Every error keeps what support needs (Amazon's `errors[]`, `x-amzn-RequestId`, the operation) and
never a credential: texts coming back from the network are scrubbed of known secret values
before they are put in a message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from transpiler.errors import AmazonError, PlAmazonError
from transpiler.spapi.hints import hint_for


class LwaError(AmazonError):
    """Login with Amazon refused to issue an access token (`invalid_client`, `invalid_grant`, ...)."""

    HINTS = {
        "invalid_client": "check PL_AMAZON_CLIENT_ID and PL_AMAZON_CLIENT_SECRET (the app's LWA credentials)",
        "invalid_grant": "the refresh token is revoked, expired or for another app: authorize the app again "
        "and set PL_AMAZON_REFRESH_TOKEN",
        "unauthorized_client": "this app may not use the refresh-token grant: check the app registration",
        "invalid_request": "the token request was malformed: check PL_AMAZON_LWA_URL and the credentials",
    }

    def __init__(self, status: int, error: str, description: str = "", request_id: str | None = None):
        self.error = error
        self.description = description
        hint = self.HINTS.get(error, "check the LWA credentials and PL_AMAZON_LWA_URL")
        detail = f"{description} " if description else ""
        message = f"Login with Amazon refused the token request ({error}): {detail}— {hint}"
        super().__init__(
            status,
            [{"code": error, "message": description}],
            request_id=request_id,
            operation="lwa.refresh_token",
            message=message,
        )


class NetworkError(PlAmazonError):
    """Amazon (or the configured endpoint) could not be reached, even after retries."""

    def __init__(self, url: str, reason: str, attempts: int):
        self.url = url
        self.reason = reason
        self.attempts = attempts
        super().__init__(
            f"cannot reach {url} after {attempts} attempt(s): {reason} — check the network connection "
            "and PL_AMAZON_SPAPI_URL / PL_AMAZON_LWA_URL"
        )


class UnreadableDocumentError(PlAmazonError):
    """A document Amazon served (a feed processing report) cannot be read: not GZIP as announced,
    not JSON, or not the object its schema describes."""

    def __init__(self, what: str, reason: str):
        self.what = what
        self.reason = reason
        super().__init__(f"{what} cannot be read: {reason}")


class ChecksumMismatchError(PlAmazonError):
    """A downloaded schema does not match the checksum Amazon announced for it."""

    def __init__(self, product_type: str, what: str, expected: str, actual: str):
        self.product_type = product_type
        self.what = what
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{product_type}: downloaded {what} is corrupted (Base64-MD5 {actual}, Amazon announced {expected}); "
            "nothing was written — run the pull again"
        )


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-empty secret value replaced by ****."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "****")
    return text


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None


def amazon_error(response: httpx.Response, operation: str, secrets: Iterable[str] = ()) -> AmazonError:
    """The AmazonError for an error response: Amazon's `errors[]` when present, else the status text."""
    secrets = tuple(secrets)
    body = _json(response)
    errors: list[dict[str, Any]] = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        for item in body["errors"]:
            if isinstance(item, dict):
                errors.append({k: scrub(v, secrets) if isinstance(v, str) else v for k, v in item.items()})
    message = None
    if not errors:
        text = scrub(response.text[:200], secrets).strip()
        message = " ".join((response.reason_phrase + (f": {text}" if text else "")).split())
    known = hint_for(response.status_code, operation, [str(e.get("message", "")) for e in errors])
    if known is not None:
        detail = message or "; ".join(f"{e.get('code', '?')}: {e.get('message', '')}".strip() for e in errors)
        message = f"{detail} — {known.english}"
    return AmazonError(
        response.status_code,
        errors,
        request_id=response.headers.get("x-amzn-RequestId"),
        operation=operation,
        message=message,
    )


def lwa_error(response: httpx.Response, secrets: Iterable[str] = ()) -> LwaError:
    """The LwaError for a failed token request (OAuth `error` / `error_description`)."""
    body = _json(response)
    error = "unknown_error"
    description = ""
    if isinstance(body, dict):
        error = str(body.get("error") or error)
        description = str(body.get("error_description") or "")
    return LwaError(
        response.status_code,
        scrub(error, secrets),
        scrub(" ".join(description.split())[:200], secrets),
        request_id=response.headers.get("x-amzn-RequestId"),
    )
