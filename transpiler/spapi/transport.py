"""The one HTTP transport under every SP-API module: headers, rate limits, retries, typed errors.

Each call names its Amazon operationId, which picks the token bucket and appears in errors and
logs. Logs carry the method, path, status and `x-amzn-RequestId` — never a header value, a
body, or a presigned link's query string.
"""

from __future__ import annotations

import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from transpiler import __version__
from transpiler.errors import AmazonError
from transpiler.spapi.auth import LwaAuth
from transpiler.spapi.errors import amazon_error, scrub
from transpiler.spapi.rate_limit import RateLimiter, parse_rate_limit
from transpiler.spapi.retry import RetryPolicy, call_with_retries, redact_url
from transpiler.spapi.sigv4 import SigV4Signer

log = logging.getLogger("transpiler.spapi")


class _RedactPresignedLinks(logging.Filter):
    """httpx logs every request URL at INFO; presigned links carry temporary credentials in the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_url(a) if isinstance(a, httpx.URL) and a.query else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_RedactPresignedLinks())

#: Refuse bodies above this size from a download link (Amazon's largest schemas are ~2 MB).
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024


def default_user_agent() -> str:
    """`AppName/Version (Language=...; Platform=...)`, the shape Amazon's developer guide asks for."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"productlive-amazon/{__version__} (Language=Python/{python}; Platform={platform.system() or 'Unknown'})"


class AmazonResponse(dict[str, Any]):
    """Amazon's JSON body as a plain dict, with the response metadata as attributes."""

    status: int
    request_id: str | None
    rate_limit: float | None
    headers: httpx.Headers

    @classmethod
    def from_response(cls, response: httpx.Response, body: Any) -> AmazonResponse:
        out = cls(body if isinstance(body, dict) else ({} if body is None else {"payload": body}))
        out.status = response.status_code
        out.request_id = response.headers.get("x-amzn-RequestId")
        out.rate_limit = parse_rate_limit(response.headers.get("x-amzn-RateLimit-Limit"))
        out.headers = response.headers
        return out


def _first_message(response: httpx.Response) -> str | None:
    """The message of the first error of an error body (Amazon's 429 says which limit was hit)."""
    try:
        errors = response.json().get("errors")
        return str(errors[0].get("message")) if errors else None
    except (ValueError, AttributeError, IndexError, TypeError):
        return None


def _query(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query parameters in Amazon's form: lists comma-separated, None dropped."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            value = ",".join(str(v) for v in value)
        out[key] = str(value)
    return out


class Transport:
    """Sends SP-API calls (authorized, rate-limited, retried) and plain downloads/uploads."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        auth: LwaAuth,
        *,
        user_agent: str | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        signer: SigV4Signer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.user_agent = user_agent or default_user_agent()
        self.limiter = limiter or RateLimiter()
        self.retry = retry or RetryPolicy()
        self.signer = signer
        self._sleep = sleep

    def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        cases: Sequence[str] = (),
        auth: LwaAuth | None = None,
    ) -> AmazonResponse:
        """Call one SP-API operation; returns the JSON body, raises AmazonError / NetworkError.

        `cases` names the special usage plans the call falls under (a preview, relationship or
        product data updates, a JSON_LISTINGS_FEED: `transpiler.amazon.usage_plans`); `auth` replaces
        the selling partner's token (grantless operations).
        """
        auth = auth or self.auth
        url = self.base_url + path
        query = _query(params)
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")

        def send(_attempt: int) -> httpx.Response:
            for auth_attempt in (1, 2):
                self.limiter.acquire(operation, cases)
                token = auth.access_token()
                headers = {
                    "x-amz-access-token": token,
                    "user-agent": self.user_agent,
                    "accept": "application/json",
                    "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                }
                if content is not None:
                    headers["content-type"] = "application/json"
                request = self.http.build_request(method, url, params=query, content=content, headers=headers)
                if self.signer is not None:
                    self.signer.sign(request)
                started = time.monotonic()
                response = self.http.send(request)
                log.debug(
                    "%s %s %s -> %d (request id %s, %.3f s)",
                    operation, method, path, response.status_code,
                    response.headers.get("x-amzn-RequestId", "-"), time.monotonic() - started,
                )
                self.limiter.observe(operation, response.headers.get("x-amzn-RateLimit-Limit"))
                if response.status_code in (401, 403) and auth_attempt == 1:
                    # an expired or revoked access token: get a new one and try once more
                    log.info("%s: HTTP %d, refreshing the access token once", operation, response.status_code)
                    response.close()
                    auth.invalidate(token)
                    continue
                if response.status_code == 429:
                    self.limiter.throttled(operation, cases, _first_message(response))
                return response
            return response

        response = call_with_retries(
            send, method=method, url=url, policy=self.retry, sleep=self._sleep, operation=operation
        )
        return self._result(response, operation, auth, method)

    def _result(self, response: httpx.Response, operation: str, auth: LwaAuth, method: str) -> AmazonResponse:
        """Amazon's JSON object, or AmazonError: an error status, or a success whose body is not the
        object every SP-API model gives its answers (a gateway's page, truncated JSON, a bare list);
        only a DELETE may answer without a body."""
        if response.is_success:
            if not response.content and method == "DELETE":
                return AmazonResponse.from_response(response, {})
            try:
                body = response.json() if response.content else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                body, problem = None, "the response body is not JSON"
            else:
                problem = "the response body is not a JSON object" if response.content else "the response is empty"
            if not isinstance(body, dict):
                raise AmazonError(response.status_code, request_id=response.headers.get("x-amzn-RequestId"),
                                  operation=operation, message=problem)
            return AmazonResponse.from_response(response, body)
        raise amazon_error(response, operation, (*auth.secrets(), *self.auth.secrets()))

    def download(self, url: str, *, operation: str = "download") -> bytes:
        """GET a presigned link (schema, feed document): no SP-API headers, retried, size-capped."""

        def send(_attempt: int) -> httpx.Response:
            response = self.http.get(url, headers={"user-agent": self.user_agent})
            log.debug("%s GET %s -> %d", operation, redact_url(url), response.status_code)
            return response

        response = call_with_retries(send, method="GET", url=url, policy=self.retry, sleep=self._sleep,
                                     operation=operation)
        if not response.is_success:
            raise self._link_error(response, operation, url)
        if len(response.content) > MAX_DOWNLOAD_BYTES:
            raise AmazonError(response.status_code, operation=operation,
                              message=f"{redact_url(url)} is over {MAX_DOWNLOAD_BYTES} bytes")
        return response.content

    def upload(self, url: str, content: bytes, content_type: str, *, operation: str = "upload") -> None:
        """PUT bytes to a presigned upload link with the content type declared when it was created."""

        def send(_attempt: int) -> httpx.Response:
            response = self.http.put(url, content=content,
                                     headers={"content-type": content_type, "user-agent": self.user_agent})
            log.debug("%s PUT %s -> %d", operation, redact_url(url), response.status_code)
            return response

        response = call_with_retries(send, method="PUT", url=url, policy=self.retry, sleep=self._sleep,
                                     operation=operation)
        if not response.is_success:
            raise self._link_error(response, operation, url)

    def _link_error(self, response: httpx.Response, operation: str, url: str) -> AmazonError:
        """A failed download or upload of a presigned link, without the link's temporary credentials."""
        return AmazonError(
            response.status_code,
            request_id=response.headers.get("x-amzn-RequestId"),
            operation=operation,
            message=scrub(f"{response.reason_phrase} for {redact_url(url)}", self.auth.secrets()),
        )
