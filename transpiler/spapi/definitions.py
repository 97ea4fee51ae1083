"""Product Type Definitions API v2020-09-01: search product types, get a definition, fetch its schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from transpiler.spapi.transport import AmazonResponse, Transport

BASE = "/definitions/2020-09-01/productTypes"


class DefinitionsClient:
    """`searchDefinitionsProductTypes`, `getDefinitionsProductType` and the schema link download."""

    def __init__(self, transport: Transport, *, marketplace_id: str, locale: str):
        self.transport = transport
        self.marketplace_id = marketplace_id
        self.locale = locale

    def search(
        self,
        keywords: Sequence[str] | str | None = None,
        *,
        item_name: str | None = None,
        marketplace_ids: Sequence[str] | None = None,
        locale: str | None = None,
        search_locale: str | None = None,
    ) -> AmazonResponse:
        """`{"productTypes": [{name, displayName, marketplaceIds}], "productTypeVersion": ...}`.

        Without keywords nor item name Amazon lists every product type of the marketplace.
        """
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        return self.transport.request(
            "searchDefinitionsProductTypes",
            "GET",
            BASE,
            params={
                "marketplaceIds": list(marketplace_ids or [self.marketplace_id]),
                "keywords": list(keywords) if keywords else None,
                "itemName": item_name,
                "locale": locale or self.locale,
                "searchLocale": search_locale,
            },
        )

    def get_definition(
        self,
        product_type: str,
        *,
        requirements: str = "LISTING",
        requirements_enforced: str | None = None,
        product_type_version: str | None = None,
        seller_id: str | None = None,
        marketplace_id: str | None = None,
        locale: str | None = None,
        parentage_level: str | None = None,
    ) -> AmazonResponse:
        """The ProductTypeDefinition envelope (schema and metaSchema links with their checksums)."""
        return self.transport.request(
            "getDefinitionsProductType",
            "GET",
            f"{BASE}/{_segment(product_type)}",
            params={
                "marketplaceIds": [marketplace_id or self.marketplace_id],
                "requirements": requirements,
                "requirementsEnforced": requirements_enforced,
                "productTypeVersion": product_type_version,
                "sellerId": seller_id,
                "locale": locale or self.locale,
                "parentageLevel": parentage_level,
            },
        )

    def download(self, link: Mapping[str, Any] | str) -> bytes:
        """The bytes behind a SchemaLink (`{"link": {"resource", "verb"}}`, the inner link, or a URL)."""
        if isinstance(link, Mapping):
            inner = link.get("link", link)
            verb = str(inner.get("verb", "GET")).upper()
            if verb != "GET":
                raise ValueError(f"schema links are fetched with GET, not {verb}")
            url = str(inner["resource"])
        else:
            url = link
        return self.transport.download(url, operation="downloadSchema")


def _segment(value: str) -> str:
    """A path segment, URL-encoded (SKUs and names may hold '/', '#', spaces...)."""
    from urllib.parse import quote

    return quote(value, safe="")
