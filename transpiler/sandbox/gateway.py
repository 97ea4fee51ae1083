"""What every SP-API call goes through before its handler: the jobs due by the sandbox clock, the
request id, injected faults, the access-token check, the usage plan (token bucket), a scripted
answer when a test gave one (`transpiler.sandbox.scripted`), and Amazon's error bodies on the way out.

Handlers raise `SpApiError` for any 4xx; a bug in a handler becomes Amazon's 500 body, never a
bare traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from transpiler.amazon.roles import PRODUCT_LISTING, PRODUCT_LISTING_OPERATIONS
from transpiler.amazon.usage_plans import PREVIEW, QUOTA_MESSAGE
from transpiler.sandbox.lwa import authenticate
from transpiler.sandbox.parameters import check_query
from transpiler.sandbox.pipeline import catch_up
from transpiler.sandbox.request_body import body_bytes
from transpiler.sandbox.responses import SpApiError, error_response, request_id
from transpiler.sandbox.scripted import Script, apply_headers, scripted_response
from transpiler.sandbox.state import Principal, SandboxState

log = logging.getLogger("transpiler.sandbox")

Handler = Callable[[Request, SandboxState, Principal], Awaitable[Response]]

QUOTA_EXCEEDED = SpApiError(429, "QuotaExceeded", QUOTA_MESSAGE)
PREVIEW_OPERATIONS = frozenset({"putListingsItem", "patchListingsItem"})


def throttled(message: str) -> SpApiError:
    """Amazon's 429 with the message of the limit that was hit."""
    return SpApiError(429, "QuotaExceeded", message)


def throttle_cases(state: SandboxState, principal: Principal, operation: str, cases: tuple[str, ...]) -> None:
    """Take the tokens of the cases a handler learns from the body (relationships, product data,
    JSON_LISTINGS_FEED); 429 with Amazon's message when one is empty."""
    if not cases:
        return
    message = state.limiter.refusal(operation, principal.partner, principal.client_id, cases,
                                    include_operation=False)
    if message is not None:
        raise throttled(message)


class DroppedConnection(Response):
    """Starts a response, sends part of it, and stops: the client sees the connection drop."""

    def __init__(self) -> None:
        super().__init__(b"", status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b'{"errors":[', "more_body": True})
        # Returning without completing the body makes the server close the connection.


Endpoint = Callable[[Request], Awaitable[Response]]


def operation(name: str, *, grantless: str | None = None) -> Callable[[Handler], Endpoint]:
    """Wrap a handler as the SP-API operation `name` (an operationId of the official models).

    `grantless`: the LWA scope the operation wants instead of a selling partner's authorization
    (Notifications destinations: `sellingpartnerapi::notifications`).
    """

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            state: SandboxState = request.app.state.sandbox
            headers = {"x-amzn-RequestId": request_id()}
            script: Script | None = None
            catch_up(state)  # the answer reflects every job due by the sandbox clock
            try:
                force_expired = lose_answer = False
                faults = state.faults
                await body_bytes(request, state, name)  # received in full (then, with latency, slow to answer)
                state.received[name] += 1
                if faults.active and faults.applies_to(name):
                    if faults.latency:
                        await asyncio.sleep(faults.latency)
                    if faults.draw(faults.drop):
                        return DroppedConnection()
                    if faults.draw(faults.p503):
                        raise SpApiError(503, "ServiceUnavailable", "Service temporarily unavailable.")
                    if faults.draw(faults.p500):
                        raise SpApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")
                    if faults.draw(faults.p429):
                        raise QUOTA_EXCEEDED
                    force_expired = faults.draw(faults.expire)
                    lose_answer = faults.draw(faults.lost)
                principal = authenticate(state, request, force_expired=force_expired)
                if grantless is not None:
                    if grantless not in (principal.scope or "").split():
                        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                                         f"This operation needs a grantless token of scope {grantless}.")
                elif principal.vendor_code is None:
                    raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                                     "This operation needs a selling partner's authorization (not a grantless token).")
                elif name in PRODUCT_LISTING_OPERATIONS and PRODUCT_LISTING not in state.registration.roles:
                    raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.")
                headers["x-amzn-RateLimit-Limit"] = state.limiter.header(name)
                check_query(name, request.query_params, state.parameters)
                cases = (PREVIEW,) if (name in PREVIEW_OPERATIONS
                                       and request.query_params.get("mode") == "VALIDATION_PREVIEW") else ()
                message = state.limiter.refusal(name, principal.partner, principal.client_id, cases)
                if message is not None:
                    raise throttled(message)
                script = state.scripts.take(name)
                if script is not None:  # a test puts one of Amazon's possible answers on the wire
                    response = scripted_response(script, state, principal.partner)
                else:
                    response = await handler(request, state, principal)
                if lose_answer:  # Amazon did the work; the caller never hears of it
                    return DroppedConnection()
            except SpApiError as error:
                response = error_response(error)
            except Exception:  # a sandbox bug must still look like Amazon's 500
                log.exception("sandbox handler %s failed", name)
                response = error_response(SpApiError(500, "InternalFailure", "An internal error has occurred."))
            response.headers.update(headers)
            if script is not None:
                apply_headers(response, script)
            state.answered(name, response.status_code)
            return response

        endpoint.__name__ = name
        endpoint.operation_id = name  # type: ignore[attr-defined]
        return endpoint

    return wrap


def csv_param(request: Request, name: str) -> list[str]:
    """A comma-separated query parameter as a list (already checked against the model by `operation`)."""
    raw = request.query_params.getlist(name)
    return [v.strip() for part in raw for v in part.split(",") if v.strip()]


def query_value(request: Request, name: str, default: str | None = None) -> str | None:
    """A single query parameter (already checked against the model), or `default` when absent or empty."""
    value = request.query_params.get(name)
    return default if value is None or value == "" else value
