"""The sandbox against Amazon's contract, judged by tools that are not ours.

- python-amazon-sp-api (an independent client from PyPI) pointed at the sandbox: token refresh,
  getDefinitionsProductType, putListingsItem, getListingsItem, patchListingsItem.
- schemathesis generates requests (valid and malformed) from the official OpenAPI models; the
  sandbox never answers 5xx and every response validates against the model.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox_fixtures import MARKETPLACE, OPENAPI_FILES, SpApi, payload


def sp_api_client(api_class, sandbox):
    """An sp_api client whose LWA host and SP-API endpoint are the sandbox's."""
    from sp_api.auth import AccessTokenClient
    from sp_api.base import Marketplaces

    host = urlsplit(sandbox.url).netloc

    class SandboxTokenClient(AccessTokenClient):
        scheme = "http://"

    SandboxTokenClient.host = host
    reg = sandbox.registration
    client = api_class(Marketplaces.FR, refresh_token=reg.refresh_token,
                       credentials={"lwa_app_id": reg.client_id, "lwa_client_secret": reg.client_secret},
                       auth_token_client_class=SandboxTokenClient)
    client.endpoint = sandbox.url
    return client


@pytest.fixture
def fresh_token_cache():
    from sp_api.auth import access_token_client

    access_token_client.cache.clear()  # tokens of an earlier sandbox are unknown to this one
    yield
    access_token_client.cache.clear()


def test_python_amazon_sp_api_drives_the_sandbox(served_sandbox, fresh_token_cache):
    """python-amazon-sp-api speaks `requests`, so this one needs the sandbox on a socket."""
    from sp_api.api import ListingsItems, ProductTypeDefinitions

    sandbox = served_sandbox
    sandbox.set_rate_limits("amazon")  # Amazon's own numbers, announced as Amazon does

    definitions = sp_api_client(ProductTypeDefinitions, sandbox)
    definition = definitions.get_definitions_product_type(
        "CELLULAR_PHONE", marketplaceIds=[MARKETPLACE], requirements="LISTING_PRODUCT_ONLY", locale="fr_FR")
    assert definition.payload["productType"] == "CELLULAR_PHONE"
    assert definition.payload["schema"]["link"]["resource"].startswith(sandbox.url)

    listings = sp_api_client(ListingsItems, sandbox)
    put = listings.put_listings_item(
        "MODEL", "SPAPI-1", marketplaceIds=[MARKETPLACE], issueLocale="fr_FR",
        body={"productType": "CELLULAR_PHONE", "requirements": "LISTING_PRODUCT_ONLY",
              "attributes": payload("CELLULAR_PHONE")})
    assert put.payload["status"] == "ACCEPTED"
    assert put.headers["x-amzn-RateLimit-Limit"] == "5"
    title = [{"value": "Samsung Galaxy S24 Noir Onyx", "language_tag": "fr_FR", "marketplace_id": MARKETPLACE}]
    patch = listings.patch_listings_item(
        "MODEL", "SPAPI-1", marketplaceIds=[MARKETPLACE],
        body={"productType": "CELLULAR_PHONE",
              "patches": [{"op": "replace", "path": "/attributes/item_name", "value": title}]})
    assert patch.payload["status"] == "ACCEPTED"
    got = listings.get_listings_item("MODEL", "SPAPI-1", marketplaceIds=[MARKETPLACE],
                                     includedData="summaries,attributes,issues")
    assert got.payload["attributes"]["item_name"] == title
    assert got.payload["summaries"][0]["productType"] == "CELLULAR_PHONE"

    from sp_api.base import SellingApiForbiddenException

    sandbox.expire_tokens()  # the client's cached token is now refused with Amazon's 403
    with pytest.raises(SellingApiForbiddenException):
        listings.get_listings_item("MODEL", "SPAPI-1", marketplaceIds=[MARKETPLACE])


# -- schemathesis: generated requests, bounded -------------------------------------------------

MAX_EXAMPLES = 8


def generated_cases(amazon):
    """(operation label, hypothesis strategy) for every operation of the three models, valid and malformed."""
    import schemathesis
    from schemathesis import GenerationMode

    cases = []
    for name in OPENAPI_FILES:
        schema = schemathesis.openapi.from_path(str(amazon / "openapi" / name))
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                cases.append((f"{operation.method.upper()} {operation.path} {mode.value}",
                              operation.as_strategy(generation_mode=mode)))
    return cases


def test_generated_requests_never_get_a_server_error_and_match_the_models(sandbox, openapi_contract, amazon):
    client = SpApi(sandbox, openapi_contract)
    assert client.put("EXISTING", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    problems: list[str] = []
    statuses: dict[int, int] = {}

    def runner(label, strategy):
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, authorized=st.sampled_from([True, True, True, False]))
        def run(case, authorized):
            kwargs = case.as_transport_kwargs(base_url=sandbox.url)
            headers = {k: v for k, v in kwargs.get("headers", {}).items() if k.lower() != "x-amz-access-token"}
            if authorized:
                headers["x-amz-access-token"] = client.token
            url = kwargs["url"] + (f"?{kwargs['params']}" if isinstance(kwargs.get("params"), str) else "")
            params = kwargs.get("params") if isinstance(kwargs.get("params"), dict) else None
            body = None
            if "json" in kwargs:
                body = json.dumps(kwargs["json"]).encode()
                headers.setdefault("Content-Type", "application/json")
            elif "data" in kwargs:
                body = kwargs["data"] if isinstance(kwargs["data"], bytes) else str(kwargs["data"]).encode()
            try:
                response = client.client.request(kwargs["method"], url, params=params, content=body,
                                                  headers=headers)
            except AssertionError as exc:  # the contract hook found a response that breaks the model
                problems.append(f"{label}: {exc}")
                return
            except httpx.InvalidURL:
                return  # a path hypothesis made that no HTTP client can send
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code} {response.text[:200]}")

        return run

    from hypothesis.errors import Unsatisfiable

    unsatisfiable = []
    for label, strategy in generated_cases(amazon):
        try:
            runner(label, strategy)()
        except Unsatisfiable:  # nothing malformed can be generated for an operation without inputs
            unsatisfiable.append(label)
    assert all(label.endswith("negative") for label in unsatisfiable), unsatisfiable
    assert not problems, "\n".join(problems[:10])
    assert statuses.get(400, 0) > 0 and statuses.get(403, 0) > 0  # malformed and unauthorized cases were sent
    assert len(openapi_contract.checked) >= 10  # nearly every operation answered and was checked
