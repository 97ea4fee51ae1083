"""Amazon's usage plans: the rate limits in force, one row per operation or special case, each with its page.

The OpenAPI models still print older numbers (PUT/GET burst 10, definitions burst 10); Amazon's
current rate-limit pages give a burst of 5, a second limit per application (every selling partner
of the app together), one request per second for `VALIDATION_PREVIEW`, limits per application for
relationship and product-data updates, and a quota of five JSON_LISTINGS_FEED submissions per five
minutes. Both the client (to pace itself) and the sandbox (to throttle like Amazon) read this
table; docs/client.md prints it.

A request is limited by every row that applies to it, whichever is reached first: the operation's
own row, plus the rows of its cases (a preview, an update carrying relationship or product data
attributes, a createFeed of type JSON_LISTINGS_FEED).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LISTINGS_PAGE = "https://developer-docs.amazon.com/sp-api/docs/listings-items-api-rate-limits"
DEFINITIONS_PAGE = "https://developer-docs.amazon.com/sp-api/docs/product-type-definitions-api-rate-limits"
FEEDS_PAGE = "https://developer-docs.amazon.com/sp-api/docs/feeds-api-rate-limits"
PREVIEW_PAGE = ("https://developer-docs.amazon.com/sp-api/changelog/"
                "update-listings-items-api-v2021-08-01-now-supports-previewing-errors")
JSON_FEED_PAGE = ("https://developer-docs.amazon.com/sp-api/changelog/"
                  "update-feed-size-and-rate-limit-changes-for-the-json_listings_feed")
GRANULAR_PAGE = ("https://developer-docs.amazon.com/sp-api/changelog/"
                 "update-listings-items-api-now-returns-granular-rate-limit-throttle-messages")
LISTINGS_MODEL = "amzn/selling-partner-api-models models/listings-items-api-model/listingsItems_2021-08-01.json"
NOTIFICATIONS_MODEL = "amzn/selling-partner-api-models models/notifications-api-model/notifications.json"

#: the cases a request can fall in besides its operation's own limit
PREVIEW = "preview"  # mode=VALIDATION_PREVIEW
RELATIONSHIPS = "relationships"  # child_parent_sku_relationship / package_contains_sku in the update
PRODUCT_DATA = "product data"  # product data attributes (for example item_name) in a patch
JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"  # createFeed with that feed type

#: attributes whose update counts against the relationship limits (the Listings rate-limit page)
RELATIONSHIP_ATTRIBUTES = frozenset({"child_parent_sku_relationship", "package_contains_sku"})

#: Amazon's 429 messages (Listings rate-limit page, "Throttle error messages")
QUOTA_MESSAGE = "You exceeded your quota for the requested resource."
APPLICATION_MESSAGE = "The frequency of requests was greater than what is allowed for the application."
RELATIONSHIPS_MESSAGE = "The frequency of requests was greater than what is allowed for relationships."
PRODUCT_DATA_MESSAGE = "The frequency of requests was greater than what is allowed for product data."


@dataclass(frozen=True)
class UsagePlan:
    """One documented limit.

    `rate` (requests per second) and `burst` apply to each selling partner of the app (Amazon's
    "account-application pair"); `application_rate` to every selling partner of the app together.
    Either can be None when the page documents only the other. `message` is the 429 text Amazon
    sends when the application limit is hit.
    """

    operation: str
    case: str | None
    rate: float | None
    burst: int
    application_rate: float | None
    source: str
    message: str = APPLICATION_MESSAGE

    @property
    def application_burst(self) -> int:
        """Bucket size of the application limit: not documented; one second of its rate (at least the burst)."""
        return max(self.burst, int(self.application_rate or 0))

    @property
    def key(self) -> str:
        """`operation` or `operation:case`: the name of this limit's token bucket."""
        return f"{self.operation}:{self.case}" if self.case else self.operation


def _row(operation: str, rate: float | None, burst: int, application_rate: float | None, source: str,
         case: str | None = None, message: str = APPLICATION_MESSAGE) -> UsagePlan:
    return UsagePlan(operation, case, rate, burst, application_rate, source, message)


