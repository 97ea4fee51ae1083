"""Publishing multi-level exports: variation families end to end on the sandbox (in process)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.family_items import MODEL_TITLE, article, ean, export, model_item
from tests.sandbox_fixtures import client_for
from tests.test_publish_sandbox import report, stored
from transpiler.mapping import publication
from transpiler.productlive.items import read_items
from transpiler.sandbox.runner import SandboxHandle

PARENT = "GS24-FAMILLE"
ARTICLES = [
    article("GS24-NOIR-128", "Noir Onyx", 128, ean("880609530100")),
    article("GS24-NOIR-256", "Noir Onyx", 256, ean("880609530101")),
    article("GS24-VIOLET-128", "Violet Cobalt", 128, ean("880609530102"), family="Violet"),
    article("GS24-VIOLET-256", "Violet Cobalt", 256, ean("880609530103"), family="Violet"),
]


class Recorder:
    """The SP-API requests the publisher makes, in order (method, path, JSON body)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, request: Any) -> None:
        body = json.loads(request.content) if request.content and request.headers.get(
            "content-type", "").startswith("application/json") else None
        self.calls.append((request.method, request.url.path, body))

    def submissions(self) -> list[tuple[str, str]]:
        return [(method, path.rsplit("/", 1)[-1]) for method, path, _ in self.calls
                if method in ("PUT", "PATCH") and "/listings/" in path]

    def body(self, method: str, sku: str) -> Any:
        return next(b for m, p, b in reversed(self.calls) if m == method and p.endswith("/" + sku))


def recorded(handle: SandboxHandle) -> tuple[Any, Recorder]:
    recorder = Recorder()
    return client_for(handle, http=handle.client(timeout=30, event_hooks={"request": [recorder]})), recorder


def acknowledgements(result: Any) -> etree._Element:
    return etree.parse(str(result.acknowledgements_path)).getroot()


@pytest.mark.parametrize("colours", [False, True], ids=["model-article", "model-colour-article"])
def test_a_family_is_published_parent_first_with_an_asin_per_child(publish_run, sandbox: SandboxHandle, tmp_path: Path,
                                                                    colours: bool) -> None:
    items = export(tmp_path / "famille.xml", model_item(PARENT, ARTICLES, colours=colours))
    client, recorder = recorded(sandbox)
    result = publish_run(sandbox, tmp_path, items, client=client, via="listings")
    answers = report(result)
    assert result.exit_code == 0
    assert {sku: a["status"] for sku, a in answers.items()} == {PARENT: "ACCEPTED",
                                                               **{a["SKU"]: "ACCEPTED" for a in ARTICLES}}
    # the parent first, then the children (only once the parent was accepted)
    assert recorder.submissions()[0] == ("PUT", PARENT)
    assert [s for _, s in recorder.submissions()[1:]] == [a["SKU"] for a in ARTICLES]
    listings = stored(sandbox)
    parent = listings[PARENT]["attributes"]
    assert parent["parentage_level"][0]["value"] == "parent"
    assert "parent_sku" not in parent["child_parent_sku_relationship"][0]
    assert "externally_assigned_product_identifier" not in parent and "color" not in parent
    asins = {answers[a["SKU"]]["asin"] for a in ARTICLES}
    assert len(asins) == 4 and None not in asins and answers[PARENT]["asin"] not in asins
    child = listings["GS24-VIOLET-256"]["attributes"]
    assert child["child_parent_sku_relationship"][0]["parent_sku"] == PARENT
    assert child["variation_theme"][0]["name"] == "COLOR/MEMORY_STORAGE_CAPACITY"
    assert child["color"][0]["value"] == "Violet Cobalt" and child["memory_storage_capacity"][0]["value"] == 256
    assert child["brand"] == parent["brand"]  # shared fields come from the model
    assert child["item_name"][0]["value"] == f"{MODEL_TITLE} – Violet Cobalt, 256 Go"
    assert parent["item_name"][0]["value"] == MODEL_TITLE
    assert answers["GS24-NOIR-128"]["family"] == PARENT and answers["GS24-NOIR-128"]["role"] == "child"
    # the acknowledgement keeps the export's levels: the parent's answer on the model
    (model,) = acknowledgements(result).iter("Item").__next__().getparent()
    assert model.findtext("Identifier[@key='PARENT_SKU']") == PARENT
    assert model.findtext(f"Field[@key='{publication.parent_key(publication.STATUS)}']") == "ACCEPTED"
    assert model.findtext(f"Field[@key='{publication.parent_key(publication.ASIN)}']") == answers[PARENT]["asin"]
    nested = [(i.findtext("Identifier[@key='SKU']"), i.findtext(f"Field[@key='{publication.ASIN}']"))
              for i in model.iter("Item") if i.find("Identifier[@key='SKU']") is not None]
    assert nested == [(a["SKU"], answers[a["SKU"]]["asin"]) for a in ARTICLES]
    if colours:
        assert [c.findtext("Identifier[@key='COLOR_CODE']") for c in model.findall("Item")] == [
            "NOIR-ONYX", "VIOLET-COBALT"]
    # Product-Live reads the answer back: same levels, model fields on the model
    (answer,) = list(read_items(result.acknowledgements_path))
    assert answer.identifier("PARENT_SKU") == PARENT and len(list(answer.descendants())) == (6 if colours else 4)


