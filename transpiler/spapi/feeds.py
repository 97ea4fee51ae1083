"""Feeds API v2021-06-30: the JSON_LISTINGS_FEED round trip (document, upload, feed, report)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from transpiler.amazon.usage_plans import JSON_LISTINGS_FEED
from transpiler.spapi.errors import UnreadableDocumentError
from transpiler.spapi.transport import AmazonResponse, Transport

BASE = "/feeds/2021-06-30"
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"


class FeedsClient:
    """createFeedDocument → upload → createFeed → getFeed (poll) → getFeedDocument → download."""

    def __init__(self, transport: Transport, *, marketplace_id: str):
        self.transport = transport
        self.marketplace_id = marketplace_id

    def create_feed_document(self, content_type: str = JSON_CONTENT_TYPE) -> AmazonResponse:
        """`{"feedDocumentId", "url"}`: where to upload the feed (the URL expires after 5 minutes)."""
        return self.transport.request(
            "createFeedDocument", "POST", f"{BASE}/documents", body={"contentType": content_type}
        )

    def upload(self, url: str, content: bytes, content_type: str = JSON_CONTENT_TYPE) -> None:
        """PUT the feed bytes to the document URL, with the content type given to create_feed_document."""
        self.transport.upload(url, content, content_type, operation="uploadFeedDocument")

    def create_feed(
        self,
        input_feed_document_id: str,
        feed_type: str = "JSON_LISTINGS_FEED",
        *,
        marketplace_ids: Sequence[str] | None = None,
        feed_options: Mapping[str, str] | None = None,
    ) -> AmazonResponse:
        """`{"feedId"}` of the new feed."""
        body: dict[str, Any] = {
            "feedType": feed_type,
            "marketplaceIds": list(marketplace_ids or [self.marketplace_id]),
            "inputFeedDocumentId": input_feed_document_id,
        }
        if feed_options:
            body["feedOptions"] = dict(feed_options)
        cases = (JSON_LISTINGS_FEED,) if feed_type == JSON_LISTINGS_FEED else ()
        return self.transport.request("createFeed", "POST", f"{BASE}/feeds", body=body, cases=cases)

    def get_feed(self, feed_id: str) -> AmazonResponse:
        """The Feed: `processingStatus` (IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL), `resultFeedDocumentId`."""
        return self.transport.request("getFeed", "GET", f"{BASE}/feeds/{quote(feed_id, safe='')}")

    def get_feeds(self, feed_types: Sequence[str] = (JSON_LISTINGS_FEED,), *, created_since: str | None = None,
                  page_size: int = 100) -> list[dict[str, Any]]:
        """Every Feed of these types for this marketplace created since `created_since` (ISO 8601),
        all pages read (getFeeds: a few calls per minute, so ask for a narrow time window)."""
        params: dict[str, Any] = {"feedTypes": ",".join(feed_types), "marketplaceIds": self.marketplace_id,
                                  "pageSize": page_size}
        if created_since:
            params["createdSince"] = created_since
        feeds: list[dict[str, Any]] = []
        seen: set[str] = set()  # a token Amazon gives twice would loop for ever
        while True:
            page = self.transport.request("getFeeds", "GET", f"{BASE}/feeds", params=params)
            feeds.extend(dict(f) for f in page.get("feeds") or () if isinstance(f, Mapping))
            token = page.get("nextToken")
            if not isinstance(token, str) or not token or token in seen:
                return feeds
            seen.add(token)
            params = {"nextToken": token}

    def get_feed_document(self, feed_document_id: str) -> AmazonResponse:
        """`{"feedDocumentId", "url", "compressionAlgorithm"?}` of a (result) document."""
        return self.transport.request(
            "getFeedDocument", "GET", f"{BASE}/documents/{quote(feed_document_id, safe='')}"
        )

    def download(self, document: Mapping[str, Any] | str, compression: str | None = None) -> bytes:
        """The bytes of a feed document (a getFeedDocument answer or its URL), gunzipped when GZIP.

        Raises UnreadableDocumentError when the answer has no link or the bytes are not the GZIP announced.
        """
        if isinstance(document, Mapping):
            if not isinstance(document.get("url"), str):
                raise UnreadableDocumentError("the feed document", "Amazon's answer gives no download link")
            url = str(document["url"])
            compression = compression or document.get("compressionAlgorithm")
        else:
            url = document
        data = self.transport.download(url, operation="downloadFeedDocument")
        if compression and str(compression).upper() == "GZIP":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                raise UnreadableDocumentError("the feed document", f"not the GZIP announced ({exc})") from None
        return data
