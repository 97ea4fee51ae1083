"""Never replace an existing listing by accident, and never judge a listing on Amazon's transient errors.

A SKU Amazon already holds gets a PATCH computed against Amazon's attributes — on the Listings path
and in JSON_LISTINGS_FEED messages — so what was managed elsewhere (Vendor Central, another tool)
survives; only SKUs known to be new get an UPDATE. Amazon's `4000000` "please try again" inside an
HTTP 200 INVALID is retried like a 5xx and ends ERROR (resendable) if it persists.
"""

from __future__ import annotations

import json

from tests.sandbox_fixtures import MARKETPLACE, client_for, payload
from tests.test_publish_sandbox import report, stored, subset
from transpiler.productlive.acknowledgement import Status
from transpiler.publish.journal import DONE, Journal, target_name
from transpiler.publish.transient import transient_failure, transient_issue
from transpiler.sandbox.runner import SandboxHandle

EXISTING = "MDL-S24-256-NOIR"
NEW = "MDL-S24-256-VIOLET"
#: an attribute the Product-Live table does not manage: only Vendor Central (or another tool) sets it
OLD_TITLE = "Titre saisi dans Vendor Central"
FOREIGN = {"screen_size": [{"value": 6.2, "unit": "inches", "marketplace_id": MARKETPLACE}]}


def seed_existing(sandbox: SandboxHandle, sku: str = EXISTING) -> None:
    """The SKU exists at Amazon already, with an attribute the table does not manage."""
    attributes = {**payload("CELLULAR_PHONE"), **FOREIGN}
    attributes["item_name"] = [{**attributes["item_name"][0], "value": OLD_TITLE}]
    with client_for(sandbox) as amazon:
        body = {"productType": "CELLULAR_PHONE", "requirements": "LISTING_PRODUCT_ONLY", "attributes": attributes}
        assert amazon.listings.put_listings_item(sku, body)["status"] == "ACCEPTED"
    sandbox.advance_clock(1)


def feed_messages(sandbox: SandboxHandle) -> dict[str, str]:
    """SKU -> operationType of every message of every feed document the sandbox received."""
    out = {}
    for row in sandbox.state.store.all("SELECT data FROM documents WHERE kind='feed' AND data IS NOT NULL"):
        for message in json.loads(bytes(row["data"]))["messages"]:
            out[message["sku"]] = message["operationType"]
    return out


def test_listings_path_patches_a_sku_amazon_holds_even_for_a_creation(publish_run, sandbox, tmp_path) -> None:
    seed_existing(sandbox)
    result = report(publish_run(sandbox, tmp_path, subset([EXISTING, NEW], tmp_path), via="listings"))
    assert (result[EXISTING]["mode"], result[EXISTING]["operation"]) == ("create", "PATCH")
    assert (result[NEW]["mode"], result[NEW]["operation"]) == ("create", "PUT")
    assert result[EXISTING]["status"] == "ACCEPTED" and "existe chez Amazon" in result[EXISTING]["note"]
    held = stored(sandbox)[EXISTING]["attributes"]
    assert held["screen_size"] == FOREIGN["screen_size"]  # what the table does not manage survives
    assert held["item_name"][0]["value"] != OLD_TITLE  # ours was sent


def test_a_listing_amazon_already_holds_is_left_done_in_the_journal(publish_run, sandbox, tmp_path) -> None:
    """Another journal (another machine, or a lost state folder) already sent this payload: nothing
    is sent, and the SKU is not left `sending`, which a later run would take for an interrupted
    submission."""
    publish_run(sandbox, tmp_path / "elsewhere", subset([EXISTING], tmp_path), via="listings")
    runs = [report(publish_run(sandbox, tmp_path, subset([EXISTING], tmp_path), via="listings"))
            for _ in range(2)]
    for result in runs:
        assert (result[EXISTING]["status"], result[EXISTING]["operation"]) == ("NOT_SENT", None)
        assert "déjà à jour" in result[EXISTING]["note"]
    with Journal(tmp_path / "journal.sqlite3", target_name(sandbox.url, "MODEL", MARKETPLACE)) as journal:
        entry = journal.entry(EXISTING)
    assert entry is not None and entry.state == DONE


