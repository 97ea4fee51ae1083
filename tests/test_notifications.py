"""Push instead of polling: the Notifications API (destinations with a grantless token, the vendor's
subscriptions) and `reconcile --from-sqs` reading Amazon's listings notifications from a local SQS
(moto's server mode, started here). Nothing real is contacted; time is the sandbox's clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.sandbox_fixtures import client_for
from tests.test_publish_sandbox import subset
from transpiler.publish.notifications import read_notification, reconcile_from_queue, subscribe
from transpiler.publish.reconcile import ReconcileOptions
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.runner import SandboxHandle, open_sandbox, start_sandbox

NEW = "MDL-S24-256-NOIR"
CONFLICT = "MDL-LEGION-Y70-GRIS"
ACCOUNT = "123456789012"  # moto's default account
QUEUE = "pl-amazon-notifications"
ARN = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{QUEUE}"
HOURS = 3600.0


@pytest.fixture(scope="module")
def sqs_server() -> Iterator[str]:
    """moto's server on a free loopback port, for the module (stopping one takes half a second)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def sqs(sqs_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """A local SQS with a fresh notifications queue: (endpoint, client)."""
    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "eu-west-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("sqs", region_name="eu-west-1", endpoint_url=sqs_server)
    url = client.create_queue(QueueName=QUEUE)["QueueUrl"]
    try:
        yield sqs_server, client
    finally:
        client.delete_queue(QueueUrl=url)  # the next test starts from an empty queue


@pytest.fixture
def amazon(tmp_path: Path, sandbox_definitions: ProductTypes, sqs) -> Iterator[SandboxHandle]:
    """An in-process sandbox that processes listings an hour after acceptance and sends notifications to SQS."""
    handle = open_sandbox(data=tmp_path / "sandbox", product_types=sandbox_definitions, rate_limits="off",
                          listing_processing_delay=HOURS, sqs_endpoint=sqs[0])
    try:
        yield handle
    finally:
        handle.stop()


def queue_url(sqs) -> str:
    return sqs[1].get_queue_url(QueueName=QUEUE)["QueueUrl"]


def test_destinations_are_grantless_and_subscriptions_the_vendors(amazon) -> None:
    tokens = []
    http = amazon.client(timeout=30, event_hooks={"request": [
        lambda r: tokens.append(r.read().decode()) if r.url.path == "/auth/o2/token" else None]})
    with client_for(amazon, http=http) as client:
        first = subscribe(client, ARN)
        again = subscribe(client, ARN)  # idempotent: the same destination and subscriptions
        assert first == again
        assert set(first["subscriptions"]) == {"LISTINGS_ITEM_STATUS_CHANGE", "LISTINGS_ITEM_ISSUES_CHANGE"}
        assert client.notifications.get_subscription("LISTINGS_ITEM_ISSUES_CHANGE")["payloadVersion"] == "2023-12-13"
    assert any("grant_type=client_credentials" in t and "sellingpartnerapi%3A%3Anotifications" in t for t in tokens)
    assert any("grant_type=refresh_token" in t for t in tokens)
    # the sandbox refuses a destination call with the vendor's token (it needs the grantless one)
    vendor = amazon.http.post(f"{amazon.url}/notifications/v1/destinations",
                              headers={"x-amz-access-token": _vendor_token(amazon)},
                              json={"name": "x", "resourceSpecification": {"sqs": {"arn": ARN}}})
    assert vendor.status_code == 403


def _vendor_token(handle: SandboxHandle) -> str:
    reg = handle.registration
    return handle.http.post(handle.lwa_url, data={
        "grant_type": "refresh_token", "refresh_token": reg.refresh_token, "client_id": reg.client_id,
        "client_secret": reg.client_secret}).json()["access_token"]


def test_notifications_pushed_hours_later_drive_reconcile(publish_run, workspace_for, amazon, sqs, tmp_path) -> None:
    with client_for(amazon) as client:
        subscribe(client, ARN)
    publish_run(amazon, tmp_path, subset([NEW, CONFLICT], tmp_path), follow_up_delay=0.05, follow_up_timeout=0.2)
    url = queue_url(sqs)
    assert not sqs[1].receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")  # nothing processed yet

    amazon.advance_clock(HOURS + 1)  # Amazon processes: the notifications reach the queue
    sent = amazon.admin("GET", "notifications")["notifications"]
    assert {(n["notification"]["NotificationType"], n["notification"]["Payload"]["Sku"]) for n in sent} == {
        ("LISTINGS_ITEM_STATUS_CHANGE", NEW), ("LISTINGS_ITEM_ISSUES_CHANGE", CONFLICT)}
    assert all(n["delivered"] for n in sent)
    issues = next(n["notification"] for n in sent if n["notification"]["Payload"]["Sku"] == CONFLICT)
    assert issues["PayloadVersion"] == "2023-12-13" and issues["Payload"]["Severities"] == ["ERROR"]
    sqs[1].send_message(QueueUrl=url, MessageBody=json.dumps({  # another vendor's, on the same queue
        "NotificationType": "LISTINGS_ITEM_STATUS_CHANGE", "Payload": {"SellerId": "OTHER", "Sku": "X"}}))
    sqs[1].send_message(QueueUrl=url, MessageBody="not a notification")

    options = ReconcileOptions(journal=tmp_path / "journal.sqlite3", out_dir=tmp_path / "pushed",
                               cache_dir=tmp_path / "cache")
    outcome = reconcile_from_queue(workspace_for(amazon, sqs_endpoint=sqs[0]), url, options,
                                   client=client_for(amazon), wait_seconds=0)
    assert outcome.counts == {"read": 4, "used": 2, "deleted": 3, "kept": 1, "malformed": 1}
    items = {i["sku"]: i for i in json.loads(outcome.reconciled.report_path.read_text())["items"]}
    assert items[NEW]["status"] == "ACCEPTED" and items[NEW]["asin"] and items[NEW]["listingStatus"] == [
        "DISCOVERABLE"]
    assert items[CONFLICT]["status"] == "INVALID"
    assert outcome.reconciled.summary["queue"]["used"] == 2
    again = reconcile_from_queue(workspace_for(amazon, sqs_endpoint=sqs[0]), url, options,
                                   client=client_for(amazon), wait_seconds=0)
    assert again.counts["read"] == 0  # used and malformed messages were deleted; the other vendor's is invisible
    attributes = sqs[1].get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # left for its consumer


