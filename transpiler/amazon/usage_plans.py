"""Amazon's documented usage plans (rate in requests per second, burst) per operation.

From the "Usage Plan" tables in the official OpenAPI models (definitionsProductTypes_2020-09-01,
listingsItems_2021-08-01, feeds_2021-06-30); tests check this table against those files. Both the
client (to pace itself) and the sandbox (to throttle like Amazon) read it.
"""

from __future__ import annotations

USAGE_PLANS: dict[str, tuple[float, int]] = {
    "searchDefinitionsProductTypes": (5.0, 10),
    "getDefinitionsProductType": (5.0, 10),
    "getListingsItem": (5.0, 10),
    "putListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "deleteListingsItem": (5.0, 5),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeeds": (0.0222, 10),
    "cancelFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
}