def test_feed_messages_are_patch_for_skus_amazon_holds_and_update_only_for_new_ones(publish_run, sandbox,
                                                                                     tmp_path) -> None:
    seed_existing(sandbox)
    searches = []
    http = sandbox.client(timeout=30, event_hooks={"request": [
        lambda r: searches.append(r.url.params) if r.url.path == "/listings/2021-08-01/items/MODEL" else None]})
    result = report(publish_run(sandbox, tmp_path, subset([EXISTING, NEW], tmp_path), via="feed",
                        client=client_for(sandbox, http=http)))
    assert feed_messages(sandbox) == {EXISTING: "PATCH", NEW: "UPDATE"}
    assert result[EXISTING]["status"] == result[NEW]["status"] == "ACCEPTED"
    assert stored(sandbox)[EXISTING]["attributes"]["screen_size"] == FOREIGN["screen_size"]
    lookups = [p for p in searches if p["includedData"] == "attributes"]  # (the follow-up reads summaries)
    assert [p["identifiersType"] for p in lookups] == ["SKU"]  # both SKUs looked up in one call
    assert sorted(lookups[0]["identifiers"].split(",")) == sorted([EXISTING, NEW])


def test_feed_lookups_go_twenty_skus_at_a_time(publish_run, sandbox, tmp_path) -> None:
    from benchmarks.inputs import write_items

    items = tmp_path / "many.xml"
    write_items(items, 45, prefix="MANY")
    searches = []
    http = sandbox.client(timeout=60, event_hooks={"request": [
        lambda r: searches.append(r.url.params) if r.url.path == "/listings/2021-08-01/items/MODEL" else None]})
    result = publish_run(sandbox, tmp_path, items, via="feed", client=client_for(sandbox, http=http))
    assert result.summary["statuses"]["ACCEPTED"] == 45
    lookups = [p for p in searches if p["includedData"] == "attributes"]
    assert [len(p["identifiers"].split(",")) for p in lookups] == [20, 20, 5]
    assert set(feed_messages(sandbox).values()) == {"UPDATE"}


def test_a_sku_accepted_earlier_but_not_listed_yet_is_patched_not_replaced(publish_run, sandbox, tmp_path) -> None:
    """Amazon can answer 'not found' for a while after accepting a SKU: the journal knows better."""
    items = subset([NEW], tmp_path)
    publish_run(sandbox, tmp_path, items, via="feed", follow_up_delay=0)
    sandbox.state.store.delete_listing("MODEL", NEW)  # not visible (yet) at Amazon

    def renamed(item) -> None:
        field = item.find("Field[@key='item_name']")
        field.text = field.text + " (2026)"

    changed = subset([NEW], tmp_path, name="changed.xml", change=renamed)
    sandbox.state.store.execute("DELETE FROM documents")
    publish_run(sandbox, tmp_path, changed, via="feed", out_dir=tmp_path / "second")
    assert feed_messages(sandbox) == {NEW: "PATCH"}


def test_when_existence_cannot_be_read_nothing_is_sent(publish_run, sandbox, tmp_path) -> None:
    seed_existing(sandbox)
    sandbox.set_faults("500=1,operations=searchListingsItems")
    result = report(publish_run(sandbox, tmp_path, subset([EXISTING, NEW], tmp_path), via="feed"))
    assert {sku: item["status"] for sku, item in result.items()} == {EXISTING: "ERROR", NEW: "ERROR"}
    assert all("remplacerait une annonce existante" in item["note"] for item in result.values())
    assert feed_messages(sandbox) == {}
    assert stored(sandbox)[EXISTING]["attributes"]["screen_size"] == FOREIGN["screen_size"]


# -- transient failures ---------------------------------------------------------------------------------


def test_transient_issues_are_recognised_by_code_or_by_amazons_words() -> None:
    assert transient_issue({"code": "4000000", "severity": "ERROR", "message": "An internal error has occurred."})
    assert transient_issue({"code": "5002", "severity": "ERROR",
                            "message": "An internal error occurred. Please resubmit your data."})
    assert transient_issue({"code": "X", "severity": "ERROR", "message": "Erreur interne. Veuillez réessayer."})
    assert not transient_issue({"code": "4000000", "severity": "WARNING", "message": "x"})
    assert not transient_issue({"code": "90220", "severity": "ERROR", "message": "'brand' is required"})
    assert not transient_failure({"status": "ACCEPTED", "issues": [{"code": "4000000", "severity": "ERROR"}]})


