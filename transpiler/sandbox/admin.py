"""Test and demo controls under `/_sandbox/` (not part of Amazon's contract; no auth).

Documented in docs/sandbox.md: faults, scripted answers, rate limits, the clock, token expiry, forcing the
asynchronous processing, and a raw view of the stored listings.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from transpiler.sandbox.faults import FaultSpecError, parse_faults
from transpiler.sandbox.listings import Listings
from transpiler.sandbox.notifications import recorded
from transpiler.sandbox.pipeline import advance, catch_up
from transpiler.sandbox.responses import json_response
from transpiler.sandbox.scripted import ScriptError
from transpiler.sandbox.state import SandboxState


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


async def health(request: Request) -> Response:
    state = _state(request)
    return json_response({"status": "ok", "url": state.base_url, "now": state.clock.iso()})


async def registration(request: Request) -> Response:
    reg = _state(request).registration
    return json_response({"applicationId": reg.application_id, "clientId": reg.client_id,
                          "clientSecret": reg.client_secret, "redirectUris": list(reg.redirect_uris),
                          "vendorCode": reg.vendor_code, "sellingPartnerId": reg.selling_partner_id,
                          "refreshToken": reg.refresh_token})


async def faults(request: Request) -> Response:
    state = _state(request)
    if request.method == "POST":
        body = await _body(request)
        spec = body.get("spec") if isinstance(body, dict) and "spec" in body else body
        try:
            state.faults = parse_faults(spec)
        except FaultSpecError as exc:
            return json_response({"error": str(exc)}, 400)
    return json_response(state.faults.as_dict())


async def answers(request: Request) -> Response:
    """Read (GET) or replace (POST: a script or a list of them, `[]` clears) the scripted answers."""
    state = _state(request)
    if request.method == "POST":
        body = await _body(request)
        try:
            state.scripts.replace(body if body != {} else [])
        except ScriptError as exc:
            return json_response({"error": str(exc)}, 400)
    return json_response({"operations": state.scripts.operations()})


async def rate_limits(request: Request) -> Response:
    state = _state(request)
    if request.method == "POST":
        body = await _body(request)
        mode = body.get("mode") if isinstance(body, dict) else None
        try:
            state.limiter.set_mode(mode if isinstance(mode, int | float) else str(mode))
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
    return json_response({"mode": state.limiter.mode})


async def clock(request: Request) -> Response:
    state = _state(request)
    if request.method == "POST":
        body = await _body(request)
        seconds = body.get("advance") if isinstance(body, dict) else None
        if not isinstance(seconds, int | float) or seconds < 0:
            return json_response({"error": "give {\"advance\": <seconds, zero or more>}"}, 400)
        advance(state, float(seconds))
    return json_response({"now": state.clock.iso(), "offset": state.clock.offset})


async def expire_tokens(request: Request) -> Response:
    state = _state(request)
    return json_response({"expired": state.store.expire_access_tokens(state.clock.now())})


async def process(request: Request) -> Response:
    """Finish every pending job now: accepted listings get processed, feeds run to DONE."""
    state = _state(request)
    listings = feeds = 0
    for _ in range(3):  # a feed needs two steps (IN_QUEUE -> IN_PROGRESS -> DONE)
        state.store.hurry(state.clock.now())
        processed, steps = catch_up(state)
        listings += processed
        feeds += steps
    return json_response({"listingsProcessed": listings, "feedSteps": feeds})


async def listings(request: Request) -> Response:
    state = _state(request)
    catch_up(state)
    seller = request.query_params.get("sellerId")
    rows = state.store.listings(seller)
    return json_response({"listings": [
        {"sellerId": r["seller_id"], "sku": r["sku"], "marketplaceId": r["marketplace_id"],
         "productType": r["product_type"], "requirements": r["requirements"], "asin": r["asin"],
         "processed": bool(r["processed"]), "status": Listings.status(r), "attributes": r["attributes"],
         "issues": Listings(state).issues(r, request.query_params.get("issueLocale"))}
        for r in rows
    ]})


async def notifications(request: Request) -> Response:
    """Every notification the sandbox published (and whether it reached an SQS queue)."""
    state = _state(request)
    catch_up(state)
    return json_response({"notifications": recorded(state)})


async def stats(request: Request) -> Response:
    """How many SP-API answers of each status every operation gave (e.g. how many 429s)."""
    return json_response({"answers": _state(request).answer_counts()})
