"""Listings Items API v2021-08-01: put, patch, get and delete one listing by SKU; search by SKUs.

Each call names the usage-plan cases it falls under (a preview, relationship or product data
updates) so the rate limiter takes a token from every bucket Amazon applies to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from transpiler.amazon.usage_plans import PREVIEW, patched_attributes, update_cases
from transpiler.spapi.transport import AmazonResponse, Transport

BASE = "/listings/2021-08-01/items"
PREVIEW_MODE = "VALIDATION_PREVIEW"
#: searchListingsItems: at most 20 identifiers per call (the model's maxItems), 20 results per page
SEARCH_BATCH = 20


class ListingsClient:
    """One seller's (vendor code's) listings on one marketplace. Bodies and answers are Amazon's JSON."""

    def __init__(self, transport: Transport, *, seller_id: str, marketplace_id: str, locale: str):
        self.transport = transport
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self.locale = locale

    def _path(self, sku: str, seller_id: str | None) -> str:
        seller = seller_id or self.seller_id
        if not seller:
            from transpiler.errors import ConfigError

            raise ConfigError("the Listings Items API needs the vendor code: set PL_AMAZON_SELLER_ID")
        return f"{BASE}/{quote(seller, safe='')}/{quote(sku, safe='')}"

    def put_listings_item(
        self,
        sku: str,
        body: Mapping[str, Any],
        *,
        mode: str | None = None,
        included_data: Sequence[str] | None = None,
        issue_locale: str | None = None,
        seller_id: str | None = None,
    ) -> AmazonResponse:
        """Create or fully replace a listing (`mode="VALIDATION_PREVIEW"` validates without saving)."""
        return self._write("putListingsItem", "PUT", sku, body, mode, included_data, issue_locale, seller_id)

    def patch_listings_item(
        self,
        sku: str,
        body: Mapping[str, Any],
        *,
        mode: str | None = None,
        included_data: Sequence[str] | None = None,
        issue_locale: str | None = None,
        seller_id: str | None = None,
    ) -> AmazonResponse:
        """Apply `{"productType", "patches": [...]}` to an existing listing (top-level attributes only)."""
        return self._write("patchListingsItem", "PATCH", sku, body, mode, included_data, issue_locale, seller_id)

    def _write(
        self,
        operation: str,
        method: str,
        sku: str,
        body: Mapping[str, Any],
        mode: str | None,
        included_data: Sequence[str] | None,
        issue_locale: str | None,
        seller_id: str | None,
    ) -> AmazonResponse:
        if method == "PATCH":
            touched = patched_attributes(body.get("patches") or ())
        else:
            touched = list(body.get("attributes") or {})
        cases = ((PREVIEW,) if mode == PREVIEW_MODE else ()) + update_cases(touched)
        return self.transport.request(
            operation,
            method,
            self._path(sku, seller_id),
            params=self._params(mode, included_data, issue_locale),
            body=dict(body),
            cases=cases,
        )

    def get_listings_item(
        self,
        sku: str,
        *,
        included_data: Sequence[str] | None = ("summaries", "issues"),
        issue_locale: str | None = None,
        seller_id: str | None = None,
    ) -> AmazonResponse:
        """The listing with the requested `includedData` (summaries, attributes, issues, procurement...)."""
        return self.transport.request(
            "getListingsItem",
            "GET",
            self._path(sku, seller_id),
            params=self._params(None, included_data, issue_locale),
        )

    def delete_listings_item(
        self, sku: str, *, issue_locale: str | None = None, seller_id: str | None = None
    ) -> AmazonResponse:
        """Delete the listing of `sku` on the marketplace."""
        return self.transport.request(
            "deleteListingsItem",
            "DELETE",
            self._path(sku, seller_id),
            params=self._params(None, None, issue_locale),
        )

    def search_listings_items(
        self,
        *,
        identifiers: Sequence[str] | None = None,
        identifiers_type: str | None = None,
        included_data: Sequence[str] | None = ("summaries",),
        with_issue_severity: Sequence[str] | None = None,
        with_status: Sequence[str] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        issue_locale: str | None = None,
        seller_id: str | None = None,
    ) -> AmazonResponse:
        """One page of the seller's listings (`items`, `numberOfResults`, `pagination.nextToken`).

        `identifiers` (at most 20) with `identifiers_type` (`SKU`, `ASIN`, `EAN`...) filter by
        identifier; `with_issue_severity` (`ERROR`, `WARNING`) and `with_status` (`BUYABLE`,
        `DISCOVERABLE`) filter by state.
        """
        seller = seller_id or self.seller_id
        if not seller:
            from transpiler.errors import ConfigError

            raise ConfigError("the Listings Items API needs the vendor code: set PL_AMAZON_SELLER_ID")
        if identifiers is not None and len(identifiers) > SEARCH_BATCH:
            raise ValueError(f"searchListingsItems takes at most {SEARCH_BATCH} identifiers per call")
        params = self._params(None, included_data, issue_locale)
        params.update({
            "identifiers": list(identifiers) if identifiers else None,
            "identifiersType": identifiers_type if identifiers else None,
            "withIssueSeverity": list(with_issue_severity) if with_issue_severity else None,
            "withStatus": list(with_status) if with_status else None,
            "pageSize": page_size,
            "pageToken": page_token,
        })
        return self.transport.request("searchListingsItems", "GET", f"{BASE}/{quote(seller, safe='')}",
                                      params=params)

    def find_skus(self, skus: Sequence[str], *, included_data: Sequence[str] = ("summaries",),
                  issue_locale: str | None = None) -> dict[str, dict[str, Any]]:
        """The listings Amazon holds among `skus`, by SKU, read 20 at a time (searchListingsItems)."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(skus))
        for start in range(0, len(unique), SEARCH_BATCH):
            batch = unique[start:start + SEARCH_BATCH]
            token: str | None = None
            seen: set[str] = set()  # a token Amazon gives twice would loop for ever
            while True:
                page = self.search_listings_items(identifiers=batch, identifiers_type="SKU",
                                                  included_data=included_data, page_size=SEARCH_BATCH,
                                                  page_token=token, issue_locale=issue_locale)
                for item in page.get("items") or ():
                    if isinstance(item, Mapping) and item.get("sku") in batch:
                        found[str(item["sku"])] = dict(item)
                pagination = page.get("pagination")
                token = pagination.get("nextToken") if isinstance(pagination, Mapping) else None
                if not isinstance(token, str) or not token or token in seen:
                    break
                seen.add(token)
        return found

    def _params(
        self, mode: str | None, included_data: Sequence[str] | None, issue_locale: str | None
    ) -> dict[str, Any]:
        return {
            "marketplaceIds": [self.marketplace_id],
            "mode": mode,
            "includedData": list(included_data) if included_data else None,
            "issueLocale": issue_locale or self.locale,
        }
