"""Variation families on the sandbox: judged like Amazon, through the Listings Items API and feeds.

Every response goes through the `api` fixture, which checks it against the official OpenAPI model.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.sandbox_fixtures import FAST, MARKETPLACE, SpApi, payload
from tests.test_sandbox_listings import codes, wait_processed
from transpiler.sandbox.catalog import gtin_is_valid
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.runner import open_sandbox
from transpiler.sandbox.settings import default_definitions_root

THEME = "COLOR/MEMORY_STORAGE_CAPACITY"
PARENT = "GS24-FAMILLE"


def ean13(base: str) -> str:
    """A valid EAN-13 from 12 digits (the sandbox refuses bad check digits)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(base))
    code = base + str((10 - total % 10) % 10)
    assert gtin_is_valid(code)
    return code


def family_attributes(role: str, *, parent: str = PARENT, theme: str = THEME) -> dict[str, Any]:
    attributes = payload("CELLULAR_PHONE")
    attributes["parentage_level"] = [{"value": role, "marketplace_id": MARKETPLACE}]
    relation = {"child_relationship_type": "variation", "marketplace_id": MARKETPLACE}
    if role == "child":
        relation["parent_sku"] = parent
    attributes["child_parent_sku_relationship"] = [relation]
    attributes["variation_theme"] = [{"name": theme, "marketplace_id": MARKETPLACE}]
    if role == "parent":
        for name in ("externally_assigned_product_identifier", "supplier_declared_has_product_identifier_exemption",
                     "color", "memory_storage_capacity"):
            attributes.pop(name)
    return attributes


def child(color: str, capacity: int, ean: str, **kwargs: Any) -> dict[str, Any]:
    attributes = family_attributes("child", **kwargs)
    attributes["color"][0]["value"] = color
    attributes["memory_storage_capacity"][0]["value"] = capacity
    attributes["externally_assigned_product_identifier"][0]["value"] = ean
    return attributes


CHILDREN = {
    "GS24-NOIR-128": child("Noir Onyx", 128, ean13("880609529100")),
    "GS24-NOIR-256": child("Noir Onyx", 256, ean13("880609529101")),
    "GS24-VIOLET-256": child("Violet Cobalt", 256, ean13("880609529102")),
}


def put_family(api) -> None:
    assert api.put(PARENT, family_attributes("parent")).json()["status"] == "ACCEPTED"
    for sku, attributes in CHILDREN.items():
        body = api.put(sku, attributes).json()
        assert body["status"] == "ACCEPTED", body


def test_a_family_is_accepted_with_an_asin_per_child_and_its_relationships(api):
    put_family(api)
    parent = wait_processed(api, PARENT, "summaries,issues,relationships")
    assert parent["summaries"][0]["asin"].startswith("B0")  # a parent has its own ASIN
    assert parent["relationships"][0]["relationships"] == [{
        "type": "VARIATION", "childSkus": sorted(CHILDREN),
        "variationTheme": {"theme": THEME, "attributes": ["color", "memory_storage_capacity"]}}]
    asins = set()
    for sku in CHILDREN:
        item = wait_processed(api, sku, "summaries,issues,relationships")
        assert item["issues"] == []
        asins.add(item["summaries"][0]["asin"])
        assert item["relationships"][0]["relationships"][0]["parentSkus"] == [PARENT]
    assert len(asins) == 3 and parent["summaries"][0]["asin"] not in asins
    search = api.request("GET", "/listings/2021-08-01/items/MODEL", params={
        "marketplaceIds": MARKETPLACE, "variationParentSku": PARENT}).json()
    assert sorted(i["sku"] for i in search["items"]) == sorted(CHILDREN)
    both = api.request("GET", "/listings/2021-08-01/items/MODEL", params={
        "marketplaceIds": MARKETPLACE, "variationParentSku": PARENT, "identifiers": "X", "identifiersType": "SKU"})
    assert both.status_code == 400


def test_a_duplicate_combination_is_refused_with_a_french_message(api):
    put_family(api)
    twin = child("Noir Onyx", 256, ean13("880609529109"))
    body = api.put("GS24-NOIR-256-BIS", twin).json()
    assert body["status"] == "INVALID"
    assert codes(body) == {"8016": ["color", "memory_storage_capacity"]}
    message = body["issues"][0]["message"]
    assert "GS24-NOIR-256" in message and "« Noir Onyx »" in message and "« 256 GB »" in message
    assert message.startswith("Les données ne permettent pas de créer la relation de variation")
    # the same combination in English when asked
    english = api.put("GS24-NOIR-256-BIS", twin, issueLocale="en_US").json()["issues"][0]["message"]
    assert "already has" in english
    # a different capacity is a new child
    assert api.put("GS24-NOIR-512", child("Noir Onyx", 512, ean13("880609529110"))).json()["status"] == "ACCEPTED"