def test_a_refused_parent_explains_why_its_children_were_not_sent(publish_run, sandbox: SandboxHandle,
                                                                   tmp_path: Path) -> None:
    asin_key = publication.parent_key(publication.ASIN)  # an enrichment of a parent ASIN mistyped in the model
    items = export(tmp_path / "famille.xml", model_item(PARENT, ARTICLES, model_extra={asin_key: "B0PASUNASIN"}))
    client, recorder = recorded(sandbox)
    result = publish_run(sandbox, tmp_path, items, client=client, via="listings")
    answers = report(result)
    assert answers[PARENT]["status"] == "INVALID" and result.exit_code == 1
    assert answers[PARENT]["issues"][0]["fields"] == [asin_key]
    for spec in ARTICLES:
        child = answers[spec["SKU"]]
        assert child["status"] == "NOT_SENT"
        message = child["issues"][-1]["message"]
        assert f"l'annonce parent {PARENT} a été refusée" in message and "B0PASUNASIN" in message
        assert "asin" not in child or child["asin"] is None  # the parent's ASIN is not the child's
    assert recorder.submissions() == [] and stored(sandbox) == {}
    model = acknowledgements(result).find("Items/Item")
    issues = model.findtext(f"Field[@key='{publication.parent_key(publication.ISSUES)}']")
    assert "B0PASUNASIN" in issues
    assert [i.findtext(f"Field[@key='{publication.STATUS}']") for i in model.iter("Item") if i is not model] == [
        "NOT_SENT"] * 4


