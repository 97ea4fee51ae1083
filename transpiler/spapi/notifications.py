"""Notifications API v1: an Amazon SQS destination and the listings subscriptions that feed it.

Amazon pushes `LISTINGS_ITEM_STATUS_CHANGE` and `LISTINGS_ITEM_ISSUES_CHANGE` to a destination (an
SQS queue the app owns) for each selling partner subscribed. Destinations (and subscriptions by id)
belong to the app: those operations are grantless, with an LWA token of scope
`sellingpartnerapi::notifications`; creating or reading a subscription acts for the selling
partner, with its own token (Amazon's Notifications model and use case guide). Answers wrap their
data in `payload`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from transpiler.errors import AmazonError
from transpiler.spapi.auth import LwaAuth
from transpiler.spapi.transport import AmazonResponse, Transport

BASE = "/notifications/v1"
SCOPE = "sellingpartnerapi::notifications"
STATUS_CHANGE = "LISTINGS_ITEM_STATUS_CHANGE"
ISSUES_CHANGE = "LISTINGS_ITEM_ISSUES_CHANGE"
#: the payload version to subscribe with (ISSUES_CHANGE 1.0 was retired on 2024-09-25 for 2023-12-13)
PAYLOAD_VERSIONS = {STATUS_CHANGE: "1.0", ISSUES_CHANGE: "2023-12-13"}


class NotificationsClient:
    """Destinations (grantless) and subscriptions (the selling partner's) of the Notifications API."""

    def __init__(self, transport: Transport, grantless: LwaAuth):
        self.transport = transport
        self.grantless = grantless

    # -- destinations: the app's, grantless ----------------------------------------------------
    def create_destination(self, name: str, sqs_arn: str) -> dict[str, Any]:
        """A destination for an SQS queue (`arn:aws:sqs:<region>:<account>:<name>`); returns it."""
        body = {"name": name, "resourceSpecification": {"sqs": {"arn": sqs_arn}}}
        answer = self.transport.request("createDestination", "POST", f"{BASE}/destinations", body=body,
                                        auth=self.grantless)
        return dict(answer.get("payload") or {})

    def get_destinations(self) -> list[dict[str, Any]]:
        answer = self.transport.request("getDestinations", "GET", f"{BASE}/destinations", auth=self.grantless)
        return [dict(d) for d in answer.get("payload") or ()]

    def delete_destination(self, destination_id: str) -> AmazonResponse:
        return self.transport.request("deleteDestination", "DELETE",
                                      f"{BASE}/destinations/{quote(destination_id, safe='')}", auth=self.grantless)

    def destination_for(self, sqs_arn: str, name: str) -> dict[str, Any]:
        """The app's destination for this queue: the existing one, else a new one (idempotent)."""
        for destination in self.get_destinations():
            if ((destination.get("resource") or {}).get("sqs") or {}).get("arn") == sqs_arn:
                return destination
        return self.create_destination(name, sqs_arn)

    # -- subscriptions -------------------------------------------------------------------------
    def create_subscription(self, notification_type: str, destination_id: str,
                            payload_version: str | None = None) -> dict[str, Any]:
        """Subscribe the selling partner to `notification_type` at the destination; returns the subscription."""
        body = {"payloadVersion": payload_version or PAYLOAD_VERSIONS.get(notification_type, "1.0"),
                "destinationId": destination_id}
        answer = self.transport.request("createSubscription", "POST",
                                        f"{BASE}/subscriptions/{quote(notification_type, safe='')}", body=body)
        return dict(answer.get("payload") or {})

    def get_subscription(self, notification_type: str) -> dict[str, Any] | None:
        """The selling partner's subscription to `notification_type`, or None."""
        try:
            answer = self.transport.request("getSubscription", "GET",
                                            f"{BASE}/subscriptions/{quote(notification_type, safe='')}")
        except AmazonError as exc:
            if exc.status == 404:
                return None
            raise
        return dict(answer.get("payload") or {})

    def delete_subscription(self, notification_type: str, subscription_id: str) -> AmazonResponse:
        return self.transport.request(
            "deleteSubscriptionById", "DELETE",
            f"{BASE}/subscriptions/{quote(notification_type, safe='')}/{quote(subscription_id, safe='')}",
            auth=self.grantless)

    def subscribe(self, notification_type: str, destination_id: str) -> dict[str, Any]:
        """The selling partner's subscription to `notification_type` at the destination (kept when it exists)."""
        current = self.get_subscription(notification_type)
        if current is not None and current.get("destinationId") == destination_id:
            return current
        if current is not None:
            self.delete_subscription(notification_type, str(current["subscriptionId"]))
        return self.create_subscription(notification_type, destination_id)