def test_a_transient_error_is_retried_then_accepted(publish_run, sandbox, tmp_path) -> None:
    puts = []
    http = sandbox.client(timeout=30, event_hooks={"request": [
        lambda r: puts.append(r) if r.method == "PUT" and "/listings/" in r.url.path else None]})
    sandbox.set_faults("transient=0.6,seed=3,operations=putListingsItem")
    result = report(publish_run(sandbox, tmp_path, subset([NEW], tmp_path), via="listings",
                        client=client_for(sandbox, http=http)))
    assert result[NEW]["status"] == "ACCEPTED" and len(puts) > 1  # answered 4000000 first, then accepted
    assert all(i["code"] != "4000000" for i in result[NEW]["issues"])


def test_a_persistent_transient_error_ends_error_and_is_sent_again(publish_run, sandbox, tmp_path) -> None:
    sandbox.set_faults("transient=1,operations=putListingsItem")
    items = subset([NEW], tmp_path)
    first = report(publish_run(sandbox, tmp_path, items, via="listings"))[NEW]
    assert first["status"] == "ERROR"  # never INVALID: nothing is wrong with the listing
    assert [i["code"] for i in first["issues"]][-2:] == ["4000000", "PUB_TRANSIENT"]
    assert NEW not in stored(sandbox)
    target = target_name(sandbox.url, "MODEL", MARKETPLACE)
    with Journal(tmp_path / "journal.sqlite3", target) as journal:
        assert journal.entry(NEW).status == Status.ERROR
    sandbox.set_faults(None)
    second = report(publish_run(sandbox, tmp_path, items, via="listings", out_dir=tmp_path / "second"))[NEW]
    assert second["status"] == "ACCEPTED" and not second["unchanged"]


def test_previews_and_feed_messages_treat_transient_errors_alike(publish_run, sandbox, tmp_path) -> None:
    sandbox.set_faults("transient=1,operations=putListingsItem")
    items = subset([NEW], tmp_path)
    preview = report(publish_run(sandbox, tmp_path / "p", items, via="listings", preview=True))[NEW]
    assert preview["status"] == "ERROR"
    fed = report(publish_run(sandbox, tmp_path / "f", items, via="feed"))[NEW]
    assert fed["status"] == "ERROR" and fed["issues"][-1]["code"] == "PUB_TRANSIENT"


# -- hints for the vendors' known pitfalls ------------------------------------------------------------


def test_a_feed_403_without_the_product_listing_role_says_so_in_french(publish_run, tmp_path,
                                                                      sandbox_definitions) -> None:
    from transpiler.sandbox.runner import open_sandbox

    handle = open_sandbox(data=tmp_path / "sandbox", product_types=sandbox_definitions, rate_limits="off",
                          roles=())
    try:
        result = report(publish_run(handle, tmp_path, subset([NEW], tmp_path), via="feed"))[NEW]
    finally:
        handle.stop()
    assert result["status"] == "ERROR"
    assert "HTTP 403" in result["issues"][-1]["message"]
    assert "rôle « Product Listing »" in result["issues"][-1]["message"]


def test_a_selling_partner_id_as_seller_id_is_refused_with_the_vendor_code_hint(sandbox, tmp_path) -> None:
    import pytest

    from tests.sandbox_fixtures import settings_for
    from transpiler.errors import AmazonError, ConfigError
    from transpiler.publish.target import check_settings
    from transpiler.spapi import client_from_settings

    wrong = settings_for(sandbox, seller_id="amzn1.vg.demo.MODEL")
    with pytest.raises(ConfigError, match="vendor code"):
        check_settings(wrong)  # publish and reconcile stop before sending anything
    with (client_from_settings(wrong, sandbox.client(), sleep=sandbox.sleep, clock=sandbox.now) as amazon,
          pytest.raises(AmazonError) as info):
        amazon.listings.get_listings_item("ANY")
    assert info.value.status == 400
    assert "Invalid 'sellerId' and 'marketplaceId' combination" in info.value.one_line()
    assert "vendor code shown in Vendor Central" in info.value.one_line()