def test_a_duplicate_combination_is_refused_before_sending(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    twin = article("GS24-NOIR-256-BIS", "Noir Onyx", 256, ean("880609530104"))
    items = export(tmp_path / "famille.xml", model_item(PARENT, [*ARTICLES, twin]))
    result = publish_run(sandbox, tmp_path, items, via="listings")
    answers = report(result)
    assert answers["GS24-NOIR-256-BIS"]["status"] == "INVALID"
    issue = answers["GS24-NOIR-256-BIS"]["issues"][0]
    assert issue["code"] == "PL_FAMILY" and "GS24-NOIR-256" in issue["message"]
    assert "« Couleur » = « Noir Onyx »" in issue["message"] and "= « 256 Go »" in issue["message"]
    assert set(issue["fields"]) >= {"color", "memory_storage_capacity"}
    assert all(answers[a["SKU"]]["status"] == "ACCEPTED" for a in ARTICLES)
    assert "GS24-NOIR-256-BIS" not in stored(sandbox)


def test_a_model_needs_a_theme_for_several_articles_and_one_article_is_a_plain_listing(publish_run,
        sandbox: SandboxHandle, tmp_path: Path) -> None:
    no_theme = model_item("GS24-SANS-THEME", ARTICLES[:2], theme=None)
    single = model_item("GS24-SEUL", [article("GS24-SEUL-128", "Noir Onyx", 128, ean("880609530105"))], theme=None)
    result = publish_run(sandbox, tmp_path, export(tmp_path / "x.xml", no_theme, single), via="listings")
    answers = report(result)
    assert answers["GS24-SANS-THEME"]["status"] == "INVALID"
    assert "pas de thème de variation" in answers["GS24-SANS-THEME"]["issues"][0]["message"]
    assert answers["GS24-SANS-THEME"]["issues"][0]["fields"] == ["variation_theme_name"]
    assert {answers[a["SKU"]]["status"] for a in ARTICLES[:2]} == {"NOT_SENT"}
    lone = answers["GS24-SEUL-128"]
    assert lone["status"] == "ACCEPTED" and "role" not in lone and "GS24-SEUL" not in answers
    assert "parentage_level" not in stored(sandbox)["GS24-SEUL-128"]["attributes"]
    model = next(m for m in acknowledgements(result).find("Items") if m.findtext("Identifier") == "GS24-SEUL")
    assert model.find("Item/Identifier[@key='SKU']").text == "GS24-SEUL-128"  # answered under its model


def _with_asins(tree: etree._Element, answers: dict[str, Any]) -> None:
    """What Product-Live holds once it imported the first acknowledgement: the ASINs."""
    for element in tree.iter("Item"):
        sku = element.findtext("Identifier[@key='SKU']")
        parent = element.findtext("Identifier[@key='PARENT_SKU']")
        if sku in answers:
            etree.SubElement(element, "Field", key=publication.ASIN).text = answers[sku]["asin"]
        elif parent in answers:
            etree.SubElement(element, "Field", key=publication.parent_key(publication.ASIN)).text = answers[parent][
                "asin"]


def test_enrichment_adds_a_colour_and_moves_a_child_without_resending_relationships(publish_run,
        sandbox: SandboxHandle, tmp_path: Path) -> None:
    first = publish_run(sandbox, tmp_path, export(tmp_path / "v1.xml", model_item(PARENT, ARTICLES),
                                          model_item("GS24-AUTRE", [], theme="COLOR/MEMORY_STORAGE_CAPACITY")),
                via="listings")
    answers = report(first)
    assert first.exit_code == 0 and answers["GS24-AUTRE"]["status"] == "ACCEPTED"
    # v2: a new colour (cream) joins; GS24-VIOLET-256 moves to GS24-AUTRE; GS24-NOIR-128 gets a new price
    moved = next(a for a in ARTICLES if a["SKU"] == "GS24-VIOLET-256")
    staying = [{**a, "price": "849"} if a["SKU"] == "GS24-NOIR-128" else a for a in ARTICLES if a is not moved]
    cream = article("GS24-CREME-256", "Crème", 256, ean("880609530106"), family="Beige")
    v2 = [model_item(PARENT, [*staying, cream]), model_item("GS24-AUTRE", [moved])]
    for model in v2:
        _with_asins(model, answers)
    client, recorder = recorded(sandbox)
    second = publish_run(sandbox, tmp_path, export(tmp_path / "v2.xml", *v2), client=client, via="listings")
    again = report(second)
    assert second.exit_code == 0, again
    assert again["GS24-CREME-256"]["status"] == "ACCEPTED" and again["GS24-CREME-256"]["mode"] == "create"
    sent = dict((sku, method) for method, sku in recorder.submissions())
    assert sent == {"GS24-CREME-256": "PUT", "GS24-NOIR-128": "PATCH", "GS24-VIOLET-256": "PATCH"}
    creme = recorder.body("PUT", "GS24-CREME-256")["attributes"]
    assert creme["child_parent_sku_relationship"][0]["parent_sku"] == PARENT  # it joins: relationship set
    price_patch = [p["path"] for p in recorder.body("PATCH", "GS24-NOIR-128")["patches"]]
    assert price_patch == ["/attributes/list_price"]  # an existing child: its relationship is not resent
    move_patch = recorder.body("PATCH", "GS24-VIOLET-256")["patches"]
    assert [p["path"] for p in move_patch] == ["/attributes/child_parent_sku_relationship"]
    assert move_patch[0]["value"][0]["parent_sku"] == "GS24-AUTRE"
    for same in (PARENT, "GS24-NOIR-256", "GS24-VIOLET-128"):  # enriched with nothing new: not sent
        assert again[same]["status"] == "NOT_SENT" and "déjà à jour" in again[same]["note"], again[same]
    families = {p: c["relationships"][0]["relationships"][0]["childSkus"] for p, c in (
        (p, sandbox_relationships(sandbox, p)) for p in (PARENT, "GS24-AUTRE"))}
    assert families == {PARENT: ["GS24-CREME-256", "GS24-NOIR-128", "GS24-NOIR-256", "GS24-VIOLET-128"],
                        "GS24-AUTRE": ["GS24-VIOLET-256"]}


def sandbox_relationships(handle: SandboxHandle, sku: str) -> dict[str, Any]:
    from transpiler.sandbox.listings import Listings

    listing = handle.state.store.listing("MODEL", sku)
    return Listings(handle.state).item(listing, ["relationships"], "fr_FR")


def test_feed_mode_sends_parents_then_children(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> None:
    items = export(tmp_path / "famille.xml", model_item(PARENT, ARTICLES))
    result = publish_run(sandbox, tmp_path, items, via="feed")
    answers = report(result)
    assert result.exit_code == 0 and len(result.summary["feeds"]) == 2
    assert {a["status"] for a in answers.values()} == {"ACCEPTED"}
    documents = [sandbox.state.store.feed(f) for f in result.summary["feeds"]]
    first, second = (json.loads(sandbox.state.store.document(d["input_document_id"])["data"]) for d in documents)
    assert [m["sku"] for m in first["messages"]] == [PARENT]
    assert [m["sku"] for m in second["messages"]] == [a["SKU"] for a in ARTICLES]
    assert all(answers[a["SKU"]]["asin"] for a in ARTICLES)
