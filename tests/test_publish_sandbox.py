"""`publish` end to end: the real client against the real sandbox (in process, on the sandbox clock)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.sandbox_fixtures import client_for
from transpiler.mapping import publication
from transpiler.productlive.items import read_items
from transpiler.publish.run import PublishOptions, PublishResult, publish
from transpiler.sandbox.runner import SandboxHandle
from transpiler.spapi import RetryPolicy
from transpiler.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "items.xml"
EXPECTED = json.loads((REPO / "examples" / "expected.json").read_text(encoding="utf-8"))


def report(result: PublishResult) -> dict[str, dict[str, Any]]:
    document = json.loads(result.report_path.read_text(encoding="utf-8"))
    return {item["sku"]: item for item in document["items"]}


def subset(skus: list[str], tmp: Path, name: str = "subset.xml", change: Any = None) -> Path:
    """A copy of the example export with only these SKUs (optionally changed by `change(model)`, the
    model item holding the article): each model keeps the articles asked for (and the colours holding
    them), a model without any is dropped."""
    tree = etree.parse(str(EXAMPLE))
    container = tree.getroot().find("Items")
    for model in list(container):
        for article in list(model.iter("Item")):
            sku = article.findtext("Identifier[@key='SKU']")
            if sku is None:
                continue
            if sku not in skus:
                article.getparent().remove(article)
            elif change is not None:
                change(model)
        for colour in list(model.iterfind("Item")):
            if colour.find(".//Identifier[@key='SKU']") is None:
                model.remove(colour)
        if model.find(".//Identifier[@key='SKU']") is None:
            container.remove(model)
    path = tmp / name
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    return path


def answered(path: Path) -> dict[str, Any]:
    """The items of an acknowledgement file that answer a listing, by SKU: the articles (nested in their
    models) and the models that answer a family's parent listing (`amazon_parent_status`)."""
    out = {}
    for top in read_items(path):
        for item in (top, *top.descendants()):
            if item.identifier("SKU"):
                out[item.identifier("SKU")] = item
            elif item.identifier("PARENT_SKU") and item.first(publication.parent_key(publication.STATUS)):
                out[item.identifier("PARENT_SKU")] = item
    return out


def stored(handle: SandboxHandle) -> dict[str, dict[str, Any]]:
    return {row["sku"]: row for row in handle.state.store.listings("MODEL")}


