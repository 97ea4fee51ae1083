"""Listings Items API on the sandbox: judging, vendor rules, catalog, async processing, PATCH, persistence.

Every response goes through the `api` fixture, which checks it against the official OpenAPI model.
"""

from __future__ import annotations

from tests.sandbox_fixtures import FAST, MARKETPLACE, payload
from transpiler.sandbox.catalog import gtin_is_valid, load_catalog
from transpiler.sandbox.runner import open_sandbox

STEP = 0.05  # seconds of sandbox time between two reads


def wait_processed(api, sku: str, included: str = "summaries,issues", timeout: float = 5.0, **params) -> dict:
    """GET the listing until Amazon has processed it, moving the sandbox clock between reads."""
    waited = 0.0
    while True:
        item = api.listing("GET", sku, params={"includedData": included, **params}).json()
        if item.get("summaries") and (item["summaries"][0].get("status") or item.get("issues")):
            return item
        if waited >= timeout:
            return item
        api.sandbox.advance_clock(STEP)
        waited += STEP


def codes(body: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in body.get("issues", []):
        out.setdefault(issue["code"], []).extend(issue.get("attributeNames", []))
    return out


def test_valid_put_is_accepted_then_gets_a_new_asin_after_processing(api):
    attributes = payload("CELLULAR_PHONE")
    response = api.put("S24-BLACK", attributes, includedData="issues")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ACCEPTED" and body["issues"] == []
    assert "identifiers" not in body  # only in VALIDATION_PREVIEW; the ASIN comes from a later read
    pending = api.listing("GET", "S24-BLACK", params={"includedData": "summaries"}).json()
    assert "asin" not in pending["summaries"][0] and pending["summaries"][0]["status"] == []
    item = wait_processed(api, "S24-BLACK")
    summary = item["summaries"][0]
    assert summary["asin"].startswith("B0") and len(summary["asin"]) == 10
    assert summary["status"] == ["DISCOVERABLE"] and summary["productType"] == "CELLULAR_PHONE"
    assert item["issues"] == []


def test_merchant_suggested_asin_of_the_catalog_attaches_at_once(api):
    attributes = payload("HEADPHONES")
    asin = attributes["merchant_suggested_asin"][0]["value"]
    assert load_catalog().by_asin(asin) is not None
    body = api.put("WH1000XM5", attributes, product_type="HEADPHONES").json()
    assert body["status"] == "ACCEPTED"
    read = api.listing("GET", "WH1000XM5", params={"includedData": "summaries"}).json()
    assert read["summaries"][0]["asin"] == asin  # before processing
    assert wait_processed(api, "WH1000XM5")["summaries"][0]["asin"] == asin


def test_an_ean_of_the_catalog_matches_its_existing_asin(api):
    item = next(i for i in load_catalog().items if i.product_type == "CELLULAR_PHONE")
    attributes = payload("CELLULAR_PHONE")
    attributes["externally_assigned_product_identifier"][0]["value"] = item.ean
    preview = api.put("A55", attributes, includedData="identifiers", mode="VALIDATION_PREVIEW").json()
    assert preview["identifiers"] == [{"marketplaceId": MARKETPLACE, "asin": item.asin}]
    assert api.put("A55", attributes).json()["status"] == "ACCEPTED"
    read = api.listing("GET", "A55", params={"includedData": "summaries"}).json()
    assert read["summaries"][0]["asin"] == item.asin


def test_unknown_suggested_asin_and_conflicting_ean_surface_only_after_processing(api):
    attributes = payload("HEADPHONES")
    attributes["merchant_suggested_asin"][0]["value"] = "B0NOSUCH00"
    assert api.put("GHOST", attributes, product_type="HEADPHONES").json()["status"] == "ACCEPTED"
    other = next(i for i in load_catalog().items if i.asin != "B09Y2MYL5C")
    clash = payload("HEADPHONES")
    clash["externally_assigned_product_identifier"][0]["value"] = other.ean
    assert api.put("CLASH", clash, product_type="HEADPHONES").json()["status"] == "ACCEPTED"
    ghost = wait_processed(api, "GHOST")
    assert codes(ghost) == {"8566": ["merchant_suggested_asin"]}
    assert ghost["summaries"][0]["status"] == [] and "asin" not in ghost["summaries"][0]
    assert "8541" in codes(wait_processed(api, "CLASH"))


def test_late_warnings_for_http_images_and_long_titles(api):
    attributes = payload("CELLULAR_PHONE")
    attributes["main_product_image_locator"][0]["media_location"] = "http://images.example/s24.jpg"
    attributes["item_name"][0]["value"] = "Samsung Galaxy S24 " + "x" * 160
    response = api.put("LATE", attributes, issueLocale="fr_FR")
    assert response.json() == {**response.json(), "status": "ACCEPTED", "issues": []}
    item = wait_processed(api, "LATE", "summaries,issues", issueLocale="en_US")
    english = {i["code"]: i["message"] for i in item["issues"]}
    assert "must be served over https" in english["SANDBOX_IMAGE_NOT_HTTPS"]
    item = wait_processed(api, "LATE", "summaries,issues", issueLocale="fr_FR")
    found = {i["code"]: i for i in item["issues"]}
    assert set(found) == {"SANDBOX_IMAGE_NOT_HTTPS", "SANDBOX_TITLE_TOO_LONG"}
    assert all(i["severity"] == "WARNING" for i in item["issues"])
    assert found["SANDBOX_IMAGE_NOT_HTTPS"]["categories"] == ["INVALID_IMAGE"]
    image = found["SANDBOX_IMAGE_NOT_HTTPS"]["message"]
    assert "https" in image and "doivent" in image
    assert item["summaries"][0]["status"] == ["DISCOVERABLE"]  # warnings do not block


def test_invalid_put_gives_amazon_shaped_issues(api):
    attributes = payload("CELLULAR_PHONE")
    del attributes["brand"]
    attributes["not_an_attribute"] = [{"value": "x", "marketplace_id": MARKETPLACE}]
    attributes["item_name"][0]["value"] = "x" * 250
    body = api.put("BAD", attributes).json()
    assert body["status"] == "INVALID"
    found = codes(body)
    assert found["90220"] == ["brand"]
    assert found["90000900"] == ["not_an_attribute"]
    assert found["8105"] == ["item_name"]
    by_code = {i["code"]: i for i in body["issues"]}
    assert by_code["90220"]["categories"] == ["MISSING_ATTRIBUTE"]
    assert by_code["90000900"]["categories"] == ["INVALID_ATTRIBUTE"]
    assert all(i["severity"] == "ERROR" for i in body["issues"])
    assert api.listing("GET", "BAD").status_code == 404  # nothing stored


def test_conditional_requirement_identifier_missing(api):
    attributes = payload("CELLULAR_PHONE")
    del attributes["externally_assigned_product_identifier"]
    del attributes["supplier_declared_has_product_identifier_exemption"]
    body = api.put("NO-ID", attributes).json()
    assert body["status"] == "INVALID"
    missing = codes(body)["90220"]
    assert "externally_assigned_product_identifier" in missing or "merchant_suggested_asin" in missing


def test_issue_messages_follow_issue_locale(api):
    attributes = payload("CELLULAR_PHONE")
    del attributes["brand"]
    english = api.put("LOC", attributes, issueLocale="en_US").json()["issues"][0]["message"]
    french = api.put("LOC", attributes, issueLocale="fr_FR").json()["issues"][0]["message"]
    default = api.put("LOC", attributes).json()["issues"][0]["message"]
    assert "required" in english and "obligatoire" in french
    assert default == french  # Amazon.fr's language when issueLocale is not given


def test_language_tag_of_another_marketplace_is_invalid_language_data(api):
    attributes = payload("CELLULAR_PHONE")
    attributes["item_name"][0]["language_tag"] = "en_US"
    body = api.put("LANG", attributes).json()
    assert body["status"] == "INVALID" and codes(body)["100720"] == ["item_name"]


def test_bad_ean_check_digit_is_refused(api):
    attributes = payload("CELLULAR_PHONE")
    bad = attributes["externally_assigned_product_identifier"][0]["value"][:-1] + "0"
    assert not gtin_is_valid(bad)
    attributes["externally_assigned_product_identifier"][0]["value"] = bad
    assert "SANDBOX_GTIN_CHECK_DIGIT" in codes(api.put("EAN", attributes).json())


def test_validation_preview_judges_without_saving(api):
    attributes = payload("HEADPHONES")
    body = api.put("PREVIEW", attributes, product_type="HEADPHONES", mode="VALIDATION_PREVIEW",
                   includedData="identifiers,issues").json()
    assert body["status"] == "VALID"
    assert body["identifiers"][0]["asin"] == "B09Y2MYL5C"
    assert api.listing("GET", "PREVIEW").status_code == 404
    del attributes["brand"]
    invalid = api.put("PREVIEW", attributes, product_type="HEADPHONES", mode="VALIDATION_PREVIEW").json()
    assert invalid["status"] == "INVALID"


def test_vendor_rules_seller_id_and_offer_only(api):
    attributes = payload("CELLULAR_PHONE")
    # the selling partner id instead of the vendor code: Amazon's "Invalid 'sellerId' and 'marketplaceId'
    # combination" (amzn/selling-partner-api-docs#2107)
    malformed = api.listing("PUT", "X", seller="amzn1.vg.demo.MODEL", json={"productType": "CELLULAR_PHONE",
                                                                              "attributes": attributes})
    assert malformed.status_code == 400
    assert "Invalid 'sellerId' and 'marketplaceId' combination" in malformed.json()["errors"][0]["message"]
    for other in ("OTHER", "A2EUQ1WTGCTBG2", "AB1"):  # well-formed codes of any length, not this token's
        other_vendor = api.listing("PUT", "X", seller=other, json={"productType": "CELLULAR_PHONE",
                                                                   "attributes": attributes})
        assert other_vendor.status_code == 403
    offer_only = api.put("X", attributes, requirements="LISTING_OFFER_ONLY")
    assert offer_only.status_code == 400 and "LISTING_OFFER_ONLY" in offer_only.json()["errors"][0]["message"]
    assert api.put("X", attributes, requirements="LISTING").json()["status"] == "ACCEPTED"
    assert api.put("Y", attributes, requirements=None).json()["status"] == "ACCEPTED"


def test_unknown_product_type_is_invalid(api):
    body = api.put("PT", {"item_name": []}, product_type="LUGGAGE").json()
    assert body["status"] == "INVALID" and codes(body) == {"SANDBOX_UNKNOWN_PRODUCT_TYPE": []}


def test_patch_replace_merge_delete(api):
    attributes = payload("CELLULAR_PHONE")
    assert api.put("P1", attributes).json()["status"] == "ACCEPTED"
    patches = [
        {"op": "replace", "path": "/attributes/item_name",
         "value": [{"value": "Samsung Galaxy S24 Noir", "language_tag": "fr_FR", "marketplace_id": MARKETPLACE}]},
        {"op": "delete", "path": "/attributes/generic_keyword",
         "value": [{"marketplace_id": MARKETPLACE, "language_tag": "fr_FR"}]},
    ]
    response = api.listing("PATCH", "P1", json={"productType": "CELLULAR_PHONE", "patches": patches})
    assert response.json()["status"] == "ACCEPTED"
    stored = api.listing("GET", "P1", params={"includedData": "attributes"}).json()["attributes"]
    assert stored["item_name"][0]["value"] == "Samsung Galaxy S24 Noir"
    assert "generic_keyword" not in stored
    assert stored["brand"] == attributes["brand"]  # untouched


def test_patch_rejects_nested_paths_deletes_without_selectors_and_unknown_skus(api):
    assert api.put("P2", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    nested = api.listing("PATCH", "P2", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "replace", "path": "/attributes/item_name/0/value", "value": [{"value": "x"}]}]}).json()
    assert nested["status"] == "INVALID" and "SANDBOX_PATCH_PATH" in codes(nested)
    no_selector = api.listing("PATCH", "P2", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "delete", "path": "/attributes/bullet_point"}]}).json()
    assert no_selector["status"] == "INVALID" and "SANDBOX_PATCH_DELETE" in codes(no_selector)
    missing = api.listing("PATCH", "NOPE", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "replace", "path": "/attributes/brand", "value": [{"value": "x"}]}]}).json()
    assert missing["status"] == "INVALID" and "SANDBOX_PATCH_UNKNOWN_SKU" in codes(missing)
    breaking = api.listing("PATCH", "P2", json={"productType": "CELLULAR_PHONE", "patches": [
        {"op": "delete", "path": "/attributes/brand", "value": [{"marketplace_id": MARKETPLACE,
                                                                  "language_tag": "fr_FR"}]}]}).json()
    assert breaking["status"] == "INVALID" and codes(breaking)["90220"] == ["brand"]


