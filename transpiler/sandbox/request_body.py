"""Request bodies as Amazon takes them: bounded, and refused with a 4xx, never a 5xx.

A client's bad body is the client's problem: 415 for another content type, 413 when larger than
`max_body_bytes` (400 for the operations whose model declares no 413), and 400 `InvalidInput` with
Amazon's `ErrorList` when it is not JSON Amazon can read: not UTF-8, a syntax error, `NaN` or
`Infinity` (Python's json takes them, JSON has none), a number beyond binary64 (`1e400`, an
integer of thousands of digits), nesting deeper than `MAX_DEPTH`, a lone UTF-16 surrogate.
The body is read once per request and kept (`request.state.body`), so a slow sandbox (the
`latency` fault) has received it before it pauses, as a real server would.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect, Request

from transpiler.amazon.json_text import JsonTextError, read_json
from transpiler.sandbox.responses import SpApiError, bad_request
from transpiler.sandbox.state import SandboxState

#: Amazon's deepest request bodies (a listing's attributes inside a feed message) nest about ten levels.
MAX_DEPTH = 32


#: The operations whose model declares 413 (Listings Items, Product Type Definitions, and the
#: Feeds API's createFeedDocument); the others answer a body too large with 400.
DECLARE_413 = frozenset({"createFeedDocument", "deleteListingsItem", "getDefinitionsProductType", "getListingsItem",
                         "patchListingsItem", "putListingsItem", "searchDefinitionsProductTypes",
                         "searchListingsItems"})


def too_large(limit: int, operation: str | None) -> SpApiError:
    if operation is None or operation in DECLARE_413:
        return SpApiError(413, "RequestEntityTooLarge", f"The request body exceeds {limit} bytes.")
    return bad_request(f"The request body exceeds {limit} bytes.")


async def body_bytes(request: Request, state: SandboxState, operation: str | None = None) -> bytes:
    """The raw body of a call to `operation`, read at most once and never beyond `max_body_bytes`
    (413 where the operation's model declares it, else 400)."""
    kept = getattr(request.state, "body", None)
    if kept is not None:
        return bytes(kept)
    limit = state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit, operation)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large(limit, operation)
    except ClientDisconnect:  # nobody is left to answer; no error worth a 500 in the log
        raise bad_request("The client closed the connection before the whole body was sent.") from None
    request.state.body = bytes(body)
    return request.state.body


async def json_body(request: Request, state: SandboxState) -> Any:
    """The request's JSON body: 415 for another content type, 413 when too large, 400 when Amazon
    could not read it (see the module docstring)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise SpApiError(415, "UnsupportedMediaType",
                         f"Content type {content_type or '(none)'!r} is not supported; use application/json.")
    body = await body_bytes(request, state)
    try:
        document = read_json(body, max_depth=MAX_DEPTH)
    except JsonTextError as exc:
        raise bad_request("The request body is not valid JSON.", str(exc)) from None
    if document.bad_numbers:
        bad = document.bad_numbers[0]
        raise bad_request("The request body holds a number that is not valid JSON.",
                          f"{bad.pointer or '/'}: {bad.problem}")
    return document.value
