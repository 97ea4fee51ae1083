"""Requests as Amazon's models allow them: the parameter table derived from the OpenAPI files, and the
sandbox refusing (400 InvalidInput naming the parameter) what the models refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.sandbox_fixtures import MARKETPLACE, client_for, payload
from transpiler.amazon.openapi_parameters import RESTRICTIONS, parameter_table, quoted_in, read_models, render
from transpiler.workspace import DEFAULT_GENERATED

TABLE = DEFAULT_GENERATED / "amazon" / "parameters.json"


def test_the_committed_table_is_derived_from_amazons_models(amazon: Path) -> None:
    models = read_models(amazon / "openapi")
    assert TABLE.read_text(encoding="utf-8") == render(parameter_table(models))  # make regenerate is up to date
    operations = json.loads(TABLE.read_text(encoding="utf-8"))["operations"]
    assert len(operations) == 13

    def declared(operation: str, name: str) -> dict:
        return next(p for p in operations[operation]["parameters"] if p["name"] == name)

    assert declared("putListingsItem", "includedData")["items"]["enum"] == ["identifiers", "issues"]
    assert declared("putListingsItem", "marketplaceIds")["maxItems"] == 1
    assert declared("patchListingsItem", "mode")["enum"] == ["VALIDATION_PREVIEW"]
    assert declared("searchListingsItems", "identifiers")["maxItems"] == 20
    assert declared("searchListingsItems", "pageSize")["maximum"] == 20
    assert declared("getFeeds", "pageSize") == {"name": "pageSize", "in": "query", "required": False,
                                               "type": "integer", "minimum": 1, "maximum": 100, "default": 10}
    assert all(p["in"] in ("path", "query") for op in operations.values() for p in op["parameters"])


def test_every_restriction_quotes_its_model(amazon: Path) -> None:
    models = read_models(amazon / "openapi")
    missing = [r for r in RESTRICTIONS if not quoted_in(r, models)]
    assert not missing
    assert {r.operation for r in RESTRICTIONS} == {"putListingsItem", "patchListingsItem", "searchListingsItems",
                                                    "searchDefinitionsProductTypes", "getDefinitionsProductType",
                                                    "getFeeds"}


def _refused(response, parameter: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput" and f"'{parameter}'" in error["message"]


def test_identifiers_only_with_validation_preview(api) -> None:
    _refused(api.put("ID-1", payload("CELLULAR_PHONE"), includedData="issues,identifiers"), "includedData")
    preview = api.put("ID-1", payload("CELLULAR_PHONE"), includedData="issues,identifiers",
                      mode="VALIDATION_PREVIEW")
    assert preview.status_code == 200 and preview.json()["status"] == "VALID" and "identifiers" in preview.json()
    body = {"productType": "CELLULAR_PHONE", "patches": [{"op": "replace", "path": "/attributes/item_name",
                                                          "value": payload("CELLULAR_PHONE")["item_name"]}]}
    _refused(api.listing("PATCH", "ID-1", params={"includedData": "identifiers"}, json=body), "includedData")


@pytest.mark.parametrize(("method", "path", "params", "parameter"), [
    ("PUT", "/listings/2021-08-01/items/MODEL/P-1", {"marketplaceIds": f"{MARKETPLACE},A1PA6795UKMFR9"},
     "marketplaceIds"),
    ("PUT", "/listings/2021-08-01/items/MODEL/P-1", {"marketplaceIds": MARKETPLACE, "includedData": "offers"},
     "includedData"),
    ("PUT", "/listings/2021-08-01/items/MODEL/P-1", {"marketplaceIds": MARKETPLACE, "mode": "DRY_RUN"}, "mode"),
    ("GET", "/listings/2021-08-01/items/MODEL/P-1", {}, "marketplaceIds"),
    ("GET", "/listings/2021-08-01/items/MODEL/P-1", {"marketplaceIds": MARKETPLACE, "includedData": "identifiers"},
     "includedData"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "identifiers": "A"}, "identifiers"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "identifiersType": "SKU"},
     "identifiersType"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "identifiersType": "SKU",
                                                 "identifiers": ",".join(f"S{i}" for i in range(21))}, "identifiers"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "identifiersType": "SKU",
                                                 "identifiers": "S1", "variationParentSku": "P"}, "identifiers"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "pageSize": "21"}, "pageSize"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "withIssueSeverity": "INFO"},
     "withIssueSeverity"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "createdAfter": "yesterday"},
     "createdAfter"),
    ("GET", "/listings/2021-08-01/items/MODEL", {"marketplaceIds": MARKETPLACE, "sortOrder": "UP"}, "sortOrder"),
    ("GET", "/definitions/2020-09-01/productTypes", {"marketplaceIds": MARKETPLACE, "keywords": "coque",
                                                     "itemName": "Coque"}, "keywords"),
    ("GET", "/definitions/2020-09-01/productTypes/HEADPHONES", {"marketplaceIds": f"{MARKETPLACE},A1PA6795UKMFR9"},
     "marketplaceIds"),
    ("GET", "/definitions/2020-09-01/productTypes/HEADPHONES", {"marketplaceIds": MARKETPLACE, "locale": "fr_BE"},
     "locale"),
    ("GET", "/feeds/2021-06-30/feeds", {"feedTypes": "JSON_LISTINGS_FEED", "nextToken": "10"}, "nextToken"),
    ("GET", "/feeds/2021-06-30/feeds", {"feedTypes": "JSON_LISTINGS_FEED", "pageSize": "0"}, "pageSize"),
    ("GET", "/feeds/2021-06-30/feeds", {"feedTypes": "JSON_LISTINGS_FEED", "processingStatuses": "WAITING"},
     "processingStatuses"),
    ("GET", "/feeds/2021-06-30/documents/DOC-1", {"enableContentEncodingUrlHeader": "yes"},
     "enableContentEncodingUrlHeader"),
])
def test_the_sandbox_refuses_what_the_models_refuse(api, method, path, params, parameter) -> None:
    kwargs = {"json": {"productType": "CELLULAR_PHONE", "attributes": {}}} if method == "PUT" else {}
    _refused(api.request(method, path, params=params, **kwargs), parameter)


def test_the_publisher_asks_identifiers_only_in_preview(publish_run, sandbox, tmp_path) -> None:
    """The client's own calls pass the model's rules: includedData=identifiers only with VALIDATION_PREVIEW."""
    from tests.test_publish_sandbox import subset

    seen = []
    http = sandbox.client(timeout=30, event_hooks={"request": [lambda r: seen.append(r.url.params)]})
    items = subset(["MDL-S24-256-NOIR", "MDL-WH1000XM5-NOIR"], tmp_path)
    for preview in (True, False):  # a preview first: the SKUs are new (afterwards they are patched)
        result = publish_run(sandbox, tmp_path / str(preview), items, preview=preview,
                             client=client_for(sandbox, http=http))
        assert result.summary["failed"] == 0
    writes = [p for p in seen if "mode" in p or ("includedData" in p and "summaries" not in p["includedData"])]
    assert writes
    for params in writes:
        wants_identifiers = "identifiers" in params.get("includedData", "").split(",")
        assert not wants_identifiers or params.get("mode") == "VALIDATION_PREVIEW"
    assert any("identifiers" in p.get("includedData", "") for p in writes)  # previews do ask for the ASIN