def test_delete_and_search(api):
    for sku in ("D1", "D2"):
        assert api.put(sku, payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    found = api.request("GET", "/listings/2021-08-01/items/MODEL",
                        params={"marketplaceIds": MARKETPLACE, "identifiers": "D2", "identifiersType": "SKU"}).json()
    assert [i["sku"] for i in found["items"]] == ["D2"]
    assert api.listing("DELETE", "D1").json()["status"] == "ACCEPTED"
    assert api.listing("GET", "D1").status_code == 404
    assert api.listing("GET", "D2").status_code == 200


def test_get_included_data_values_are_checked(api):
    assert api.put("G", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
    every = "summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes"
    item = api.listing("GET", "G", params={"includedData": every}).json()
    assert set(item) == {"sku", *every.split(",")}
    assert item["productTypes"] == [{"marketplaceId": MARKETPLACE, "productType": "CELLULAR_PHONE"}]
    assert api.listing("GET", "G", params={"includedData": "identifiers"}).status_code == 400


def test_listings_survive_a_restart(tmp_path, openapi_contract):
    from tests.sandbox_fixtures import SpApi

    with open_sandbox(data=tmp_path, **FAST) as first:
        client = SpApi(first, openapi_contract)
        assert client.put("KEEP", payload("CELLULAR_PHONE")).json()["status"] == "ACCEPTED"
        asin = wait_processed(client, "KEEP")["summaries"][0]["asin"]
        client.close()
    with open_sandbox(data=tmp_path, **FAST) as second:
        client = SpApi(second, openapi_contract)
        item = client.listing("GET", "KEEP", params={"includedData": "summaries,attributes"}).json()
        assert item["summaries"][0]["asin"] == asin
        assert item["attributes"]["brand"][0]["value"] == "Samsung"
        client.close()


def test_malformed_bodies_get_400_413_415(api, sandbox):
    sku_path = "/listings/2021-08-01/items/MODEL/M"
    params = {"marketplaceIds": MARKETPLACE}
    not_json = api.request("PUT", sku_path, params=params, content=b"{not json",
                           headers={"content-type": "application/json"})
    assert not_json.status_code == 400
    wrong_type = api.request("PUT", sku_path, params=params, content=b"a=b",
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415
    too_big = api.request("PUT", sku_path, params=params, headers={"content-type": "application/json"},
                          content=b"[" + b"0," * (sandbox.settings.max_body_bytes // 2) + b"0]")
    assert too_big.status_code == 413
    no_market = api.request("PUT", sku_path, json={"productType": "CELLULAR_PHONE", "attributes": {}})
    assert no_market.status_code == 400
    assert api.request("PUT", sku_path, params=params, json=[1, 2]).status_code == 400
    assert sandbox.http.get(sandbox.url + "/no/such/path").json()["errors"][0]["code"] == "NotFound"


def test_catalog_is_valid_and_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    items = load_catalog().items
    assert len({i.asin for i in items}) == len(items) and len({i.ean for i in items}) == len(items)
    for item in items:
        assert gtin_is_valid(item.ean) and len(item.asin) == 10
        assert f"| {item.asin} | {item.ean} | {item.product_type} |" in doc
