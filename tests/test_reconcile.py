"""Following listings after ACCEPTED: `reconcile()` against the sandbox, which assigns ASINs and raises
late issues only once its clock has moved past the processing delay (an hour here: no sleeping, the
in-process sandbox's manual clock is advanced)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from tests.sandbox_fixtures import client_for
from tests.test_publish_sandbox import report, subset
from transpiler.cli import main
from transpiler.config import Settings
from transpiler.mapping import publication
from transpiler.productlive.acknowledgement import Acknowledgement, Status
from transpiler.publish.journal import Journal, target_name
from transpiler.publish.mappings import MappingSet
from transpiler.publish.reconcile import ReconcileOptions, reconcile, refreshed, settled
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.runner import SandboxHandle, open_sandbox
from transpiler.workspace import Workspace

NEW = "MDL-S24-256-NOIR"  # a new EAN: Amazon creates an ASIN
CONFLICT = "MDL-LEGION-Y70-GRIS"  # its ASIN belongs to another EAN: refused after acceptance
LONG_TITLE = "MDL-WH1000XM5-SABLE"  # a title over 150 characters: a warning after acceptance
HOURS = 3600.0


@pytest.fixture
def slow_amazon(tmp_path: Path, sandbox_definitions: ProductTypes) -> Iterator[SandboxHandle]:
    """An in-process sandbox that processes accepted listings an hour (of its clock) after acceptance."""
    handle = open_sandbox(data=tmp_path / "sandbox", product_types=sandbox_definitions, rate_limits="off",
                          listing_processing_delay=HOURS)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def check(workspace_for: Callable[..., Workspace]) -> Callable[..., Any]:
    """`check(handle, tmp, out, **values)`: reconcile() through the real client bound to the sandbox,
    with the session's compiled schemas."""

    def reconcile_on(handle: SandboxHandle, tmp: Path, out: str, **values: Any) -> Any:
        return reconcile(workspace_for(handle), options(tmp, out, **values), client=client_for(handle))

    return reconcile_on


def options(tmp: Path, out: str, **values: Any) -> ReconcileOptions:
    return ReconcileOptions(journal=tmp / "journal.sqlite3", out_dir=tmp / out, cache_dir=tmp / "cache", **values)


def items_of(path: Path) -> dict[str, dict[str, Any]]:
    return {i["sku"]: i for i in json.loads(path.read_text(encoding="utf-8"))["items"]}


def test_reconcile_brings_asins_statuses_and_late_issues_hours_after_acceptance(publish_run, check, slow_amazon,
                                                                                tmp_path):
    items = subset([NEW, CONFLICT, LONG_TITLE], tmp_path)
    published = report(publish_run(slow_amazon, tmp_path, items, follow_up_delay=0.05, follow_up_timeout=0.2))
    assert {sku: (i["status"], i["asin"]) for sku, i in published.items()} == {
        NEW: ("ACCEPTED", None), CONFLICT: ("ACCEPTED", "B0CM7HJ3TQ"), LONG_TITLE: ("ACCEPTED", None)}
    assert all("pl-amazon reconcile" in i["note"] for i in published.values())  # the follow-up was bounded

    early = check(slow_amazon, tmp_path, "early")
    assert (early.summary["followed"], early.summary["final"], early.summary["pending"]) == (3, 0, 3)
    assert early.counts["ACCEPTED"] == 3 and early.exit_code == 0

    slow_amazon.advance_clock(HOURS + 1)  # Amazon has processed them now
    later = check(slow_amazon, tmp_path, "later")
    assert (later.summary["followed"], later.summary["final"], later.summary["pending"]) == (3, 3, 0)
    got = items_of(later.report_path)
    assert got[NEW]["status"] == "ACCEPTED" and got[NEW]["asin"].startswith("B0")
    assert got[NEW]["listingStatus"] == ["DISCOVERABLE"]
    assert got[CONFLICT]["status"] == "INVALID" and "refusée par Amazon lors du traitement" in got[CONFLICT]["note"]
    assert [i["code"] for i in got[CONFLICT]["issues"]] == ["8541"]
    assert got[CONFLICT]["issues"][0]["categories"] == ["INVALID_ATTRIBUTE"]
    assert got[LONG_TITLE]["status"] == "ACCEPTED" and got[LONG_TITLE]["asin"].startswith("B0")
    assert [i["severity"] for i in got[LONG_TITLE]["issues"]] == ["WARNING"]
    assert got[LONG_TITLE]["issues"][0]["fields"] == ["item_name"]
    assert later.exit_code == 1  # an item ended INVALID

    xml = etree.parse(str(later.acknowledgements_path)).getroot()
    new = next(i for i in xml.iter("Item") if i.findtext("Identifier") == NEW)
    assert new.findtext(f"Field[@key='{publication.ASIN}']") == got[NEW]["asin"]
    assert [f.text for f in new.findall(f"Field[@key='{publication.LISTING_STATUS}']")] == ["DISCOVERABLE"]
    conflict = next(i for i in xml.iter("Item") if i.findtext("Identifier") == CONFLICT)
    line = conflict.findtext(f"Field[@key='{publication.ISSUES}']")
    assert "[ERREUR 8541]" in line and "(attribut non valide)" in line  # Amazon's category, in French

    again = check(slow_amazon, tmp_path, "again")  # idempotent: nothing left to follow
    assert (again.summary["followed"], again.summary["items"]) == (0, 0) and again.exit_code == 0

    # the journal now holds the outcome: a rerun of publish on the same data sends nothing
    rerun = report(publish_run(slow_amazon, tmp_path, items, out_dir=tmp_path / "rerun"))
    assert {sku: (i["status"], i["unchanged"]) for sku, i in rerun.items()} == {
        NEW: ("ACCEPTED", True), CONFLICT: ("INVALID", True), LONG_TITLE: ("ACCEPTED", True)}
    assert rerun[NEW]["asin"] == got[NEW]["asin"]


