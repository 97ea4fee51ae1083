"""Notifications API v1: destinations (grantless, the app's) and subscriptions (the selling partner's).

Per Amazon's Notifications model: `createDestination`, `getDestinations`, `getDestination`,
`deleteDestination`, `getSubscriptionById` and `deleteSubscriptionById` take a grantless token of
scope `sellingpartnerapi::notifications`; `createSubscription` and `getSubscription` act for the
selling partner. Answers wrap their data in `payload`. The sandbox supports SQS destinations and the
two listings notification types (`transpiler.sandbox.notifications`).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from transpiler.sandbox.gateway import operation
from transpiler.sandbox.notifications import SUPPORTED
from transpiler.sandbox.request_body import json_body
from transpiler.sandbox.responses import SpApiError, bad_request, json_response, not_found
from transpiler.sandbox.state import Principal, SandboxState

SCOPE = "sellingpartnerapi::notifications"
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+$")  # the model's SqsResource.arn pattern


def _destination(row: Any) -> dict[str, Any]:
    return {"destinationId": row["id"], "name": row["name"], "resource": {"sqs": {"arn": row["arn"]}}}


def _subscription(row: Any) -> dict[str, Any]:
    return {"subscriptionId": row["id"], "payloadVersion": row["payload_version"],
            "destinationId": row["destination_id"]}


def _conflict(message: str) -> SpApiError:
    return SpApiError(409, "Conflict", message)


@operation("createDestination", grantless=SCOPE)
async def create_destination(request: Request, state: SandboxState, principal: Principal) -> Response:
    body = await json_body(request, state)
    spec = body.get("resourceSpecification") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(spec, dict):
        raise bad_request("The request body must be a CreateDestinationRequest: name and resourceSpecification.")
    arn = (spec.get("sqs") or {}).get("arn") if isinstance(spec.get("sqs"), dict) else None
    if not isinstance(arn, str) or len(arn) > 1000 or not SQS_ARN.match(arn):
        raise bad_request("resourceSpecification.sqs.arn must be an SQS queue ARN (arn:aws:sqs:region:account:name).",
                          "The sandbox delivers to SQS destinations only.")
    if state.store.one("SELECT 1 FROM destinations WHERE client_id=? AND arn=?", (principal.client_id, arn)):
        raise _conflict("A destination for this resource already exists.")
    destination_id = str(uuid.uuid4())
    state.store.execute("INSERT INTO destinations (id, client_id, name, arn, created) VALUES (?, ?, ?, ?, ?)",
                        (destination_id, principal.client_id, body["name"][:256], arn, state.clock.now()))
    row = state.store.one("SELECT * FROM destinations WHERE id=?", (destination_id,))
    return json_response({"payload": _destination(row)})


@operation("getDestinations", grantless=SCOPE)
async def get_destinations(request: Request, state: SandboxState, principal: Principal) -> Response:
    rows = state.store.all("SELECT * FROM destinations WHERE client_id=? ORDER BY created", (principal.client_id,))
    return json_response({"payload": [_destination(r) for r in rows]})


def _own_destination(state: SandboxState, principal: Principal, destination_id: str) -> Any:
    row = state.store.one("SELECT * FROM destinations WHERE id=? AND client_id=?",
                          (destination_id, principal.client_id))
    if row is None:
        raise not_found(f"Destination {destination_id} not found.")
    return row


@operation("getDestination", grantless=SCOPE)
async def get_destination(request: Request, state: SandboxState, principal: Principal) -> Response:
    return json_response({"payload": _destination(
        _own_destination(state, principal, request.path_params["destinationId"]))})


@operation("deleteDestination", grantless=SCOPE)
async def delete_destination(request: Request, state: SandboxState, principal: Principal) -> Response:
    row = _own_destination(state, principal, request.path_params["destinationId"])
    if state.store.one("SELECT 1 FROM subscriptions WHERE destination_id=?", (row["id"],)):
        raise _conflict("The destination still has subscriptions: delete them first.")
    state.store.execute("DELETE FROM destinations WHERE id=?", (row["id"],))
    return json_response({})


def _type(request: Request) -> str:
    kind = request.path_params["notificationType"]
    if kind not in SUPPORTED:
        raise bad_request(f"Invalid notificationType {kind!r}.", f"The sandbox sends {', '.join(SUPPORTED)}.")
    return kind


@operation("createSubscription")
async def create_subscription(request: Request, state: SandboxState, principal: Principal) -> Response:
    kind = _type(request)
    body = await json_body(request, state)
    if not isinstance(body, dict) or not isinstance(body.get("destinationId"), str) or not isinstance(
            body.get("payloadVersion"), str):
        raise bad_request("The request body must be a CreateSubscriptionRequest: payloadVersion and destinationId.")
    destination = state.store.one("SELECT * FROM destinations WHERE id=? AND client_id=?",
                                  (body["destinationId"], principal.client_id))
    if destination is None:
        raise bad_request(f"Destination {body['destinationId']} not found.")
    existing = state.store.one("SELECT 1 FROM subscriptions WHERE client_id=? AND seller_id=? AND type=?",
                               (principal.client_id, principal.vendor_code, kind))
    if existing:
        raise _conflict(f"A subscription to {kind} already exists for this selling partner.")
    subscription_id = str(uuid.uuid4())
    state.store.execute(
        "INSERT INTO subscriptions (id, client_id, seller_id, type, destination_id, payload_version, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (subscription_id, principal.client_id, principal.vendor_code, kind,
                                         destination["id"], body["payloadVersion"], state.clock.now()))
    row = state.store.one("SELECT * FROM subscriptions WHERE id=?", (subscription_id,))
    return json_response({"payload": _subscription(row)})


@operation("getSubscription")
async def get_subscription(request: Request, state: SandboxState, principal: Principal) -> Response:
    kind = _type(request)
    row = state.store.one("SELECT * FROM subscriptions WHERE client_id=? AND seller_id=? AND type=?",
                          (principal.client_id, principal.vendor_code, kind))
    if row is None:
        raise not_found(f"No subscription to {kind}.")
    return json_response({"payload": _subscription(row)})


def _by_id(request: Request, state: SandboxState, principal: Principal) -> Any:
    kind = _type(request)
    row = state.store.one("SELECT * FROM subscriptions WHERE id=? AND client_id=? AND type=?",
                          (request.path_params["subscriptionId"], principal.client_id, kind))
    if row is None:
        raise not_found(f"Subscription {request.path_params['subscriptionId']} not found.")
    return row


@operation("getSubscriptionById", grantless=SCOPE)
async def get_subscription_by_id(request: Request, state: SandboxState, principal: Principal) -> Response:
    return json_response({"payload": _subscription(_by_id(request, state, principal))})


@operation("deleteSubscriptionById", grantless=SCOPE)
async def delete_subscription_by_id(request: Request, state: SandboxState, principal: Principal) -> Response:
    row = _by_id(request, state, principal)
    state.store.execute("DELETE FROM subscriptions WHERE id=?", (row["id"],))
    return json_response({})
