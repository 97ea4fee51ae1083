"""Amazon's listings notifications as the sandbox sends them: to the SQS queues of the subscriptions.

When Amazon's processing changes a listing's status (`DISCOVERABLE`, `BUYABLE`) or its issues, every
subscription of that selling partner to `LISTINGS_ITEM_STATUS_CHANGE` / `LISTINGS_ITEM_ISSUES_CHANGE`
gets a notification shaped like Amazon's schemas (ListingsItemStatusChangeNotification,
ListingsItemIssuesChangeNotification 2023-12-13): `NotificationVersion`, `NotificationType`,
`PayloadVersion`, `EventTime`, `Payload` and `NotificationMetadata`. Each is recorded (admin
endpoint `GET /_sandbox/notifications`) and, when the sandbox knows an SQS endpoint
(`sqs_endpoint`, e.g. a local moto server), sent to the destination's queue with boto3: the message
body is the notification JSON, as Amazon delivers it.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from transpiler.sandbox.state import SandboxState

log = logging.getLogger("transpiler.sandbox")

STATUS_CHANGE = "LISTINGS_ITEM_STATUS_CHANGE"
ISSUES_CHANGE = "LISTINGS_ITEM_ISSUES_CHANGE"
SUPPORTED = (STATUS_CHANGE, ISSUES_CHANGE)

def listing_changed(state: SandboxState, listing: dict[str, Any], status: list[str],
                    issues: list[dict[str, Any]]) -> int:
    """Notify the subscriptions of a listing's seller of what processing changed; returns how many sent."""
    store = state.store
    row = store.one("SELECT status, severities FROM notified WHERE seller_id=? AND sku=?",
                    (listing["seller_id"], listing["sku"]))
    before_status = json.loads(row["status"]) if row else []
    before_severities = json.loads(row["severities"]) if row else ["NONE"]
    severities = sorted({str(i["severity"]) for i in issues if i.get("severity") in ("ERROR", "WARNING")}) or ["NONE"]
    store.execute("INSERT OR REPLACE INTO notified (seller_id, sku, status, severities) VALUES (?, ?, ?, ?)",
                  (listing["seller_id"], listing["sku"], json.dumps(sorted(status)), json.dumps(severities)))
    changes = []
    if sorted(status) != sorted(before_status):
        changes.append((STATUS_CHANGE, {"Status": list(status)}))
    if severities != before_severities:
        actions = sorted({str(a.get("action")) for i in issues
                          for a in ((i.get("enforcements") or {}).get("actions") or ()) if a.get("action")})
        changes.append((ISSUES_CHANGE, {"Severities": severities, "EnforcementActions": actions}))
    sent = 0
    for kind, details in changes:
        for subscription in store.all("SELECT s.*, d.arn FROM subscriptions s JOIN destinations d "
                                      "ON d.id = s.destination_id WHERE s.seller_id=? AND s.type=?",
                                      (listing["seller_id"], kind)):
            payload = {"SellerId": listing["seller_id"], "MarketplaceId": listing["marketplace_id"],
                       "Sku": listing["sku"], **details}
            if listing.get("asin"):
                payload["Asin"] = listing["asin"]
            if kind == STATUS_CHANGE:
                payload["CreatedDate"] = state.clock.iso(listing["created"])
            publish(state, subscription, kind, payload)
            sent += 1
    return sent


def publish(state: SandboxState, subscription: Any, kind: str, payload: dict[str, Any]) -> None:
    """Record one notification and deliver it to the subscription's queue (when an endpoint is known)."""
    now = state.clock.now()
    notification_id = str(uuid.uuid4())
    body = json.dumps({
        "NotificationVersion": "1.0",
        "NotificationType": kind,
        "PayloadVersion": subscription["payload_version"],
        "EventTime": state.clock.iso(now),
        "Payload": payload,
        "NotificationMetadata": {"ApplicationId": state.registration.application_id,
                                 "SubscriptionId": subscription["id"], "PublishTime": state.clock.iso(now),
                                 "NotificationId": notification_id},
    }, ensure_ascii=False)
    error = deliver(state, subscription["arn"], body)
    state.store.execute("INSERT INTO notifications (id, subscription_id, arn, body, published, delivered, error) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (notification_id, subscription["id"], subscription["arn"], body, now,
                         int(error is None and bool(state.settings.sqs_endpoint)), error))


def deliver(state: SandboxState, arn: str, body: str) -> str | None:
    """SendMessage to the queue of `arn` at the sandbox's SQS endpoint; the error text, or None."""
    endpoint = state.settings.sqs_endpoint
    if not endpoint:
        return None
    parts = arn.split(":")
    if len(parts) != 6:
        return f"not an SQS queue ARN: {arn}"
    region, account, name = parts[3], parts[4], parts[5]
    try:
        import boto3

        sqs = boto3.client("sqs", region_name=region, endpoint_url=endpoint, aws_access_key_id="sandbox",
                           aws_secret_access_key="sandbox")  # a local stand-in (moto): any credentials
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)
    except Exception as exc:  # a delivery failure never breaks the pipeline; it is recorded and logged
        log.warning("notification to %s not delivered: %s", arn, type(exc).__name__)
        return type(exc).__name__
    return None


def recorded(state: SandboxState) -> list[dict[str, Any]]:
    """Every notification published so far (admin view), oldest first."""
    rows = state.store.all("SELECT * FROM notifications ORDER BY published, id")
    return [{"id": r["id"], "subscriptionId": r["subscription_id"], "arn": r["arn"], "delivered": bool(r["delivered"]),
             "error": r["error"], "notification": json.loads(r["body"])} for r in rows]