def test_a_child_must_point_at_an_existing_parent_of_its_product_type(api):
    orphan = api.put("GS24-ORPHELIN", child("Noir Onyx", 128, ean13("880609529103"), parent="INCONNU")).json()
    assert orphan["status"] == "INVALID" and codes(orphan) == {"8007": ["child_parent_sku_relationship"]}
    assert "n'est pas reconnu" in orphan["issues"][0]["message"]
    # a lone listing is not a parent
    assert api.put("SEUL", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    lone = api.put("GS24-X", child("Noir Onyx", 128, ean13("880609529104"), parent="SEUL")).json()
    assert codes(lone) == {"8007": ["child_parent_sku_relationship"]} and "pas un parent" in lone["issues"][0][
        "message"]
    # a parent of another product type
    headphones = payload("HEADPHONES")
    headphones.pop("merchant_suggested_asin", None)
    headphones.update({k: v for k, v in family_attributes("parent", theme="COLOR").items()
                       if k in ("parentage_level", "child_parent_sku_relationship", "variation_theme")})
    assert api.put("CASQUE-FAMILLE", headphones, product_type="HEADPHONES").json()["status"] == "ACCEPTED"
    other = api.put("GS24-Y", child("Noir Onyx", 128, ean13("880609529105"), parent="CASQUE-FAMILLE")).json()
    assert codes(other) == {"8007": ["child_parent_sku_relationship"]}
    assert "HEADPHONES" in other["issues"][0]["message"]
    # its own SKU
    itself = api.put("GS24-Z", child("Noir Onyx", 128, ean13("880609529106"), parent="GS24-Z")).json()
    assert codes(itself) == {"8019": ["child_parent_sku_relationship"]}


def test_a_child_shares_its_parents_theme(api):
    put_family(api)
    odd = api.put("GS24-ROSE", child("Rose", 128, ean13("880609529107"), theme="COLOR")).json()
    assert codes(odd) == {"8016": ["variation_theme"]}
    assert "COLOR" in odd["issues"][0]["message"] and THEME in odd["issues"][0]["message"]


def test_a_child_moves_to_another_family_by_patch(api):
    put_family(api)
    other = family_attributes("parent")
    assert api.put("GS24-FAMILLE-2", other).json()["status"] == "ACCEPTED"
    relation = [{"child_relationship_type": "variation", "parent_sku": "GS24-FAMILLE-2", "marketplace_id": MARKETPLACE}]
    moved = api.listing("PATCH", "GS24-VIOLET-256", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "replace", "path": "/attributes/child_parent_sku_relationship", "value": relation}]}).json()
    assert moved["status"] == "ACCEPTED", moved
    first = api.listing("GET", PARENT, params={"includedData": "relationships"}).json()
    assert first["relationships"][0]["relationships"][0]["childSkus"] == ["GS24-NOIR-128", "GS24-NOIR-256"]
    second = api.listing("GET", "GS24-FAMILLE-2", params={"includedData": "relationships"}).json()
    assert second["relationships"][0]["relationships"][0]["childSkus"] == ["GS24-VIOLET-256"]
    # moving a twin of GS24-VIOLET-256 there too is refused
    twin = api.listing("PATCH", "GS24-NOIR-256", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "replace", "path": "/attributes/child_parent_sku_relationship", "value": relation},
        {"op": "replace", "path": "/attributes/color", "value": CHILDREN["GS24-VIOLET-256"]["color"]}]}).json()
    assert twin["status"] == "INVALID" and "8016" in codes(twin)


