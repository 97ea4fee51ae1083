"""Login with Amazon: `POST /auth/o2/token` and the access-token check of every SP-API call.

Grants: `refresh_token`, `authorization_code` (single use, five minutes, `redirect_uri` must be
the one the consent used) and `client_credentials` (grantless scopes). Errors use LWA's shape
`{"error": ..., "error_description": ...}`.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response

from transpiler.sandbox.responses import SpApiError, json_response
from transpiler.sandbox.state import Principal, SandboxState

GRANTLESS_SCOPES = {"sellingpartnerapi::notifications", "sellingpartnerapi::migration",
                    "sellingpartnerapi::client_credential:rotation"}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def lwa_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status, _NO_STORE)


async def token_endpoint(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        # LWA also accepts JSON bodies; anything else is unreadable.
        if content_type.startswith("application/json"):
            try:
                data = await request.json()
            except ValueError:
                return lwa_error(400, "invalid_request", "The request body is not valid JSON.")
            if not isinstance(data, dict):
                return lwa_error(400, "invalid_request", "The request body must be an object.")
            form = {str(k): str(v) for k, v in data.items()}
        else:
            return lwa_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
    else:
        raw = await request.form()
        form = {k: str(v) for k, v in raw.items()}
    grant = form.get("grant_type")
    if not grant:
        return lwa_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
    reg = state.registration
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not client_secret:
        return lwa_error(400, "invalid_request", "The request is missing a required parameter : client_id")
    if client_id != reg.client_id or not hmac.compare_digest(client_secret, reg.client_secret):
        return lwa_error(401, "invalid_client", "Client authentication failed")
    ttl = int(state.settings.access_token_ttl)
    if grant == "refresh_token":
        refresh = form.get("refresh_token", "")
        row = state.store.token(refresh, "refresh") if refresh else None
        if row is None or row["revoked"] or row["client_id"] != client_id:
            return lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        access = state.issue_access_token(client_id, row["selling_partner_id"], row["vendor_code"])
        return json_response({"access_token": access, "refresh_token": refresh, "token_type": "bearer",
                              "expires_in": ttl}, headers=_NO_STORE)
    if grant == "authorization_code":
        code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
        if not code:
            return lwa_error(400, "invalid_request", "The request is missing a required parameter : code")
        row = state.store.token(code, "code")
        if row is None or row["client_id"] != client_id:
            return lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
        if row["expires_at"] is not None and row["expires_at"] < state.clock.now():
            return lwa_error(400, "invalid_grant", "The authorization code has expired.")
        if redirect_uri != row["redirect_uri"]:
            return lwa_error(400, "invalid_grant", "The redirect_uri does not match the one used for authorization.")
        if not state.store.mark_token_used(code):
            return lwa_error(400, "invalid_grant", "The authorization code has already been used.")
        refresh = state.issue_refresh_token(client_id, row["selling_partner_id"], row["vendor_code"])
        access = state.issue_access_token(client_id, row["selling_partner_id"], row["vendor_code"])
        return json_response({"access_token": access, "refresh_token": refresh, "token_type": "bearer",
                              "expires_in": ttl}, headers=_NO_STORE)
    if grant == "client_credentials":
        scope = form.get("scope", "")
        if not scope:
            return lwa_error(400, "invalid_request", "The request is missing a required parameter : scope")
        if any(s not in GRANTLESS_SCOPES for s in scope.split()):
            return lwa_error(400, "invalid_scope", "An unknown scope was requested")
        access = state.issue_access_token(client_id, None, None, scope)
        return json_response({"access_token": access, "scope": scope, "token_type": "bearer",
                              "expires_in": ttl}, headers=_NO_STORE)
    return lwa_error(400, "unsupported_grant_type", f"The grant type {grant!r} is not supported.")


def authenticate(state: SandboxState, request: Request, *, force_expired: bool = False) -> Principal:
    """The principal behind `x-amz-access-token`; SpApiError 403 (Amazon's body) otherwise."""
    token = request.headers.get("x-amz-access-token", "")
    if not token:
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                         "Access token is missing in the request header.")
    row = state.store.token(token, "access")
    if row is None:
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                         "The access token you provided is revoked, malformed or invalid.")
    if force_expired or (row["expires_at"] is not None and row["expires_at"] < state.clock.now()):
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                         "The access token you provided has expired.")
    return Principal(row["client_id"], row["selling_partner_id"], row["vendor_code"], row["scope"])