def test_a_queue_that_cannot_be_read_is_one_line_and_nothing_is_lost(workspace_for, amazon, sqs, tmp_path) -> None:
    from transpiler.errors import PlAmazonError

    with pytest.raises(PlAmazonError, match="cannot read the SQS queue"):
        reconcile_from_queue(workspace_for(amazon, sqs_endpoint=sqs[0]), f"{sqs[0]}/{ACCOUNT}/missing-queue",
                             ReconcileOptions(journal=tmp_path / "j.sqlite3", out_dir=tmp_path / "o"),
                             client=client_for(amazon), wait_seconds=0)


def test_read_notification_keeps_only_this_vendors_listings() -> None:
    def body(**payload: Any) -> str:
        return json.dumps({"NotificationType": payload.pop("kind", "LISTINGS_ITEM_ISSUES_CHANGE"), "Payload": payload})

    assert read_notification(body(SellerId="MODEL", Sku="S1", MarketplaceId="A13V1IB3VIYZZH"), "MODEL",
                             "A13V1IB3VIYZZH").sku == "S1"
    assert read_notification(body(kind="LISTINGS_ITEM_STATUS_CHANGED", SellerId="model", Sku="S2"), "MODEL",
                             "A13V1IB3VIYZZH").sku == "S2"  # Amazon's schema spells the type so
    assert read_notification(body(SellerId="OTHER", Sku="S1"), "MODEL", "A13V1IB3VIYZZH").reason == "other-seller"
    assert read_notification(body(SellerId="MODEL", Sku="S1", MarketplaceId="ATVPDKIKX0DER"), "MODEL",
                             "A13V1IB3VIYZZH").reason == "other-marketplace"
    assert read_notification(body(kind="ORDER_CHANGE", SellerId="MODEL"), "MODEL", "X").reason == "other-type"
    assert read_notification("{", "MODEL", "X").reason == "malformed"


def test_reconcile_from_sqs_command(publish_run, sqs, tmp_path, sandbox_definitions) -> None:
    handle = start_sandbox(data=tmp_path / "sandbox", product_types=sandbox_definitions, rate_limits="off",
                           listing_processing_delay=HOURS, sqs_endpoint=sqs[0])
    try:
        reg = handle.registration
        env = {"PL_AMAZON_SPAPI_URL": handle.url, "PL_AMAZON_LWA_URL": handle.lwa_url,
               "PL_AMAZON_CLIENT_ID": reg.client_id, "PL_AMAZON_CLIENT_SECRET": reg.client_secret,
               "PL_AMAZON_REFRESH_TOKEN": reg.refresh_token, "PL_AMAZON_SELLER_ID": reg.vendor_code,
               "PL_AMAZON_SQS_ENDPOINT": sqs[0], "XDG_CONFIG_HOME": str(tmp_path / "config")}
        # The command reads the --config file as every other command does (here: where Amazon is).
        config = tmp_path / "pl-amazon.toml"
        config.write_text(f'spapi_url = "{handle.url}"\nlwa_url = "{handle.lwa_url}"\n', encoding="utf-8")
        located = {**env, "PL_AMAZON_SPAPI_URL": None, "PL_AMAZON_LWA_URL": None, "PL_AMAZON_CONFIG": None}
        subscribed = CliRunner().invoke(main_cli(), ["--config", str(config), "notifications", "subscribe",
                                                     "--sqs-arn", ARN, "--json"], env=located)
        assert subscribed.exit_code == 0, subscribed.output
        publish_run(handle, tmp_path, subset([NEW], tmp_path), follow_up_delay=0)
        handle.advance_clock(HOURS + 1)
        result = CliRunner().invoke(main_cli(), [
            "reconcile", "--from-sqs", queue_url(sqs), "--journal", str(tmp_path / "journal.sqlite3"),
            "--out", str(tmp_path / "cli"), "--cache", str(tmp_path / "cache"), "--json"], env=env)
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert summary["queue"]["used"] == 1 and summary["statuses"]["ACCEPTED"] == 1 and summary["final"] == 1
    finally:
        handle.stop()


def main_cli():
    from transpiler.cli import main

    return main
