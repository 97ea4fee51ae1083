"""Pytest fixtures that run the local SP-API sandbox on a free loopback port.

`sandbox`: a fresh sandbox per test (its own data folder under tmp_path), Amazon's rate limits
switched off so tests are fast (tests that exercise throttling switch them back on).
`sandbox_session`: one sandbox for the whole session (shared state: use unique SKUs).
Both yield a `transpiler.sandbox.runner.SandboxHandle`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from transpiler.sandbox.runner import SandboxHandle, start_sandbox

#: Short processing delays keep IN_QUEUE / IN_PROGRESS / pending states observable yet quick.
MARKETPLACE = "A13V1IB3VIYZZH"

FAST = {"rate_limits": "off", "listing_processing_delay": 0.2, "feed_queue_delay": 0.2, "feed_processing_delay": 0.2}


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(data=tmp_path_factory.mktemp("sandbox"), **FAST)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def sandbox_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    handle = start_sandbox(data=tmp_path_factory.mktemp("sandbox-session"), **FAST)
    try:
        yield handle
    finally:
        handle.stop()


# -- contract checking: every SP-API response against the official OpenAPI models ----------------

OPENAPI_FILES = ("definitionsProductTypes_2020-09-01.json", "listingsItems_2021-08-01.json", "feeds_2021-06-30.json")


class OpenApiContract:
    """Validates responses against the Swagger 2.0 models in ../shared/amazon/openapi (read, not copied).

    `check(response)` finds the operation by method and path template, then validates the body
    against the declared schema of that status and checks the declared headers are present.
    """

    def __init__(self, openapi_dir: Path):
        import re

        self.operations: list[tuple[str, re.Pattern[str], str, dict[str, Any], dict[str, Any]]] = []
        for name in OPENAPI_FILES:
            spec = json.loads((openapi_dir / name).read_text(encoding="utf-8"))
            for template, ops in spec["paths"].items():
                pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
                for method, op in ops.items():
                    if isinstance(op, dict) and "operationId" in op:
                        self.operations.append((method.upper(), pattern, op["operationId"], op, spec))
        self.checked: dict[str, set[int]] = {}

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        # Longest template first so /items/{sellerId}/{sku} wins over /items/{sellerId}.
        matches = [(p.pattern, op_id, op, spec) for m, p, op_id, op, spec in self.operations
                   if m == method and p.match(path)]
        if not matches:
            return None
        _, op_id, op, spec = max(matches, key=lambda x: len(x[0]))
        return op_id, op, spec

    def check(self, response: httpx.Response) -> None:
        from jsonschema import Draft4Validator

        found = self.operation(response.request.method, response.request.url.path)
        if found is None:
            return  # LWA, downloads and admin calls are not part of the three models
        op_id, op, spec = found
        response.read()
        declared = op["responses"].get(str(response.status_code))
        assert declared is not None, f"{op_id}: status {response.status_code} is not declared by the model"
        assert response.headers.get("x-amzn-RequestId"), f"{op_id}: x-amzn-RequestId missing"
        for header in declared.get("headers", {}):
            if header.lower() == "x-amzn-ratelimit-limit" and response.status_code >= 400:
                continue  # only known once the caller is authenticated
            assert header.lower() in response.headers, f"{op_id} {response.status_code}: header {header} missing"
        schema = declared.get("schema")
        if schema is None:
            return
        body = response.json()
        root = {"definitions": spec.get("definitions", {}), **schema}
        errors = sorted(Draft4Validator(root).iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, f"{op_id} {response.status_code} breaks the model: " + "; ".join(
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
        self.checked.setdefault(op_id, set()).add(response.status_code)


@pytest.fixture(scope="session")
def openapi_contract() -> OpenApiContract:
    from tests.conftest import amazon_dir

    return OpenApiContract(amazon_dir() / "openapi")


class SpApi:
    """A logged-in httpx client on a sandbox; every response is checked against the models."""

    def __init__(self, sandbox: SandboxHandle, contract: OpenApiContract):
        self.sandbox = sandbox
        self.contract = contract
        self.token = self.new_token()
        self.client = httpx.Client(base_url=sandbox.url, timeout=10,
                                   event_hooks={"response": [contract.check]})

    def new_token(self) -> str:
        reg = self.sandbox.registration
        response = httpx.post(self.sandbox.lwa_url, data={
            "grant_type": "refresh_token", "refresh_token": reg.refresh_token,
            "client_id": reg.client_id, "client_secret": reg.client_secret})
        response.raise_for_status()
        return response.json()["access_token"]

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"x-amz-access-token": self.token if token is None else token, **kwargs.pop("headers", {})}
        if not headers["x-amz-access-token"]:
            headers.pop("x-amz-access-token")
        return self.client.request(method, path, headers=headers, **kwargs)

    def listing(self, method: str, sku: str, *, seller: str = "MODEL", params: dict[str, Any] | None = None,
                **kwargs: Any) -> httpx.Response:
        query = {"marketplaceIds": MARKETPLACE, **(params or {})}
        return self.request(method, f"/listings/2021-08-01/items/{seller}/{quote(sku, safe='')}", params=query,
                            **kwargs)

    def put(self, sku: str, attributes: dict[str, Any], product_type: str = "CELLULAR_PHONE",
            requirements: str | None = "LISTING_PRODUCT_ONLY", **params: Any) -> httpx.Response:
        body: dict[str, Any] = {"productType": product_type, "attributes": attributes}
        if requirements:
            body["requirements"] = requirements
        return self.listing("PUT", sku, params=params, json=body)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def api(sandbox: SandboxHandle, openapi_contract: OpenApiContract) -> Iterator[SpApi]:
    client = SpApi(sandbox, openapi_contract)
    try:
        yield client
    finally:
        client.close()


def payload(product_type: str) -> dict[str, Any]:
    """A valid attribute set of a sample product type (tests/data/payloads)."""
    path = Path(__file__).parent / "data" / "payloads" / f"{product_type}.valid.json"
    return copy.deepcopy(json.loads(path.read_text(encoding="utf-8")))
