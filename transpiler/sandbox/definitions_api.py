"""Product Type Definitions API 2020-09-01, plus the schema downloads its links point at.

Links are presigned URLs on the sandbox (valid seven days, like Amazon's) whose checksum is the
Base64 MD5 of the exact bytes served. `corrupt_schema` faults damage a download so clients
must check that checksum.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from transpiler.amazon.definitions import md5_base64
from transpiler.amazon.meta_schema import meta_schema
from transpiler.sandbox.gateway import csv_param, operation, query_value
from transpiler.sandbox.responses import SpApiError, json_response, not_found
from transpiler.sandbox.state import Principal, SandboxState

META_SCHEMA_PATH = "/_schemas/meta-schema/v1"


def _meta_schema_bytes() -> bytes:
    import json

    return json.dumps(meta_schema(), ensure_ascii=False, indent=2).encode("utf-8")


@operation("searchDefinitionsProductTypes")
async def search(request: Request, state: SandboxState, principal: Principal) -> Response:
    # the parameters were checked against the model (enums, counts, keywords xor itemName) by the gateway
    marketplaces = csv_param(request, "marketplaceIds")
    keywords = csv_param(request, "keywords")
    item_name = request.query_params.get("itemName")
    words = [w.lower() for w in keywords] or [w.lower() for w in (item_name or "").split() if len(w) > 2]
    found = []
    for marketplace_id in marketplaces:
        for entry in state.product_types.entries(marketplace_id):
            haystack = f"{entry.name} {entry.display_name}".lower().replace("_", " ")
            if not words or any(w in haystack for w in words):
                found.append({"name": entry.name, "displayName": entry.display_name,
                              "marketplaceIds": [marketplace_id]})
    return json_response({"productTypes": found, "productTypeVersion": "LATEST"})


@operation("getDefinitionsProductType")
async def get_definition(request: Request, state: SandboxState, principal: Principal) -> Response:
    name = request.path_params["productType"]
    marketplaces = csv_param(request, "marketplaceIds")
    requirements = query_value(request, "requirements", "LISTING")
    enforced = query_value(request, "requirementsEnforced", "ENFORCED")
    locale = query_value(request, "locale", "DEFAULT")
    version = request.query_params.get("productTypeVersion", "LATEST")
    seller_id = request.query_params.get("sellerId")
    if seller_id is not None and seller_id != principal.vendor_code:
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                         f"sellerId {seller_id!r} is not the authorized selling partner.")
    marketplace_id = marketplaces[0]
    entry = state.product_types.get(name, marketplace_id)
    if entry is None:
        raise not_found(f"Product type '{name}' not found for marketplace '{marketplace_id}'.")
    if version not in {"LATEST", "RELEASE_CANDIDATE", entry.version}:
        raise not_found(f"Version '{version}' of product type '{name}' not found.")
    not_enforced = enforced == "NOT_ENFORCED"
    schema_path = f"/_schemas/{marketplace_id}/{entry.name}" + ("/not-enforced" if not_enforced else "")
    ttl = state.settings.schema_url_ttl
    envelope = {
        "metaSchema": {"link": {"resource": state.sign(META_SCHEMA_PATH, ttl), "verb": "GET"},
                       "checksum": md5_base64(_meta_schema_bytes())},
        "schema": {"link": {"resource": state.sign(schema_path, ttl), "verb": "GET"},
                   "checksum": state.product_types.checksum(entry, enforced=not not_enforced)},
        "requirements": requirements,
        "requirementsEnforced": enforced,
        "propertyGroups": entry.envelope.get("propertyGroups") or {},
        "locale": entry.locale if locale == "DEFAULT" else locale,
        "marketplaceIds": [marketplace_id],
        "productType": entry.name,
        "displayName": entry.display_name,
        "productTypeVersion": {"version": entry.version, "latest": True, "releaseCandidate": False},
    }
    return json_response(envelope)


async def download_schema(request: Request) -> Response:
    """A presigned schema download (no SP-API auth, like Amazon's S3 links)."""
    state: SandboxState = request.app.state.sandbox
    problem = state.verify(request.url.path, request.query_params.get("X-Amz-Expires"),
                           request.query_params.get("X-Amz-Signature"))
    if problem:
        return _access_denied(problem)
    if request.url.path == META_SCHEMA_PATH:
        data = _meta_schema_bytes()
    else:
        marketplace_id = request.path_params["marketplaceId"]
        entry = state.product_types.get(request.path_params["productType"], marketplace_id)
        if entry is None:
            return Response(b"<Error><Code>NoSuchKey</Code></Error>", 404, media_type="application/xml")
        data = state.product_types.schema_bytes(entry, enforced=not request.url.path.endswith("/not-enforced"))
    faults = state.faults
    if faults.corrupt_schema and faults.applies_to("downloadSchema") and faults.draw(faults.corrupt_schema):
        data = data[: len(data) // 2]
    return Response(data, media_type="application/json")


def _access_denied(reason: str) -> Response:
    body = f"<Error><Code>AccessDenied</Code><Message>{reason}</Message></Error>".encode()
    return Response(body, 403, media_type="application/xml")