def test_mixed_batch_every_item_ends_as_expected(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    result = publish_run(sandbox, tmp_path, via="listings")
    items = report(result)
    assert {sku: item["status"] for sku, item in items.items()} == EXPECTED
    assert result.exit_code == 1  # some items are INVALID
    assert result.summary["statuses"]["ACCEPTED"] == sum(1 for s in EXPECTED.values() if s == "ACCEPTED")
    # invalid items name the Product-Live fields to fix, and were never sent
    assert items["MDL-S24-BAD-EAN"]["issues"][0]["fields"] == ["EAN"]
    assert items["MDL-S24-SANS-TITRE"]["issues"][0]["code"] == "90220"
    assert items["MDL-S24-SANS-TITRE"]["issues"][0]["fields"] == ["item_name"]
    no_id = items["MDL-COQUE-S24-SANS-ID"]["issues"][0]  # the identifier rule of a new product, said in words
    assert "EAN" in " ".join(no_id["fields"]) and "Règle d'Amazon" in no_id["message"]
    too_long = items["MDL-WF1000XM5-NOIR"]["issues"][0]
    assert too_long["fields"] == ["item_name"] and "200" in too_long["message"]
    listings = stored(sandbox)
    refused_before = {"MDL-S24-BAD-EAN", "MDL-S24-SANS-TITRE", "MDL-COQUE-S24-SANS-ID", "MDL-WF1000XM5-NOIR"}
    assert not refused_before & set(listings)
    # new products got a new ASIN after processing; enrichments kept the catalog's
    assert items["MDL-S24-256-NOIR"]["asin"] == listings["MDL-S24-256-NOIR"]["asin"]
    assert items["MDL-S24-256-NOIR"]["mode"] == "create" and items["MDL-S24-256-NOIR"]["operation"] == "PUT"
    assert items["MDL-A55-128-BLEU"]["asin"] == "B0CSB7QJ2K" and items["MDL-A55-128-BLEU"]["mode"] == "enrich"
    # Amazon accepted it, then found the ASIN belongs to another EAN: reported INVALID, field named
    late = items["MDL-LEGION-Y70-GRIS"]
    assert late["submissionId"] and late["issues"][0]["code"] == "8541"
    assert "merchant_suggested_asin" in late["issues"][0]["fields"]
    # a warning raised during processing stays on an accepted item
    sable = items["MDL-WH1000XM5-SABLE"]
    assert sable["status"] == "ACCEPTED" and sable["issues"][0]["severity"] == "WARNING"
    assert sable["issues"][0]["fields"] == ["item_name"]
    # the acknowledgement XML has one item per SKU with the publication fields
    acks = answered(result.acknowledgements_path)
    assert set(acks) == set(EXPECTED)
    assert acks["MDL-S24-256-NOIR"].first(publication.STATUS) == "ACCEPTED"
    assert acks["MDL-S24-256-NOIR"].first(publication.ASIN) == items["MDL-S24-256-NOIR"]["asin"]
    assert "[ERREUR" in acks["MDL-S24-BAD-EAN"].first(publication.ISSUES)


def test_rerun_on_unchanged_data_sends_nothing(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    first = publish_run(sandbox, tmp_path, via="listings")
    before = {sku: row["updated"] for sku, row in stored(sandbox).items()}
    second = publish_run(sandbox, tmp_path, via="listings")
    after = {sku: row["updated"] for sku, row in stored(sandbox).items()}
    assert before == after
    sent = sum(1 for s in report(first).values() if s["operation"])
    assert second.summary["unchanged"] == sent and second.summary["operations"] == {}
    assert {k: v["status"] for k, v in report(second).items()} == EXPECTED
    forced = publish_run(sandbox, tmp_path, via="listings", force=True)
    assert forced.summary["unchanged"] == 0 and forced.summary["operations"]


def test_enrich_an_existing_sku_by_patch(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    sku = "MDL-A55-128-BLEU"
    first = publish_run(sandbox, tmp_path, items=subset([sku], tmp_path, "a.xml"), via="listings")
    assert report(first)[sku]["operation"] == "PUT" and report(first)[sku]["mode"] == "enrich"

    def change(item: etree._Element) -> None:
        item.find("Field[@key='item_name']").text = "Samsung Galaxy A55 5G, 128 Go, Bleu Marine (nouveau titre)"
        item.remove(item.find("Field[@key='generic_keyword_1']"))
        item.find("Field[@key='brand']").text = "Samsung Electronics"  # `editable: false` in the schema

    second = publish_run(sandbox, tmp_path, items=subset([sku], tmp_path, "b.xml", change), via="listings")
    ack = report(second)[sku]
    assert ack["status"] == "ACCEPTED" and ack["operation"] == "PATCH"
    assert "item_name" in ack["note"] and "generic_keyword" in ack["note"] and "brand" not in ack["note"]
    # the change a patch may not carry is reported on the field, not silently dropped
    held = [i for i in ack["issues"] if i["code"] == "PUB_NOT_EDITABLE"]
    assert [(i["severity"], i["fields"]) for i in held] == [("WARNING", ["brand"])]
    listing = stored(sandbox)[sku]
    assert listing["attributes"]["item_name"][0]["value"].endswith("(nouveau titre)")
    assert "generic_keyword" not in listing["attributes"]
    assert listing["attributes"]["brand"][0]["value"] == "Samsung"  # not editable on an existing item


def test_enrich_by_put_when_the_sku_is_new(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    sku = "MDL-S24U-512-TITANE"  # ASIN only in the publication field, no EAN
    result = publish_run(sandbox, tmp_path, items=subset([sku], tmp_path), mode="enrich", via="listings")
    ack = report(result)[sku]
    assert (ack["status"], ack["operation"], ack["asin"]) == ("ACCEPTED", "PUT", "B0CSB9KD4P")
    assert stored(sandbox)[sku]["attributes"]["merchant_suggested_asin"][0]["value"] == "B0CSB9KD4P"


def test_preview_saves_nothing(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    skus = ["MDL-S24-256-NOIR", "MDL-COQUE-S24-NOIR", "MDL-S24-BAD-EAN"]
    result = publish_run(sandbox, tmp_path, items=subset(skus, tmp_path), preview=True, via="auto")
    statuses = {k: v["status"] for k, v in report(result).items()}
    assert statuses == {"MDL-S24-256-NOIR": "VALID", "MDL-COQUE-S24-NOIR": "VALID", "MDL-S24-BAD-EAN": "INVALID"}
    assert stored(sandbox) == {}
    assert not (tmp_path / "journal.sqlite3").exists() or result.summary["unchanged"] == 0


def test_feed_publishes_with_one_create_feed_then_one_for_the_children(publish_run, sandbox: SandboxHandle,
                                                                         tmp_path: Path) -> None:
    result = publish_run(sandbox, tmp_path, via="feed")
    items = report(result)
    assert {sku: item["status"] for sku, item in items.items()} == EXPECTED
    assert len(result.summary["feeds"]) == 2  # the family's children wait for their parent's feed
    first, second = result.summary["feeds"]
    accepted = [i for i in items.values() if i["status"] == "ACCEPTED"]
    assert all(i["operation"] == "FEED" and i["asin"] for i in accepted)
    assert {i["submissionId"] for i in accepted if i.get("role") == "child"} == {second}
    assert {i["submissionId"] for i in accepted if i.get("role") != "child"} == {first}
    assert items["MDL-LEGION-Y70-GRIS"]["issues"][0]["code"] == "8541"
    assert set(stored(sandbox)) == {sku for sku, i in items.items() if i["operation"] == "FEED"}


def test_broken_file_still_acknowledges_the_items_read(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    text = subset(["MDL-S24-256-NOIR", "MDL-COQUE-S24-NOIR"], tmp_path).read_text(encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("</Items>", "<Item><Field key='x'>a < b</Field></Item></Items>"),
                      encoding="utf-8")
    result = publish_run(sandbox, tmp_path, items=broken, via="listings")
    assert {k: v["status"] for k, v in report(result).items()} == {"MDL-S24-256-NOIR": "ACCEPTED",
                                                                   "MDL-COQUE-S24-NOIR": "ACCEPTED"}
    assert result.file_errors and "malformed XML" in result.file_errors[0]
    assert result.exit_code == 1


def test_faults_every_item_acknowledged_and_no_accepted_item_sent_twice(
        publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    sandbox.set_faults("429=0.07,503=0.07,drop=0.06,seed=11")
    accepted_answers: Counter[str] = Counter()

    def count(response: httpx.Response) -> None:
        request = response.request
        if request.method in ("PUT", "PATCH") and "/listings/" in request.url.path and response.status_code == 200:
            response.read()
            if response.json().get("status") == "ACCEPTED":
                accepted_answers[response.json()["sku"]] += 1

    http = sandbox.client(event_hooks={"response": [count]}, timeout=10)
    client = client_for(sandbox, http=http, retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.2))
    result = publish_run(sandbox, tmp_path, client=client, via="listings")
    items = report(result)
    assert set(items) == set(EXPECTED)  # every item that entered left with a final acknowledgement
    assert all(i["status"] in ("ACCEPTED", "INVALID", "ERROR") for i in items.values())
    assert max(accepted_answers.values()) == 1
    # a second run without faults finishes the items in ERROR and resends no accepted one
    sandbox.set_faults("")
    accepted_before = {s for s, i in items.items() if i["status"] == "ACCEPTED"}
    updated = {sku: row["updated"] for sku, row in stored(sandbox).items()}
    again = report(publish_run(sandbox, tmp_path, client=client, via="listings"))
    assert {k: v["status"] for k, v in again.items()} == EXPECTED
    assert all(stored(sandbox)[sku]["updated"] == updated[sku] for sku in accepted_before)
    assert max(accepted_answers.values()) == 1
    http.close()


def test_settings_without_vendor_code_are_refused(tmp_path: Path) -> None:
    from transpiler.errors import ConfigError

    with pytest.raises(ConfigError):
        publish(EXAMPLE, Workspace.create(), PublishOptions(out_dir=tmp_path))


def test_auto_switches_to_the_feed_from_the_threshold(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    skus = ["MDL-S24-256-NOIR", "MDL-COQUE-S24-NOIR", "MDL-WH1000XM5-ARGENT"]
    small = publish_run(sandbox, tmp_path, items=subset(skus, tmp_path), via="auto", feed_threshold=4)
    assert small.summary["via"] == "listings"
    large = publish_run(sandbox, tmp_path / "large", via="auto", feed_threshold=4)
    assert large.summary["via"] == "feed" and len(large.summary["feeds"]) == 2  # parents, then children
