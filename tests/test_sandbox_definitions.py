"""Product Type Definitions API on the sandbox: search, get, presigned schema links with real checksums."""

from __future__ import annotations

import json

from tests.sandbox_fixtures import MARKETPLACE
from transpiler.amazon.definitions import md5_base64
from transpiler.amazon.vocabulary import validator_for

PATH = "/definitions/2020-09-01/productTypes"


def test_search_by_keywords_and_item_name(api):
    everything = api.request("GET", PATH, params={"marketplaceIds": MARKETPLACE}).json()
    names = {p["name"] for p in everything["productTypes"]}
    assert {"CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"} <= names
    phones = api.request("GET", PATH, params={"marketplaceIds": MARKETPLACE, "keywords": "casque"}).json()
    assert [p["name"] for p in phones["productTypes"]] == ["HEADPHONES"]
    both = api.request("GET", PATH, params={"marketplaceIds": MARKETPLACE, "keywords": "x", "itemName": "y"})
    assert both.status_code == 400
    assert api.request("GET", PATH).status_code == 400


def test_get_definition_links_download_with_matching_checksum(api):
    response = api.request("GET", f"{PATH}/CELLULAR_PHONE", params={
        "marketplaceIds": MARKETPLACE, "requirements": "LISTING_PRODUCT_ONLY", "locale": "fr_FR", "sellerId": "MODEL"})
    envelope = response.json()
    assert response.headers["x-amzn-RateLimit-Limit"] == "5"
    assert envelope["productType"] == "CELLULAR_PHONE" and envelope["requirements"] == "LISTING_PRODUCT_ONLY"
    assert envelope["locale"] == "fr_FR" and envelope["marketplaceIds"] == [MARKETPLACE]
    schema = api.sandbox.http.get(envelope["schema"]["link"]["resource"])  # no SP-API auth, like an S3 link
    assert md5_base64(schema.content) == envelope["schema"]["checksum"]
    meta = api.sandbox.http.get(envelope["metaSchema"]["link"]["resource"])
    assert md5_base64(meta.content) == envelope["metaSchema"]["checksum"]
    assert json.loads(meta.content)["$id"].endswith("/meta-schema/v1")


def test_not_enforced_schema_drops_required_attributes(api):
    envelope = api.request("GET", f"{PATH}/CELLULAR_PHONE", params={
        "marketplaceIds": MARKETPLACE, "requirementsEnforced": "NOT_ENFORCED"}).json()
    assert envelope["requirementsEnforced"] == "NOT_ENFORCED"
    data = api.sandbox.http.get(envelope["schema"]["link"]["resource"]).content
    assert md5_base64(data) == envelope["schema"]["checksum"]
    relaxed = json.loads(data)
    assert "required" not in relaxed
    partial = {"brand": [{"value": "Samsung", "language_tag": "fr_FR", "marketplace_id": MARKETPLACE}]}
    assert not list(validator_for(relaxed).iter_errors(partial))


def test_parameters_are_checked(api):
    assert api.request("GET", f"{PATH}/LUGGAGE", params={"marketplaceIds": MARKETPLACE}).status_code == 404
    two = api.request("GET", f"{PATH}/CELLULAR_PHONE", params={"marketplaceIds": f"{MARKETPLACE},ATVPDKIKX0DER"})
    assert two.status_code == 400
    for name, value in (("requirements", "EVERYTHING"), ("locale", "xx_XX"), ("requirementsEnforced", "MAYBE"),
                        ("parentageLevel", "GRANDPARENT")):
        bad = api.request("GET", f"{PATH}/CELLULAR_PHONE", params={"marketplaceIds": MARKETPLACE, name: value})
        assert bad.status_code == 400, name
    other = api.request("GET", f"{PATH}/CELLULAR_PHONE", params={"marketplaceIds": MARKETPLACE, "sellerId": "OTHER"})
    assert other.status_code == 403


def test_schema_links_expire_after_seven_days(api, sandbox):
    envelope = api.request("GET", f"{PATH}/HEADPHONES", params={"marketplaceIds": MARKETPLACE}).json()
    link = envelope["schema"]["link"]["resource"]
    sandbox.advance_clock(6 * 24 * 3600)
    assert api.sandbox.http.get(link).status_code == 200
    sandbox.advance_clock(2 * 24 * 3600)
    assert api.sandbox.http.get(link).status_code == 403
    assert api.sandbox.http.get(link.split("?")[0]).status_code == 403  # unsigned