def test_joining_a_family_counts_in_the_relationships_limit(api, sandbox):
    """Lone listings join a family by PATCH: relationship updates of one app share 5 per second."""
    sandbox.set_rate_limits(0.01)  # Amazon's rates / 100: nothing refills during the test
    assert api.put(PARENT, family_attributes("parent")).status_code == 200
    family = {k: v for k, v in family_attributes("child").items()
              if k in ("parentage_level", "child_parent_sku_relationship", "variation_theme")}

    def join(sku: str, **kwargs: Any) -> Any:
        patches = [{"op": "replace", "path": f"/attributes/{k}", "value": v} for k, v in family.items()]
        return api.listing("PATCH", sku, json={"productType": "CELLULAR_PHONE", "patches": patches}, **kwargs)

    for sku, attributes in CHILDREN.items():  # lone listings first
        lone = {k: v for k, v in attributes.items() if k not in family}
        assert api.put(sku, lone).json()["status"] == "ACCEPTED"
    joined = [join(sku) for sku in CHILDREN]
    assert [r.json()["status"] for r in joined] == ["ACCEPTED"] * 3
    assert [join("INCONNU").status_code for _ in range(2)] == [200, 200]  # five relationship updates
    other = sandbox.state.issue_access_token(sandbox.registration.client_id, "amzn1.vg.other", "OTHER")
    refused = join("SKU-OF-OTHER", seller="OTHER", token=other)  # OTHER's own bucket is full
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["message"] == (
        "The frequency of requests was greater than what is allowed for relationships.")
    # an update without relationship attributes is not held by that limit
    name = [{"op": "replace", "path": "/attributes/item_name", "value": CHILDREN["GS24-NOIR-128"]["item_name"]}]
    assert api.listing("PATCH", "SKU-OF-OTHER", seller="OTHER", token=other, json={
        "productType": "CELLULAR_PHONE", "patches": name}).status_code == 200


def test_a_feed_judges_families_message_by_message(api):
    def message(i: int, sku: str, attributes: dict[str, Any]) -> dict[str, Any]:
        return {"messageId": i, "sku": sku, "operationType": "UPDATE", "productType": "CELLULAR_PHONE",
                "requirements": "LISTING_PRODUCT_ONLY", "attributes": attributes}

    messages = [message(1, PARENT, family_attributes("parent"))]
    messages += [message(i, sku, a) for i, (sku, a) in enumerate(CHILDREN.items(), start=2)]
    messages.append(message(9, "GS24-ORPHELIN", child("Noir", 64, ean13("880609529108"), parent="INCONNU")))
    document = {"header": {"sellerId": "MODEL", "version": "2.0", "issueLocale": "fr_FR"}, "messages": messages}
    created = api.request("POST", "/feeds/2021-06-30/documents", json={"contentType": "application/json"}).json()
    assert api.client.put(created["url"], content=json.dumps(document).encode(),
                          headers={"content-type": "application/json"}).is_success
    feed = api.request("POST", "/feeds/2021-06-30/feeds", json={
        "feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": created["feedDocumentId"]}).json()
    for _ in range(200):
        status = api.request("GET", f"/feeds/2021-06-30/feeds/{feed['feedId']}").json()
        if status["processingStatus"] == "DONE":
            break
        api.sandbox.advance_clock(0.1)
    result = api.request("GET", f"/feeds/2021-06-30/documents/{status['resultFeedDocumentId']}").json()
    report = api.client.get(result["url"]).json()
    assert report["summary"]["messagesAccepted"] == 4 and report["summary"]["messagesInvalid"] == 1
    assert [(i["messageId"], i["code"]) for i in report["issues"]] == [(9, "8007")]


@pytest.fixture
def untied(tmp_path) -> ProductTypes:
    """The sample phone schema without the rules that tie its themes to their attributes."""
    source = default_definitions_root() / MARKETPLACE / "fr_FR"
    target = tmp_path / "definitions" / MARKETPLACE / "fr_FR"
    target.mkdir(parents=True)
    schema = json.loads((source / "CELLULAR_PHONE.json").read_text(encoding="utf-8"))
    schema["allOf"] = [rule for rule in schema["allOf"] if "allOf" not in rule]
    (target / "CELLULAR_PHONE.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return ProductTypes(tmp_path / "definitions")


def test_theme_attributes_are_required_of_every_child_even_without_schema_rules(untied, tmp_path,
                                                                              openapi_contract):
    handle = open_sandbox(data=tmp_path / "data", product_types=untied, definitions=untied.root, **FAST)
    try:
        api = SpApi(handle, openapi_contract)
        assert api.put(PARENT, family_attributes("parent")).json()["status"] == "ACCEPTED"
        bare = copy.deepcopy(CHILDREN["GS24-NOIR-128"])
        del bare["memory_storage_capacity"]
        body = api.put("GS24-SANS-CAPACITE", bare).json()
        assert codes(body) == {"8016": ["memory_storage_capacity"]}
        assert "memory_storage_capacity" in body["issues"][0]["message"]
    finally:
        handle.stop()
