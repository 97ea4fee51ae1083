"""Hostile request bodies: the sandbox answers Amazon's 4xx (`ErrorList`), never a 5xx.

Numbers JSON cannot carry or binary64 cannot hold, nesting thousands deep, bodies too large,
bytes that are not UTF-8, half a body: each answered 400 `InvalidInput` (413 where the model
declares it), every answer checked against Amazon's models by the contract hook. Then the same
hostile values planted into bodies schemathesis generates from the models, for every operation
that takes one. A feed document carrying them is reported, not crashed on.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox_fixtures import MARKETPLACE, OPENAPI_FILES, SpApi, payload
from transpiler.sandbox.request_body import DECLARE_413
from transpiler.sandbox.runner import SandboxHandle

HOSTILE: dict[str, bytes] = {
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "-Infinity": b"-Infinity",
    "overflow": b"1e400",
    "underflow": b"1e-400",
    "huge-integer": b"9" * 5000,
    "deep": b"[" * 5000 + b"]" * 5000,
    "deep-object": b'{"a":' * 100 + b"1" + b"}" * 100,
    "surrogate": b'"\\ud800"',
}
BROKEN: dict[str, bytes] = {"not-utf8": b'{"productType": "\xff\xfe"}', "truncated": b'{"productType": "CELL',
                            "empty": b""}

LISTING = "/listings/2021-08-01/items/MODEL/HOSTILE-1"


def _listing_body(value: bytes) -> bytes:
    """A PUT body whose first attribute value is `value` (raw JSON text)."""
    text = json.dumps({"productType": "CELLULAR_PHONE", "requirements": "LISTING_PRODUCT_ONLY",
                       "attributes": {"item_name": [{"value": "@@", "marketplace_id": MARKETPLACE}]}})
    return text.replace('"@@"', "@@").encode().replace(b"@@", value)


CALLS = {
    # operation: (method, path, body with a hostile value in it)
    "putListingsItem": ("PUT", LISTING, _listing_body),
    "patchListingsItem": ("PATCH", LISTING, lambda v: b'{"productType": "CELLULAR_PHONE", "patches": [{"op": '
                                                      b'"replace", "path": "/attributes/item_name", "value": [' + v
                                                      + b"]}]}"),
    "createFeedDocument": ("POST", "/feeds/2021-06-30/documents", lambda v: b'{"contentType": ' + v + b"}"),
    "createFeed": ("POST", "/feeds/2021-06-30/feeds", lambda v: b'{"feedType": "JSON_LISTINGS_FEED", '
                                                           b'"marketplaceIds": ["' + MARKETPLACE.encode()
                                                           + b'"], "inputFeedDocumentId": ' + v + b"}"),
}


def _send(api: SpApi, operation: str, body: bytes) -> Any:
    method, path, _ = CALLS[operation]
    params = {"marketplaceIds": MARKETPLACE} if path.startswith("/listings") else None
    return api.request(method, path, params=params, content=body, headers={"content-type": "application/json"})


def _invalid_input(response: Any) -> None:
    assert response.status_code == 400, response.text[:300]
    [error] = response.json()["errors"]
    assert error["code"] == "InvalidInput" and error["message"]


@pytest.mark.parametrize("operation", sorted(CALLS))
@pytest.mark.parametrize("value", sorted(HOSTILE))
def test_a_hostile_value_in_a_body_is_invalid_input(api: SpApi, operation: str, value: str) -> None:
    _invalid_input(_send(api, operation, CALLS[operation][2](HOSTILE[value])))


@pytest.mark.parametrize("operation", sorted(CALLS))
@pytest.mark.parametrize("body", sorted(BROKEN))
def test_an_unreadable_body_is_invalid_input(api: SpApi, operation: str, body: str) -> None:
    _invalid_input(_send(api, operation, BROKEN[body]))


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_a_body_over_the_limit_is_413_where_the_model_declares_it(sandbox: SandboxHandle, api: SpApi,
                                                                  operation: str) -> None:
    sandbox.state.settings.max_body_bytes = 4096
    response = _send(api, operation, CALLS[operation][2](b'"' + b"x" * 5000 + b'"'))
    assert response.status_code == (413 if operation in DECLARE_413 else 400)
    assert response.json()["errors"][0]["code"] in ("RequestEntityTooLarge", "InvalidInput")


def test_the_operations_answering_413_are_those_the_models_declare(amazon: Any) -> None:
    declared = set()
    for name in OPENAPI_FILES:
        spec = json.loads((amazon / "openapi" / name).read_text(encoding="utf-8"))
        declared |= {op["operationId"] for ops in spec["paths"].values() for op in ops.values()
                     if isinstance(op, dict) and "413" in op.get("responses", {})}
    assert declared == DECLARE_413


def test_a_valid_body_still_goes_through(api: SpApi) -> None:
    assert api.put("HOSTILE-OK", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"


def test_a_feed_document_with_hostile_json_is_reported_not_crashed_on(sandbox: SandboxHandle, api: SpApi) -> None:
    """The document is read while the feed is processed: a bad one ends in the report, and the
    sandbox goes on answering."""
    feed_ids = []
    for value in sorted(HOSTILE):
        document = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
        text = (b'{"header": {"sellerId": "MODEL", "version": "2.0"}, "messages": [{"messageId": 1, "sku": "F-1", '
                b'"operationType": "UPDATE", "productType": "CELLULAR_PHONE", "attributes": {"item_name": ['
                + HOSTILE[value] + b"]}}]}")
        assert api.client.put(document["url"], content=text, headers={"content-type": "application/json"}).is_success
        created = api.request("POST", "/feeds/2021-06-30/feeds", json={
            "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": document["feedDocumentId"]})
        assert created.status_code == 202
        feed_ids.append(created.json()["feedId"])
    sandbox.advance_clock(60)
    for feed_id in feed_ids:
        feed = api.request("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
        assert feed["processingStatus"] == "DONE"
        result = api.request("GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
        report = json.loads(api.client.get(result["url"]).content)
        assert report["summary"]["messagesAccepted"] == 0 and report["issues"][0]["severity"] == "ERROR"
    assert api.put("HOSTILE-AFTER", payload("CELLULAR_PHONE")).status_code == 200


# -- schemathesis bodies with a hostile value planted in them -----------------------------------------

MAX_EXAMPLES = 6


def _plant(value: Any, rng: random.Random, hostile: bytes) -> bytes:
    """The JSON text of `value` with one of its scalars (or the whole) replaced by `hostile`."""
    places: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            places.append((node, key))
            walk(child)

    walk(value)
    if not places:
        return hostile
    container, key = rng.choice(places)
    container[key] = "@@PLANTED@@"
    return json.dumps(value).encode().replace(b'"@@PLANTED@@"', hostile)


def test_generated_bodies_with_hostile_values_never_get_a_server_error(sandbox: SandboxHandle, api: SpApi,
                                                                      amazon: Any) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    problems: list[str] = []
    statuses: dict[int, int] = {}

    def runner(label: str, strategy: Any) -> Any:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, hostile=st.sampled_from(sorted(HOSTILE)), seed=st.integers(0, 1000))
        def run(case: Any, hostile: str, seed: int) -> None:
            kwargs = case.as_transport_kwargs(base_url=sandbox.url)
            body = _plant(kwargs.get("json"), random.Random(seed), HOSTILE[hostile])
            headers = {k: v for k, v in kwargs.get("headers", {}).items() if k.lower() != "x-amz-access-token"}
            headers.update({"x-amz-access-token": api.token, "Content-Type": "application/json"})
            try:
                response = api.client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                              content=body, headers=headers)
            except AssertionError as exc:  # the contract hook found an answer that breaks the model
                problems.append(f"{label} {hostile}: {exc}")
                return
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                problems.append(f"{label} {hostile}: {response.status_code} {response.text[:200]}")

        return run

    operations = 0
    for name in OPENAPI_FILES:
        schema = schemathesis.openapi.from_path(str(amazon / "openapi" / name))
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.body is None or not len(operation.body):
                continue
            operations += 1
            runner(f"{operation.method.upper()} {operation.path}",
                   operation.as_strategy(generation_mode=GenerationMode.POSITIVE))()
    assert operations == 4  # putListingsItem, patchListingsItem, createFeedDocument, createFeed
    assert not problems, "\n".join(problems[:10])
    assert statuses.get(400, 0) > 0
