"""Which SP-API role an operation needs (an app without it gets 403 Unauthorized).

The Listings Items, Product Type Definitions and JSON_LISTINGS_FEED (Feeds) operations need the
Product Listing role on the developer profile and on the app (Amazon's use case guides; the listings
feed type table: "Roles: Product Listing"). Notifications need no role of their own.
"""

from __future__ import annotations

PRODUCT_LISTING = "Product Listing"

PRODUCT_LISTING_OPERATIONS = frozenset({
    "createFeedDocument", "createFeed", "getFeed", "getFeeds", "cancelFeed", "getFeedDocument",
    "getListingsItem", "putListingsItem", "patchListingsItem", "deleteListingsItem", "searchListingsItems",
    "getDefinitionsProductType", "searchDefinitionsProductTypes",
})
