"""Push instead of polling: Amazon's listings notifications read from an SQS queue, then reconciled.

`subscribe()` creates (or reuses) the app's Notifications destination for an SQS queue and subscribes
the vendor to `LISTINGS_ITEM_STATUS_CHANGE` and `LISTINGS_ITEM_ISSUES_CHANGE`. Amazon then pushes a
message to the queue whenever processing changes a listing's status or issues — hours after
acceptance included. `reconcile_from_queue()` (`pl-amazon reconcile --from-sqs QUEUE_URL`) reads
those messages with boto3, keeps the SKUs of this vendor and marketplace, runs `reconcile()` for
them (a notification says *that* something changed; the acknowledgement needs the issues
themselves, which the read brings), and deletes the messages only once the acknowledgement files
are written: a crash before that leaves them in the queue, to be read again (reconcile is
idempotent). Messages for another vendor or marketplace are left for their consumer; messages that
are not notifications are deleted and counted.

The queue must let Amazon send to it (Amazon's "Set up notifications (Amazon SQS workflow)" page:
allow the SP-API notifications account to `sqs:SendMessage` and `sqs:GetQueueAttributes`); reading
needs the usual AWS credentials (environment, profile, role) and the `aws` extra (boto3).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from transpiler.config import Settings
from transpiler.errors import ConfigError, PlAmazonError
from transpiler.publish.reconcile import ReconcileOptions, ReconcileResult, reconcile
from transpiler.spapi.notifications import ISSUES_CHANGE, STATUS_CHANGE
from transpiler.workspace import Workspace

log = logging.getLogger("transpiler.publish")

#: the listings notifications (Amazon's status schema names its type LISTINGS_ITEM_STATUS_CHANGED)
LISTINGS_TYPES = frozenset({STATUS_CHANGE, ISSUES_CHANGE, "LISTINGS_ITEM_STATUS_CHANGED"})
#: long enough for a reconcile of the batch; a message not deleted by then shows again (at least once)
VISIBILITY_SECONDS = 900


@dataclass(frozen=True)
class Notified:
    """What one queue message says: the SKU it concerns, or why it is not for this consumer."""

    sku: str | None
    reason: str | None = None  # malformed | other-type | other-seller | other-marketplace


def read_notification(body: str, seller_id: str, marketplace_id: str) -> Notified:
    """The SKU a listings notification concerns, if it is for this vendor and marketplace."""
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return Notified(None, "malformed")
    payload = data.get("Payload") if isinstance(data, dict) else None
    if not isinstance(payload, dict) or not isinstance(data.get("NotificationType"), str):
        return Notified(None, "malformed")
    if data["NotificationType"] not in LISTINGS_TYPES:
        return Notified(None, "other-type")
    if str(payload.get("SellerId", "")).upper() != seller_id.upper():
        return Notified(None, "other-seller")
    if payload.get("MarketplaceId") not in (None, marketplace_id):
        return Notified(None, "other-marketplace")
    sku = payload.get("Sku")
    return Notified(str(sku)) if isinstance(sku, str) and sku else Notified(None, "malformed")


@dataclass
class QueueResult:
    """The reconcile run of the notified SKUs, and what the queue held."""

    reconciled: ReconcileResult
    counts: dict[str, int] = field(default_factory=dict)  # read, used, deleted, kept, malformed

    @property
    def exit_code(self) -> int:
        return self.reconciled.exit_code


def sqs_client(settings: Settings, queue_url: str) -> Any:
    """A boto3 SQS client for the queue (its region from the URL, else the settings'); needs the `aws` extra."""
    try:
        import boto3
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ConfigError("--from-sqs needs boto3: pip install 'productlive-amazon[aws]'") from exc
    host = queue_url.split("://", 1)[-1].split("/", 1)[0]
    region = host.split(".")[1] if host.startswith("sqs.") and host.count(".") >= 3 else settings.aws_region
    return boto3.client("sqs", region_name=region, endpoint_url=settings.sqs_endpoint or None)


def reconcile_from_queue(workspace: Workspace, queue_url: str, options: ReconcileOptions | None = None, *,
                         sqs: Any = None, client: Any = None, table: Any = None, progress: Any = None,
                         max_messages: int = 1000, wait_seconds: int = 1) -> QueueResult:
    """Read up to `max_messages` notifications, reconcile their SKUs (`reconcile(workspace, ...)`),
    then delete what was used. Raises PlAmazonError (one line) when the queue cannot be read;
    nothing is deleted then.
    """
    settings = workspace.settings
    options = options or ReconcileOptions()
    sqs = sqs or sqs_client(settings, queue_url)
    counts = {"read": 0, "used": 0, "deleted": 0, "kept": 0, "malformed": 0}
    skus: list[str] = []
    done: list[str] = []  # receipt handles to delete once the acknowledgement is written
    while counts["read"] < max_messages:
        try:
            answer = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=wait_seconds,
                                         MaxNumberOfMessages=min(10, max_messages - counts["read"]),
                                         VisibilityTimeout=VISIBILITY_SECONDS)
        except Exception as exc:  # botocore: ClientError, EndpointConnectionError, NoCredentialsError...
            raise PlAmazonError(f"cannot read the SQS queue {queue_url}: {_aws_reason(exc)}") from None
        messages = answer.get("Messages") or []
        if not messages:
            break
        for message in messages:
            counts["read"] += 1
            notified = read_notification(str(message.get("Body", "")), settings.seller_id, settings.marketplace_id)
            if notified.sku is not None:
                counts["used"] += 1
                skus.append(notified.sku)
                done.append(message["ReceiptHandle"])
            elif notified.reason == "malformed":
                counts["malformed"] += 1
                done.append(message["ReceiptHandle"])
            else:  # another consumer's: it shows again in the queue once its visibility ends
                counts["kept"] += 1
    result = reconcile(workspace, replace(options, skus=sorted(set(skus))), client=client, table=table,
                       progress=progress)
    for start in range(0, len(done), 10):
        entries = [{"Id": str(n), "ReceiptHandle": handle} for n, handle in enumerate(done[start:start + 10])]
        try:
            deleted = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        except Exception as exc:  # the acknowledgement is written: the messages will simply be read again
            log.warning("could not delete %d message(s) from %s: %s", len(entries), queue_url, _aws_reason(exc))
            continue
        counts["deleted"] += len(deleted.get("Successful") or [])
    result.summary["queue"] = {"url": queue_url, **counts}
    return QueueResult(result, counts)


def subscribe(client: Any, sqs_arn: str, name: str = "productlive-amazon") -> dict[str, Any]:
    """The app's destination for the queue (created when missing) and the vendor's two listings
    subscriptions to it (kept when they exist); returns their ids."""
    destination = client.notifications.destination_for(sqs_arn, name)
    destination_id = str(destination["destinationId"])
    subscriptions = {kind: client.notifications.subscribe(kind, destination_id)["subscriptionId"]
                     for kind in (STATUS_CHANGE, ISSUES_CHANGE)}
    return {"destinationId": destination_id, "subscriptions": subscriptions}


def _aws_reason(exc: Exception) -> str:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    return str(code or type(exc).__name__)
