"""Listings Items API 2021-08-01 for vendors: PUT, PATCH, GET, DELETE and search.

`sellerId` must be the authorized vendor code (letters and digits, as Vendor Central shows it; Amazon
documents no fixed length); the selling partner id (`amzn1.vg…`) is refused with Amazon's "Invalid
'sellerId' and 'marketplaceId' combination". `LISTING_OFFER_ONLY` is a seller-only requirement set
and is refused, as Amazon refuses it for vendors.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from transpiler.amazon.usage_plans import patched_attributes, update_cases
from transpiler.sandbox.families import parent_sku
from transpiler.sandbox.gateway import csv_param, operation, query_value, throttle_cases
from transpiler.sandbox.issues import UNKNOWN_PRODUCT_TYPE, make_issue
from transpiler.sandbox.listings import Listings
from transpiler.sandbox.product_types import MARKETPLACE_LOCALES
from transpiler.sandbox.request_body import json_body
from transpiler.sandbox.responses import SpApiError, bad_request, json_response, not_found
from transpiler.sandbox.state import Principal, SandboxState

VENDOR_CODE = re.compile(r"^[A-Za-z0-9]{1,64}$")
REQUIREMENTS = {"LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"}
MAX_SKU_LENGTH = 40


def check_seller(seller_id: str, principal: Principal) -> None:
    """400 for a malformed vendor code, 403 for someone else's."""
    if not VENDOR_CODE.match(seller_id):
        raise bad_request("Invalid 'sellerId' and 'marketplaceId' combination provided.",
                          "A vendor's sellerId is its vendor code (letters and digits), not its selling partner id.")
    if seller_id != principal.vendor_code:
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.",
                         f"The access token does not authorize sellerId {seller_id!r}.")


def _common(request: Request, principal: Principal) -> tuple[str, str, str, str]:
    seller_id, sku = request.path_params["sellerId"], request.path_params["sku"]
    check_seller(seller_id, principal)
    if not sku or len(sku) > MAX_SKU_LENGTH:
        raise bad_request(f"Invalid 'sku': 1 to {MAX_SKU_LENGTH} characters.")
    marketplace_id = csv_param(request, "marketplaceIds")[0]  # required (and counted) per the model
    return seller_id, sku, marketplace_id, issue_locale(request, marketplace_id)


def issue_locale(request: Request, marketplace_id: str) -> str:
    """`issueLocale`, defaulting to the marketplace's language as Amazon does (fr_FR on Amazon.fr)."""
    return request.query_params.get("issueLocale") or MARKETPLACE_LOCALES.get(marketplace_id, "en_US")


def _mode(request: Request) -> bool:
    return query_value(request, "mode") == "VALIDATION_PREVIEW"


def _entry(state: SandboxState, product_type: Any, marketplace_id: str, sku: str, locale: str) -> Any:
    entry = state.product_types.get(str(product_type), marketplace_id)
    if entry is None:
        issue = make_issue(UNKNOWN_PRODUCT_TYPE, locale, product_type=product_type, marketplace_id=marketplace_id)
        return None, json_response({"sku": sku, "status": "INVALID", "submissionId": "0" * 32, "issues": [issue]})
    return entry, None


@operation("putListingsItem")
async def put_item(request: Request, state: SandboxState, principal: Principal) -> Response:
    seller_id, sku, marketplace_id, locale = _common(request, principal)
    included = csv_param(request, "includedData") or ["issues"]
    preview = _mode(request)
    body = await json_body(request, state)
    if not isinstance(body, dict) or not isinstance(body.get("productType"), str) or not isinstance(
            body.get("attributes"), dict):
        raise bad_request("The request body must be a ListingsItemPutRequest: productType (string) and "
                          "attributes (object) are required.")
    requirements = body.get("requirements", "LISTING")
    if requirements not in REQUIREMENTS:
        raise bad_request(f"Invalid 'requirements' value {requirements!r}.")
    if requirements == "LISTING_OFFER_ONLY":
        raise bad_request("Invalid 'requirements' provided: LISTING_OFFER_ONLY is not available to vendors.",
                          "Vendors submit product facts with LISTING or LISTING_PRODUCT_ONLY.")
    throttle_cases(state, principal, "putListingsItem", update_cases(body["attributes"]))
    entry, invalid = _entry(state, body["productType"], marketplace_id, sku, locale)
    if invalid:
        return invalid
    submission = Listings(state).put(seller_id, sku, marketplace_id, entry, requirements, body["attributes"],
                                     preview=preview, locale=locale)
    return json_response(submission.response(included))


