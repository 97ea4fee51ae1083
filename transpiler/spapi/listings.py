"""Listings Items API v2021-08-01: put, patch, get and delete one listing by SKU."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from transpiler.spapi.transport import AmazonResponse, Transport

BASE = "/listings/2021-08-01/items"


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
        return self.transport.request(
            operation,
            method,
            self._path(sku, seller_id),
            params=self._params(mode, included_data, issue_locale),
            body=dict(body),
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

    def _params(
        self, mode: str | None, included_data: Sequence[str] | None, issue_locale: str | None
    ) -> dict[str, Any]:
        return {
            "marketplaceIds": [self.marketplace_id],
            "mode": mode,
            "includedData": list(included_data) if included_data else None,
            "issueLocale": issue_locale or self.locale,
        }