def placements(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Each answered item of an acknowledgement file: its identifiers and those of the items around
    it, outermost first."""
    out = {}
    for item in etree.parse(str(path)).getroot().iter("Item"):
        steps = [(i.get("key"), i.text) for a in item.iterancestors("Item") for i in a.findall("Identifier")][::-1]
        own = [(e.get("key"), e.text) for e in item.findall("Identifier")]
        if item.find("Field") is not None:
            out[own[0][1]] = [*steps, *own]
    return out


def test_reconcile_answers_each_item_where_publish_placed_it(publish_run, check, slow_amazon, tmp_path):
    """A multi-level export is answered nested (model ▸ colour ▸ article): the journal keeps each
    answer's place, so the follow-up's file imports into the same items, a family's model included."""
    family = ["MDL-S24FE-128-GRAPHITE", "MDL-S24FE-256-MENTHE"]
    published = publish_run(slow_amazon, tmp_path, subset([NEW, *family], tmp_path), follow_up_delay=0.05,
                            follow_up_timeout=0.2)
    slow_amazon.advance_clock(HOURS + 1)
    later = check(slow_amazon, tmp_path, "later")
    expected = placements(published.acknowledgements_path)
    assert {NEW, "MDL-S24FE", *family} <= set(expected)
    assert expected[NEW][0] == ("PARENT_SKU", "MOD-S24-256-NOIR") and expected[NEW][-1] == ("SKU", NEW)
    assert placements(later.acknowledgements_path) == expected


def test_given_skus_are_read_whatever_their_state(publish_run, check, slow_amazon, tmp_path):
    items = subset([NEW, LONG_TITLE], tmp_path)
    publish_run(slow_amazon, tmp_path, items, follow_up_delay=0.05, follow_up_timeout=0.2)
    slow_amazon.advance_clock(HOURS + 1)
    check(slow_amazon, tmp_path, "all")
    one = check(slow_amazon, tmp_path, "one", skus=[NEW, "UNKNOWN-SKU"])
    assert [i["sku"] for i in items_of(one.report_path).values()] == [NEW]  # unknown to the journal: skipped
    assert one.summary["followed"] == 1


def test_an_accepted_sku_amazon_never_lists_becomes_error_after_two_days(publish_run, check, slow_amazon, tmp_path):
    items = subset([NEW], tmp_path)
    publish_run(slow_amazon, tmp_path, items, follow_up_delay=0.05, follow_up_timeout=0.2)
    with client_for(slow_amazon) as amazon:
        amazon.listings.delete_listings_item(NEW)  # Amazon dropped it (accepted, never listed)
    soon = check(slow_amazon, tmp_path, "soon")
    assert items_of(soon.report_path)[NEW]["status"] == "ACCEPTED"
    assert "pas encore visible" in items_of(soon.report_path)[NEW]["note"]
    later = check(slow_amazon, tmp_path, "later", now=lambda: datetime.now(UTC) + timedelta(hours=49))
    lost = items_of(later.report_path)[NEW]
    assert lost["status"] == "ERROR" and lost["issues"][-1]["code"] == "PUB_NOT_FOUND"
    target = target_name(slow_amazon.url, "MODEL", "A13V1IB3VIYZZH")
    with Journal(tmp_path / "journal.sqlite3", target) as journal:
        assert journal.entry(NEW).status == Status.ERROR  # resent by the next publish
        assert journal.followed() == []


def test_refreshed_keeps_amazons_categories_and_enforcements():
    table = MappingSet.load(Workspace.create().mapping_dir)
    ack = Acknowledgement(index=1, sku="S", status=Status.ACCEPTED, product_type="HEADPHONES")
    item = {"sku": "S", "summaries": [{"marketplaceId": "A13V1IB3VIYZZH", "asin": "B0TEST0001",
                                       "productType": "HEADPHONES", "status": ["DISCOVERABLE"]}],
            "issues": [{"code": "18027", "message": "image with text", "severity": "WARNING",
                        "categories": ["INVALID_IMAGE"], "attributeNames": ["main_product_image_locator"],
                        "enforcements": {"actions": [{"action": "SEARCH_SUPPRESSED"}],
                                         "exemption": {"status": "EXEMPT_UNTIL_EXPIRY_DATE",
                                                       "expiryDate": "2026-05-28T00:36:48.914Z"}}}]}
    updated = refreshed(ack, item, table, "A13V1IB3VIYZZH")
    assert updated.asin == "B0TEST0001" and updated.listing_status == ("DISCOVERABLE",) and settled(updated)
    issue = updated.issues[0]
    assert issue.categories == ("INVALID_IMAGE",) and issue.actions == ("SEARCH_SUPPRESSED",)
    assert issue.as_json()["enforcements"]["exemption"]["status"] == "EXEMPT_UNTIL_EXPIRY_DATE"
    assert "image non valide" in issue.line() and "masquée dans les résultats de recherche" in issue.line()
    assert "exemptée jusqu'au 2026-05-28" in issue.line()
    # read twice: the same issue is not added again
    assert refreshed(updated, item, table, "A13V1IB3VIYZZH").issues == updated.issues
    assert Acknowledgement.from_json(updated.as_json()).issues[0].enforcements == issue.enforcements


def test_reconcile_command(publish_run, served_sandbox, tmp_path):
    items = subset([NEW], tmp_path)
    publish_run(served_sandbox, tmp_path, items, follow_up_delay=0)  # no follow-up: left to reconcile
    served_sandbox.advance_clock(1)
    reg = served_sandbox.registration
    env = {"PL_AMAZON_SPAPI_URL": served_sandbox.url, "PL_AMAZON_LWA_URL": served_sandbox.lwa_url,
           "PL_AMAZON_CLIENT_ID": reg.client_id, "PL_AMAZON_CLIENT_SECRET": reg.client_secret,
           "PL_AMAZON_REFRESH_TOKEN": reg.refresh_token, "PL_AMAZON_SELLER_ID": reg.vendor_code,
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    args = ["reconcile", "--journal", str(tmp_path / "journal.sqlite3"), "--out", str(tmp_path / "cli"),
            "--cache", str(tmp_path / "cache"), "--json"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["followed"], summary["final"], summary["statuses"]["ACCEPTED"]) == (1, 1, 1)
    assert (tmp_path / "cli" / "acknowledgements.xml").is_file()
    text = CliRunner().invoke(main, args[:-1], env=env)  # without --json: the counts and the files, in French
    assert text.exit_code == 0, text.output
    assert "suivies : " in text.stdout and "en attente : 0" in text.stdout
    assert f"accusés : {tmp_path / 'cli' / 'acknowledgements.xml'}  rapport : " in text.stdout
    missing = CliRunner().invoke(main, args, env={**env, "PL_AMAZON_SELLER_ID": ""})
    assert missing.exit_code == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_reconcile_settings_errors_name_the_problem(tmp_path):
    from transpiler.errors import ConfigError

    with pytest.raises(ConfigError):
        reconcile(Workspace.create(Settings()), options(tmp_path, "x"))
