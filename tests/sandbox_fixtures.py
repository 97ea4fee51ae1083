"""Sandbox fixtures: fast and deterministic by default.

`sandbox` (use this one): a fresh SP-API sandbox per test, **in process** (`open_sandbox`: no socket,
no server thread) with a **manual clock**, Amazon's rate limits off and 0.2 s processing delays.
Nothing happens on the sandbox until a request arrives or its clock moves, so:

- reach it through `sandbox.http` (an httpx client bound to it) or `api` (logged in, every response
  checked against Amazon's OpenAPI models); never through `httpx.get(sandbox.url)`, which has no
  network to go to (the URL is `http://sandbox.test`);
- drive time with `sandbox.advance_clock(seconds)` (token expiry, processing delays, late issues,
  rate-limit refills, feed steps): never `time.sleep`;
- give the code under test the sandbox's time: `client_for(sandbox)` builds the real SP-API client
  with `sleep=sandbox.sleep, clock=sandbox.now`, and `publish(..., clock=sandbox.now,
  sleep=sandbox.sleep)` makes the follow-up and feed waits advance the sandbox clock (see
  `publish_run`). A wait of an hour then costs nothing;
- hand `publish()` / `reconcile()` `workspace_for(sandbox)`: the session's workspace (schemas
  compiled once) with settings pointing at the sandbox; `publish_run(sandbox, tmp_path, ...)`
  does all of this for a whole publication.

The compiled definitions (`sandbox_definitions`) are shared by every in-process sandbox of the
session, so a schema is compiled once per run, not once per test.

`served_sandbox`: the same sandbox on a real loopback port (uvicorn in a thread, wall clock, Amazon's
rates scaled 100 times so that a client in another process paces itself fast: `SERVED`). Only
for what needs a socket: another process (`pl-amazon` in a subprocess), a browser, an HTTP client
that is not httpx (python-amazon-sp-api), the CLI reading URLs from the environment. Tests using
it are marked `socket` automatically (`pytest -m "not socket"` skips them).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from transpiler.config import Settings
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.runner import SandboxHandle, open_sandbox, start_sandbox
from transpiler.sandbox.settings import default_definitions_root

MARKETPLACE = "A13V1IB3VIYZZH"
#: The sample Product-Live export the demo publishes.
EXAMPLE_ITEMS = Path(__file__).resolve().parents[1] / "examples" / "items.xml"

#: Short processing delays keep IN_QUEUE / IN_PROGRESS / pending states observable; on the manual
#: clock of an in-process sandbox they pass only when a test advances it.
FAST = {"rate_limits": "off", "listing_processing_delay": 0.2, "feed_queue_delay": 0.2, "feed_processing_delay": 0.2}
#: A served sandbox runs on the wall clock, and a client in another process cannot be handed its
#: `sleep`: Amazon's rates scaled 100 times instead, which its `x-amzn-RateLimit-Limit` headers
#: announce and which the client (in any process) adopts. A `pl-amazon` child process publishing
#: 40 listings does not wait 8 s at Amazon's 5 requests a second, and still paces itself on the headers.
SERVED = {**FAST, "rate_limits": 100}


@pytest.fixture(scope="session")
def sandbox_definitions() -> ProductTypes:
    """The sample definitions, read once and compiled once for every in-process sandbox."""
    return ProductTypes(default_definitions_root())


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory, sandbox_definitions: ProductTypes) -> Iterator[SandboxHandle]:
    """A fresh in-process sandbox with a manual clock (see the module docstring)."""
    handle = open_sandbox(data=tmp_path_factory.mktemp("sandbox"), product_types=sandbox_definitions, **FAST)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def served_sandbox(tmp_path_factory: pytest.TempPathFactory,
                   sandbox_definitions: ProductTypes) -> Iterator[SandboxHandle]:
    """A fresh sandbox on a loopback port (wall clock, Amazon's rates x100: `SERVED`), for tests that
    need a real socket."""
    handle = start_sandbox(data=tmp_path_factory.mktemp("sandbox"), product_types=sandbox_definitions, **SERVED)
    try:
        yield handle
    finally:
        handle.stop()


def settings_for(handle: SandboxHandle, **overrides: Any) -> Settings:
    """Settings that point the client at the sandbox with its demo registration."""
    reg = handle.registration
    return Settings().with_overrides(**{
        "spapi_url": handle.url, "lwa_url": handle.lwa_url, "client_id": reg.client_id,
        "client_secret": reg.client_secret, "refresh_token": reg.refresh_token, "seller_id": reg.vendor_code,
        **overrides,
    })


@pytest.fixture(scope="session")
def workspace_for(workspace: Any) -> Callable[..., Any]:
    """`workspace_for(handle, **settings)`: the session's workspace (its compiled product types,
    validators and models, built once) with settings that point at `handle`. What `publish()` and
    `reconcile()` take; a `Workspace.create(...)` per call would compile every schema again."""

    def make(handle: SandboxHandle, **overrides: Any) -> Any:
        return dataclasses.replace(workspace, settings=settings_for(handle, **overrides))

    return make


def client_for(handle: SandboxHandle, **options: Any) -> Any:
    """The project's SP-API client bound to the sandbox and living on its clock.

    `options` go to `client_from_settings` (`retry=`, `limits=`); `settings=` replaces the default
    settings, `http=` the httpx client (make it with `handle.client(...)`, e.g. with event hooks).
    Its rate-limit and retry waits advance the sandbox clock of an in-process sandbox.
    """
    from transpiler.spapi import client_from_settings

    settings = options.pop("settings", None) or settings_for(handle)
    http = options.pop("http", None) or handle.client(timeout=30)
    if handle.in_process:
        options.setdefault("sleep", handle.sleep)
        options.setdefault("clock", handle.now)
    return client_from_settings(settings, http, **options)


@pytest.fixture
def publish_run(workspace_for: Callable[..., Any]) -> Callable[..., Any]:
    """`publish_run(handle, tmp, items=examples/items.xml, client=None, **options)`: `publish()` on the
    sandbox through the real client (`client_for`), with the session's compiled schemas
    (`workspace_for`) and the files under `tmp` (`out/`, `journal.sqlite3`); `options` are
    PublishOptions. Every wait (follow-up, feed polling, rate limits) advances the sandbox clock."""
    from transpiler.publish.run import PublishOptions, publish

    def run(handle: SandboxHandle, tmp: Path, items: Path = EXAMPLE_ITEMS, client: Any = None,
            **options: Any) -> Any:
        values = {"out_dir": tmp / "out", "journal": tmp / "journal.sqlite3", "follow_up_delay": 0.3,
                  "follow_up_timeout": 10.0, "feed_poll": 0.1, **options}
        return publish(items, workspace_for(handle), PublishOptions(**values),
                       client=client or client_for(handle), clock=handle.now, sleep=handle.sleep)

    return run


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
        self._validators: dict[tuple[str, str], Any] = {}

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        # Longest template first so /items/{sellerId}/{sku} wins over /items/{sellerId}.
        matches = [(p.pattern, op_id, op, spec) for m, p, op_id, op, spec in self.operations
                   if m == method and p.match(path)]
        if not matches:
            return None
        _, op_id, op, spec = max(matches, key=lambda x: len(x[0]))
        return op_id, op, spec

    def _validator(self, op_id: str, status: str, schema: dict[str, Any], spec: dict[str, Any]) -> Any:
        from jsonschema import Draft4Validator

        key = (op_id, status)
        if key not in self._validators:
            self._validators[key] = Draft4Validator({"definitions": spec.get("definitions", {}), **schema})
        return self._validators[key]

    def check(self, response: httpx.Response) -> None:
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
        validator = self._validator(op_id, str(response.status_code), schema, spec)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
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
        self.client = sandbox.client(base_url=sandbox.url, event_hooks={"response": [contract.check]})
        self.token = self.new_token()

    def new_token(self) -> str:
        reg = self.sandbox.registration
        response = self.client.post(self.sandbox.lwa_url, data={
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