@operation("patchListingsItem")
async def patch_item(request: Request, state: SandboxState, principal: Principal) -> Response:
    seller_id, sku, marketplace_id, locale = _common(request, principal)
    included = csv_param(request, "includedData") or ["issues"]
    preview = _mode(request)
    body = await json_body(request, state)
    patches = body.get("patches") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("productType"), str) or not isinstance(
            patches, list) or not patches:
        raise bad_request("The request body must be a ListingsItemPatchRequest: productType (string) and "
                          "patches (non-empty array) are required.")
    for patch in patches:
        if not isinstance(patch, dict) or patch.get("op") not in {"add", "replace", "merge", "delete"} or not (
                isinstance(patch.get("path"), str)) or ("value" in patch and not isinstance(patch["value"], list)):
            raise bad_request("Each patch needs op (add, replace, merge or delete), path (string) and, when given, "
                              "value (array).")
    throttle_cases(state, principal, "patchListingsItem", update_cases(patched_attributes(patches)))
    entry, invalid = _entry(state, body["productType"], marketplace_id, sku, locale)
    if invalid:
        return invalid
    submission = Listings(state).patch(seller_id, sku, marketplace_id, entry, patches, preview=preview,
                                       locale=locale)
    return json_response(submission.response(included))


@operation("deleteListingsItem")
async def delete_item(request: Request, state: SandboxState, principal: Principal) -> Response:
    seller_id, sku, marketplace_id, _ = _common(request, principal)
    return json_response(Listings(state).delete(seller_id, sku, marketplace_id).response(["issues"]))


@operation("getListingsItem")
async def get_item(request: Request, state: SandboxState, principal: Principal) -> Response:
    seller_id, sku, marketplace_id, locale = _common(request, principal)
    included = csv_param(request, "includedData") or ["summaries"]
    listing = state.store.listing(seller_id, sku)
    if listing is None or listing["marketplace_id"] != marketplace_id:
        raise not_found(f"SKU '{sku}' not found in marketplace {marketplace_id}.")
    return json_response(Listings(state).item(listing, included, locale))


@operation("searchListingsItems")
async def search_items(request: Request, state: SandboxState, principal: Principal) -> Response:
    seller_id = request.path_params["sellerId"]
    check_seller(seller_id, principal)
    marketplace_id = csv_param(request, "marketplaceIds")[0]
    locale = issue_locale(request, marketplace_id)
    included = csv_param(request, "includedData") or ["summaries"]
    identifiers = csv_param(request, "identifiers")  # at most 20, with identifiersType (the model's rules)
    kind = query_value(request, "identifiersType")
    severities = set(csv_param(request, "withIssueSeverity"))
    with_status = set(csv_param(request, "withStatus"))
    without_status = set(csv_param(request, "withoutStatus"))
    page_size = int(query_value(request, "pageSize", "10") or 10)
    token = query_value(request, "pageToken", "0") or "0"
    if not token.isdigit() or int(token) > 10_000_000:
        raise bad_request("Invalid 'pageToken': use a token from a previous answer.")
    offset = int(token)
    service = Listings(state)
    family = query_value(request, "variationParentSku")  # never with identifiers (the model's rule)
    if identifiers and kind == "SKU":
        listings = state.store.listings_by_skus(seller_id, identifiers)
    else:
        listings = state.store.listings(seller_id)
        if identifiers:
            listings = [x for x in listings if _identifier_values(x, kind or "SKU") & set(identifiers)]
    listings = [x for x in listings if x["marketplace_id"] == marketplace_id
                and (not family or parent_sku(x["attributes"]) == family)
                and (not severities or severities & {i["severity"] for i in x.get("issues", [])})
                and (not with_status or with_status & set(Listings.status(x)))
                and not (without_status & set(Listings.status(x)))]
    page = listings[offset:offset + page_size]
    body: dict[str, Any] = {"numberOfResults": len(listings),
                            "items": [service.item(x, included, locale) for x in page]}
    pagination = {}
    if offset + page_size < len(listings):
        pagination["nextToken"] = str(offset + page_size)
    if offset > 0:
        pagination["previousToken"] = str(max(0, offset - page_size))
    if pagination:
        body["pagination"] = pagination
    return json_response(body)


def _identifier_values(listing: dict[str, Any], kind: str) -> set[str]:
    if kind == "SKU":
        return {listing["sku"]}
    if kind == "ASIN":
        return {listing["asin"]} if listing.get("asin") else set()
    values = set()
    for entry in listing["attributes"].get("externally_assigned_product_identifier", []) or []:
        if isinstance(entry, dict) and str(entry.get("type", "")).upper() in {kind, "EAN" if kind == "GTIN" else kind}:
            values.add(str(entry.get("value")))
    return values
