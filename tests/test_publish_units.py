"""Pure parts of the publisher: EAN check digits, JSON Patch diffs, feed messages and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from tests.conftest import amazon_dir
from transpiler.config import Settings
from transpiler.productlive.gtin import check_digit, gtin_problem, gtin_type, is_valid_gtin
from transpiler.productlive.items import FieldValue, Item
from transpiler.publish.feed import batches, feed_header, patch_message, read_report, update_message
from transpiler.publish.listing import PL_EAN, PL_NO_ASIN, PL_UNKNOWN_FIELD, PL_VALUE, prepare
from transpiler.publish.mappings import MappingSet
from transpiler.publish.patch import listing_patches
from transpiler.workspace import Workspace

FR = "A13V1IB3VIYZZH"
REPO = Path(__file__).resolve().parents[1]


# -- EAN -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["4548736132610", "8806095301129", "0197849011325", "96385074", "036000291452"])
def test_real_barcodes_are_valid(code: str) -> None:
    assert is_valid_gtin(code)


@pytest.mark.parametrize("code, reason", [("4548736132611", "clé de contrôle"), ("45487361326", "chiffres"),
                                          ("45487361326A0", "chiffres"), ("", "chiffres")])
def test_wrong_barcodes_say_why_in_french(code: str, reason: str) -> None:
    assert reason in gtin_problem(code)


def test_check_digit_and_type() -> None:
    assert check_digit("454873613261") == 0
    assert (gtin_type("036000291452"), gtin_type("4548736132610"), gtin_type("14548736132617")) == ("upc", "ean",
                                                                                                   "gtin")


# -- JSON Patch ------------------------------------------------------------------------------------

def _v(value: object, **extra: object) -> list[dict]:
    return [{"value": value, "marketplace_id": FR, **extra}]


def test_patch_replaces_changed_attributes_only() -> None:
    current = {"item_name": _v("Ancien", language_tag="fr_FR"), "model_year": _v(2024), "brand": _v("Sony")}
    desired = {"item_name": _v("Nouveau", language_tag="fr_FR"), "model_year": _v(2024.0), "brand": _v("Sony"),
               "color": _v("Noir", language_tag="fr_FR")}
    patches = listing_patches(current, desired, managed=["item_name", "model_year", "brand", "color"])
    assert patches == [
        {"op": "replace", "path": "/attributes/color", "value": desired["color"]},
        {"op": "replace", "path": "/attributes/item_name", "value": desired["item_name"]},
    ]


def test_patch_deletes_by_selector_values_and_only_managed_attributes() -> None:
    current = {
        "generic_keyword": [{"value": "a", "marketplace_id": FR, "language_tag": "fr_FR"},
                            {"value": "b", "marketplace_id": FR, "language_tag": "fr_FR"}],
        "regulatory_compliance_certification": [
            {"regulation_type": "rohs_compliance", "certification_status": "compliant", "marketplace_id": FR}],
        "set_by_someone_else": _v("x"),
        "merchant_suggested_asin": _v("B0CSB7QJ2K"),
        "other_market_only": [{"value": "y", "marketplace_id": "A1PA6795UKMFR9"}],
    }
    patches = listing_patches(
        current, {}, managed=["generic_keyword", "regulatory_compliance_certification", "merchant_suggested_asin",
                              "other_market_only"],
        selectors={"regulatory_compliance_certification": ("marketplace_id", "regulation_type")},
        frozen={"merchant_suggested_asin"}, marketplace_id=FR)
    assert patches == [
        {"op": "delete", "path": "/attributes/generic_keyword", "value": [{"marketplace_id": FR,
                                                                          "language_tag": "fr_FR"}]},
        {"op": "delete", "path": "/attributes/regulatory_compliance_certification",
         "value": [{"marketplace_id": FR, "regulation_type": "rohs_compliance"}]},
    ]


def test_identical_listing_needs_no_patch() -> None:
    attributes = {"item_name": _v("Même", language_tag="fr_FR")}
    assert listing_patches(attributes, json.loads(json.dumps(attributes)), managed=["item_name"]) == []


# -- feeds -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def feed_validator() -> Draft7Validator:
    feeds = amazon_dir() / "feeds"
    schema = json.loads((feeds / "listings-feed-schema-v2.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema)


@pytest.fixture(scope="module")
def message_validator() -> Draft7Validator:
    schema = json.loads((amazon_dir() / "feeds" / "listings-feed-message-schema-v2.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema)


def _payload(product_type: str) -> dict:
    return json.loads((REPO / "tests" / "data" / "payloads" / f"{product_type}.valid.json").read_text("utf-8"))


def test_messages_are_valid_against_the_official_schemas(feed_validator: Draft7Validator,
                                                         message_validator: Draft7Validator) -> None:
    update = update_message(1, "SKU-1", "HEADPHONES", _payload("HEADPHONES"))
    patch = patch_message(2, "SKU-2", "HEADPHONES", [{"op": "replace", "path": "/attributes/item_name",
                                                      "value": _v("x", language_tag="fr_FR")}])
    for message in (update, patch):
        assert not list(message_validator.iter_errors(message))
    document = {"header": feed_header("MODEL"), "messages": [update, patch]}
    assert not list(feed_validator.iter_errors(document))
    assert document["header"]["report"]["includedData"] == ["issues", "summaries"]


def test_batches_respect_message_and_size_limits(feed_validator: Draft7Validator) -> None:
    payload = _payload("CELLULAR_PHONE")
    messages = [update_message(i, f"SKU-{i}", "CELLULAR_PHONE", payload) for i in range(1, 26)]
    by_count = list(batches(feed_header("MODEL"), messages, max_messages=10))
    assert [len(b.messages) for b in by_count] == [10, 10, 5]
    one = len(json.dumps(messages[0], ensure_ascii=False, separators=(",", ":")).encode())
    by_size = list(batches(feed_header("MODEL"), messages, max_bytes=one * 4 + 400))
    assert len(by_size) > 1 and all(len(b.body) <= one * 4 + 400 for b in by_size)
    assert sum(len(b.messages) for b in by_size) == 25
    for batch in by_count + by_size:
        assert not list(feed_validator.iter_errors(json.loads(batch.body)))
    with pytest.raises(ValueError):
        list(batches(feed_header("MODEL"), messages[:1], max_bytes=100))


def test_processing_report_maps_back_to_messages() -> None:
    example = json.loads((amazon_dir() / "feeds" / "listings-feed-processing-report-schema-v2.example.json")
                         .read_text(encoding="utf-8"))
    sent = [(4, "My-SKU-B"), (5, "My-SKU-C"), (6, "My-SKU-OK")]
    results, general = read_report(example, sent)
    # acceptance issues of the message, then the listing's own issues (raised later) and its ASIN
    assert not results[4].accepted and {i["code"] for i in results[4].issues} == {"90220", "18027", "18448"}
    assert results[4].asin == "B071VG5N9D"
    assert not results[5].accepted and results[5].issues[0]["attributeNames"] == ["purchasable_offer.our_price"]
    assert results[6].accepted
    assert isinstance(general, list)


# -- preparing items -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def table() -> MappingSet:
    return MappingSet.load(Workspace.create().mapping_dir)


def _item(fields: dict[str, list[FieldValue]], *, ean: str | None = "4548736132610") -> Item:
    identifiers = {"SKU": "T-1"}
    if ean:
        identifiers["EAN"] = ean
    return Item(index=1, line=1, identifiers=identifiers,
                classifications={"AMAZON_PRODUCT_TYPE": "HEADPHONES"}, fields=fields)


def test_prepare_names_the_field_of_each_problem(table: MappingSet) -> None:
    listing = prepare(_item({"item_weight": [FieldValue("lourd", "grams")], "inconnu": [FieldValue("x")]},
                            ean="4548736132611"), table, Settings(), mode="auto")
    by_code = {i.code: i for i in listing.issues}
    assert by_code[PL_VALUE].fields == ("item_weight",)
    assert by_code[PL_UNKNOWN_FIELD].fields == ("inconnu",)
    assert by_code[PL_EAN].fields == ("EAN",)
    assert not listing.sendable


def test_enrich_without_asin_is_refused(table: MappingSet) -> None:
    listing = prepare(_item({"item_name": [FieldValue("Casque")]}), table, Settings(), mode="enrich")
    assert PL_NO_ASIN in {i.code for i in listing.issues}


def test_auto_mode_enriches_when_an_asin_is_known(table: MappingSet) -> None:
    listing = prepare(_item({"amazon_asin": [FieldValue("B09Y2MYL5C")]}), table, Settings(), mode="auto")
    assert listing.mode == "enrich" and listing.note is None  # the mode has its own field, not a note
    assert listing.attributes["merchant_suggested_asin"] == [{"value": "B09Y2MYL5C", "marketplace_id": FR}]
    created = prepare(_item({}), table, Settings(), mode="auto")
    assert created.mode == "create"
    assert created.attributes["externally_assigned_product_identifier"][0]["value"] == "4548736132610"