USAGE_PLANS: tuple[UsagePlan, ...] = (
    # Listings Items API v2021-08-01: 5 per account-application pair, burst 5, per application 100 (500 patch)
    _row("getListingsItem", 5.0, 5, 100.0, LISTINGS_PAGE),
    _row("putListingsItem", 5.0, 5, 100.0, LISTINGS_PAGE),
    _row("patchListingsItem", 5.0, 5, 500.0, LISTINGS_PAGE),
    _row("deleteListingsItem", 5.0, 5, 100.0, LISTINGS_PAGE),
    # not on the rate-limit page: the model's usage plan, no application limit documented
    _row("searchListingsItems", 5.0, 5, None, LISTINGS_MODEL),
    # VALIDATION_PREVIEW: "a throttling rate of one request per second" on put and patch (no burst given:
    # one request), and previews of patches at most 20 per second per application
    _row("putListingsItem", 1.0, 1, None, PREVIEW_PAGE, PREVIEW),
    _row("patchListingsItem", 1.0, 1, 20.0, PREVIEW_PAGE + " ; " + LISTINGS_PAGE, PREVIEW),
    # updates carrying relationship attributes: 25 (put) and 5 (patch) per second per application
    _row("putListingsItem", None, 5, 25.0, LISTINGS_PAGE, RELATIONSHIPS, RELATIONSHIPS_MESSAGE),
    _row("patchListingsItem", None, 5, 5.0, LISTINGS_PAGE, RELATIONSHIPS, RELATIONSHIPS_MESSAGE),
    # patches carrying product data attributes: 100 per second per application
    _row("patchListingsItem", None, 5, 100.0, LISTINGS_PAGE, PRODUCT_DATA, PRODUCT_DATA_MESSAGE),
    # Product Type Definitions API v2020-09-01: 5, burst 5, per application 100
    _row("getDefinitionsProductType", 5.0, 5, 100.0, DEFINITIONS_PAGE),
    _row("searchDefinitionsProductTypes", 5.0, 5, 100.0, DEFINITIONS_PAGE),
    # Feeds API v2021-06-30: no application limit ("Not applicable")
    _row("createFeedDocument", 0.5, 15, None, FEEDS_PAGE),
    _row("createFeed", 0.0083, 15, None, FEEDS_PAGE),
    _row("getFeed", 2.0, 15, None, FEEDS_PAGE),
    _row("getFeeds", 0.0222, 10, None, FEEDS_PAGE),
    _row("cancelFeed", 2.0, 15, None, FEEDS_PAGE),
    _row("getFeedDocument", 0.0222, 10, None, FEEDS_PAGE),
    # JSON_LISTINGS_FEED: five feed submissions per five minutes (since May 2025), besides createFeed's plan
    _row("createFeed", 5 / 300, 5, None, JSON_FEED_PAGE, JSON_LISTINGS_FEED),
    # Notifications API v1: 1 request per second, burst 5 (the model's usage plans)
    *(_row(op, 1.0, 5, None, NOTIFICATIONS_MODEL) for op in (
        "getSubscription", "createSubscription", "getSubscriptionById", "deleteSubscriptionById",
        "getDestinations", "createDestination", "getDestination", "deleteDestination")),
)

#: For an operation missing from the table: a cautious plan.
FALLBACK = UsagePlan("*", None, 1.0, 5, None, "fallback")

PLANS: Mapping[str, UsagePlan] = {plan.key: plan for plan in USAGE_PLANS}


def plan(operation: str, case: str | None = None) -> UsagePlan:
    """The row of `operation` (or of one of its cases); FALLBACK for an unknown operation."""
    key = f"{operation}:{case}" if case else operation
    found = PLANS.get(key)
    if found is None:
        return UsagePlan(operation, case, FALLBACK.rate if case is None else None, FALLBACK.burst, None,
                         FALLBACK.source)
    return found


def plans_for(operation: str, cases: Iterable[str] = ()) -> list[UsagePlan]:
    """Every row that limits a request: its operation's, then those of its documented cases."""
    rows = [plan(operation)]
    rows.extend(PLANS[f"{operation}:{case}"] for case in dict.fromkeys(cases) if f"{operation}:{case}" in PLANS)
    return rows


def update_cases(attributes: Iterable[str]) -> tuple[str, ...]:
    """The cases of a put/patch by the attributes it touches: relationships and/or product data."""
    names = set(attributes)
    cases = []
    if names & RELATIONSHIP_ATTRIBUTES:
        cases.append(RELATIONSHIPS)
    if names - RELATIONSHIP_ATTRIBUTES:
        cases.append(PRODUCT_DATA)
    return tuple(cases)


def patched_attributes(patches: Iterable[Any]) -> list[str]:
    """Top-level attribute names a JSON Patch touches (`/attributes/<name>`)."""
    names = []
    for patch in patches:
        path = patch.get("path") if isinstance(patch, Mapping) else None
        if isinstance(path, str) and path.startswith("/attributes/"):
            names.append(path.split("/")[2].replace("~1", "/").replace("~0", "~"))
    return names


def table_rows() -> list[dict[str, Any]]:
    """The table as plain rows (docs, `--json` outputs, tests)."""
    return [{"operation": p.operation, "case": p.case, "rate": p.rate, "burst": p.burst,
             "applicationRate": p.application_rate, "source": p.source} for p in USAGE_PLANS]
