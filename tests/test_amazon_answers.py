"""Every answer shape Amazon's models allow, put on the wire by the sandbox, meets the publisher's contract.

Answers are drawn from Amazon's OpenAPI models and the feed processing report schema
(`tests/openapi_answers.py`: optional fields absent, extra fields, empty arrays, every status and
severity, identifiers and summaries per marketplace or none), plus the undocumented answers a
gateway gives (HTML, plain text, truncated JSON) and `ErrorList` bodies on 4xx/5xx. The sandbox serves
them as scripted answers (`transpiler.sandbox.scripted`) through its real gateway, and `publish`
(Listings and feed paths) and `reconcile` run unchanged against them. The contract checked for every
draw: no crash; every SKU of the export acknowledged exactly once with a status; Amazon's issue codes
and messages kept; an issue (in French when the publisher wrote it) behind every INVALID or ERROR; the
verdict the answer calls for; exit code 1 exactly when something failed.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft7Validator

from tests.openapi_answers import JSON_VALUE, answers, feed_schema, openapi
from tests.sandbox_fixtures import FAST, MARKETPLACE, client_for
from tests.test_publish_sandbox import answered, subset
from transpiler.errors import AmazonError
from transpiler.productlive.acknowledgement import Status
from transpiler.publish.transient import transient_issue
from transpiler.sandbox.product_types import ProductTypes
from transpiler.sandbox.runner import SandboxHandle, open_sandbox
from transpiler.spapi import RetryPolicy

SKUS = ("MDL-A55-128-BLEU", "MDL-XPERIA10V-NOIR")
OTHER_SKU = "MDL-INCONNU-CHEZ-NOUS"
LISTINGS = openapi("listingsItems_2021-08-01")
FEEDS = openapi("feeds_2021-06-30")
REPORT = feed_schema("listings-feed-processing-report-schema-v2")
#: deterministic, no deadline (a loaded machine), few examples (each is a whole publication)
DRAWS = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])

TRANSIENT = {"code": "4000000", "severity": "ERROR", "message": "An internal error has occurred. Please try again."}
#: what the answers speak of: our SKUs (and one we never sent), our marketplace (and another)
OVERRIDES = {
    "sku": st.sampled_from([*SKUS, OTHER_SKU]),
    "marketplaceId": st.sampled_from([MARKETPLACE, MARKETPLACE, "A1PA6795UKMFR9"]),
    "asin": st.sampled_from(["B0CSB7QJ2K", "B0NOUVEAU1"]),
    "code": st.sampled_from(["90220", "8541", "4000000", "99022", "SANS-CODE-CONNU"]),
    "Item.attributes": st.sampled_from([{}, {"item_name": [{"value": "Ancien titre", "language_tag": "fr_FR",
                                                       "marketplace_id": MARKETPLACE}],
                                        "attribut_inconnu": [{"value": "x", "marketplace_id": MARKETPLACE}]}])
    | st.dictionaries(st.sampled_from(["item_name", "brand", "color", "bullet_point", "autre"]), JSON_VALUE,
                      max_size=3),
}
ERROR_STATUSES = st.sampled_from([400, 403, 404, 409, 413, 415, 429, 500, 503])
GATEWAY_TEXTS = st.sampled_from([
    ("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    ("Service Unavailable", "text/plain"),
    ('{"errors":[{"code":"InternalFailure","mess', "application/json"),
    ("", "application/json"),
    ("[]", "application/json"),
    ("null", "application/json"),
])


def error_answers(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    """A failed call: Amazon's `ErrorList` on a 4xx/5xx (429 with or without its rate-limit header),
    or a gateway's page (HTML, text, truncated JSON), even inside an HTTP 200."""
    documented = st.fixed_dictionaries({
        "operation": st.just(operation), "status": ERROR_STATUSES,
        "body": answers(LISTINGS, "ErrorList", overrides=OVERRIDES),
        "headers": st.sampled_from([{}, {"x-amzn-RateLimit-Limit": None}]),
    })
    gateway = st.tuples(st.sampled_from([200, 400, 502, 503, 504]), GATEWAY_TEXTS).map(lambda pair: {
        "operation": operation, "status": pair[0], "text": pair[1][0], "contentType": pair[1][1]})
    return documented | gateway


def failed(script: dict[str, Any]) -> bool:
    """Whether a scripted answer is a failure of the call (not a body the caller can read)."""
    return script.get("status", 200) >= 400 or "text" in script


def search_pages(operation: str = "searchListingsItems") -> st.SearchStrategy[list[dict[str, Any]]]:
    """searchListingsItems answers: one page, or two linked by a `pagination.nextToken`."""
    page = answers(LISTINGS, "ItemSearchResults", overrides=OVERRIDES)

    def linked(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for number, body in enumerate(pages):
            body = dict(body)
            if number + 1 < len(pages):
                body["pagination"] = {"nextToken": f"page-{number + 2}"}
            else:
                body.pop("pagination", None)
            out.append({"operation": operation, "body": body, "times": 1})
        out[-1].pop("times")  # the last page answers every later search too
        return out

    return st.lists(page, min_size=1, max_size=2).map(linked)


@pytest.fixture
def scripted_sandbox(tmp_path_factory: pytest.TempPathFactory,
                     sandbox_definitions: ProductTypes) -> Iterator[SandboxHandle]:
    """One in-process sandbox for all the draws of a test (each draw scripts its own answers)."""
    handle = open_sandbox(data=tmp_path_factory.mktemp("sandbox"), product_types=sandbox_definitions, **FAST)
    try:
        yield handle
    finally:
        handle.stop()


def fresh(tmp: Path, counter: Iterator[int]) -> Path:
    folder = tmp / f"draw-{next(counter)}"
    folder.mkdir()
    return folder


def issues_of(item: dict[str, Any]) -> set[tuple[str, str]]:
    return {(i["code"], i["message"]) for i in item["issues"]}


def check_contract(result: Any, skus: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """What holds whatever Amazon answered; returns the report's items by SKU."""
    document = json.loads(result.report_path.read_text(encoding="utf-8"))
    items = document["items"]
    assert sorted(item["sku"] for item in items) == sorted(skus), "every SKU acknowledged exactly once"
    by_sku = {item["sku"]: item for item in items}
    for item in items:
        assert item["status"] in {s.value for s in Status}
        for issue in item["issues"]:  # Amazon's issues may come without a code (the report's is optional)
            assert (issue["code"] or issue["source"] == "amazon") and issue["severity"] in {"ERROR", "WARNING", "INFO"}
        if item["status"] in ("INVALID", "ERROR"):
            assert any(i["severity"] == "ERROR" and i["message"] for i in item["issues"]), (
                f"{item['sku']} is {item['status']} without an error saying why: {item['issues']}")
    failed_any = any(item["status"] in ("INVALID", "ERROR") for item in items)
    assert result.exit_code == (1 if failed_any else 0)
    written = answered(result.acknowledgements_path)
    assert set(skus) <= set(written), "every SKU in the acknowledgement file"
    return by_sku


def amazon_errors(issues: list[dict[str, Any]]) -> bool:
    return any(i.get("severity") == "ERROR" for i in issues)


def late_issues(pages: list[dict[str, Any]], sku: str) -> list[dict[str, Any]]:
    """The issues the follow-up read gives for `sku`: those of its item in the search results (a SKU
    is one listing: when drawn twice, the last item listed is the one read)."""
    items = [item for page in pages for item in page["body"].get("items") or () if item.get("sku") == sku]
    return list(items[-1].get("issues") or ()) if items else []


def test_scripted_answers_go_through_the_gateway(scripted_sandbox: SandboxHandle) -> None:
    """A scripted answer is served in order, with the gateway's headers (a null header removed), and
    a bad script is refused with the reason."""
    admin = scripted_sandbox.http
    refused = admin.post(f"{scripted_sandbox.url}/_sandbox/answers", json={"operation": "getFeed", "status": 99})
    assert refused.status_code == 400 and "status" in refused.json()["error"]
    scripted_sandbox.script({"operation": "getFeed", "status": 503, "text": "<html>busy</html>",
                             "contentType": "text/html", "times": 1, "headers": {"x-amzn-RateLimit-Limit": None}},
                            {"operation": "getFeed", "body": {"feedId": "1", "processingStatus": "FATAL"}})

    with client_for(scripted_sandbox, retry=RetryPolicy(max_attempts=1)) as client:
        with pytest.raises(AmazonError) as failure:
            client.feeds.get_feed("1")
        assert failure.value.status == 503 and "busy" in str(failure.value)
        feed = client.feeds.get_feed("1")
        assert dict(feed) == {"feedId": "1", "processingStatus": "FATAL"} and feed.request_id
        assert feed.rate_limit is not None
    assert admin.get(f"{scripted_sandbox.url}/_sandbox/answers").json() == {"operations": ["getFeed"]}
    scripted_sandbox.script()
    assert scripted_sandbox.state.scripts.operations() == []


def follow_asin(pages: list[dict[str, Any]], sku: str) -> str | None:
    """The ASIN a follow-up read finds for `sku`: that of the first summary of our marketplace."""
    if failed(pages[0]):
        return None
    items = [item for page in pages for item in page["body"].get("items") or () if item.get("sku") == sku]
    ours = [s for s in (items[-1].get("summaries") or ()) if s.get("marketplaceId") == MARKETPLACE] if items else []
    return ours[0].get("asin") if ours else None


# -- the generator itself: what it draws conforms to Amazon's models ------------------------------

@DRAWS
@given(st.sampled_from(["ListingsItemSubmissionResponse", "Item", "ItemSearchResults", "ErrorList"])
       .flatmap(lambda name: st.tuples(st.just(name), answers(LISTINGS, name, overrides=OVERRIDES))),
       answers(FEEDS, "Feed"), answers(FEEDS, "FeedDocument"), answers(REPORT))
def test_drawn_answers_conform_to_amazons_models(listing: tuple[str, Any], feed: Any, document: Any,
                                                 report: Any) -> None:
    name, body = listing
    for model, value, definition in ((LISTINGS, body, name), (FEEDS, feed, "Feed"),
                                     (FEEDS, document, "FeedDocument")):
        schema = {"definitions": model["definitions"], "$ref": f"#/definitions/{definition}"}
        assert not list(Draft4Validator(schema).iter_errors(value)), definition
    assert not list(Draft7Validator(REPORT).iter_errors(report))


# -- Listings Items path -------------------------------------------------------------------------

EXISTENCE = {  # what getListingsItem says of the SKU before anything is sent
    "new": st.builds(lambda body: {"operation": "getListingsItem", "status": 404, "body": body},
                     answers(LISTINGS, "ErrorList")),
    "held": st.builds(lambda body: {"operation": "getListingsItem", "body": body},
                      answers(LISTINGS, "Item", overrides=OVERRIDES)),
    "failed": error_answers("getListingsItem"),
}
SUBMISSION = {  # what putListingsItem / patchListingsItem answer
    "drawn": answers(LISTINGS, "ListingsItemSubmissionResponse", overrides=OVERRIDES).map(lambda b: {"body": b}),
    "transient": st.just({"body": {"sku": SKUS[0], "status": "INVALID", "submissionId": "s-1",
                                   "issues": [TRANSIENT]}}),
    "invalid without issues": st.just({"body": {"sku": SKUS[0], "status": "INVALID", "submissionId": "s-2",
                                                "issues": []}}),
    "failed": error_answers("putListingsItem"),
}


def pick(cases: dict[str, st.SearchStrategy[Any]], *weighted: str) -> st.SearchStrategy[Any]:
    """One of the cases, each as likely as the others (the names in `weighted` twice as likely)."""
    names = [*cases, *weighted]
    return st.sampled_from(names).flatmap(lambda name: cases[name])


@DRAWS
@given(existence=pick(EXISTENCE, "new"), submission=pick(SUBMISSION, "drawn", "drawn"),
       follow=st.one_of(search_pages(), error_answers("searchListingsItems").map(lambda s: [s])),
       preview=st.sampled_from([False, False, True]))
# identifiers of another marketplace first, then ours; a WARNING without attributeNames or categories;
# the follow-up read failing (a gateway's page): the ASIN is the answer's for our marketplace
@example(existence={"operation": "getListingsItem", "status": 404,
                    "body": {"errors": [{"code": "NotFound", "message": "Not found"}]}},
         submission={"body": {"sku": SKUS[0], "status": "ACCEPTED", "submissionId": "s-3",
                              "issues": [{"code": "18027", "severity": "WARNING", "message": "Image à revoir"}],
                              "identifiers": [{"marketplaceId": "A1PA6795UKMFR9", "asin": "B0AUTRE001"},
                                              {"marketplaceId": MARKETPLACE, "asin": "B0NOUVEAU1"}]}},
         follow=[{"operation": "searchListingsItems", "status": 502, "text": "<html>Bad Gateway</html>",
                  "contentType": "text/html"}], preview=False)
def test_listings_path_meets_the_contract(publish_run, scripted_sandbox: SandboxHandle, tmp_path: Path,
                                          existence: dict[str, Any], submission: dict[str, Any],
                                          follow: list[dict[str, Any]], preview: bool) -> None:
    tmp = fresh(tmp_path, COUNTER)
    items = subset(list(SKUS), tmp)
    writes = [{**submission, "operation": op} for op in ("putListingsItem", "patchListingsItem")]
    scripted_sandbox.script(existence, *writes, *follow)
    result = publish_run(scripted_sandbox, tmp, items=items, via="listings", follow_up_delay=0.3, preview=preview)
    by_sku = check_contract(result, SKUS)
    for sku in SKUS:
        item = by_sku[sku]
        if existence.get("status") != 404 and failed(existence):
            assert item["status"] == "ERROR", "Amazon could not say whether it holds the SKU"
            if existence.get("status", 200) < 300:  # a success that is no JSON object: unreadable, not refused
                assert any("illisible" in i["message"] for i in item["issues"]), item["issues"]
            continue
        if item["status"] == "NOT_SENT":
            assert existence.get("status") == 200, "only a SKU Amazon holds can be up to date"
            continue
        if failed(submission):
            assert item["status"] == "ERROR"
            continue
        body = submission["body"]
        issues = body.get("issues") or []
        assert {(i["code"], i["message"]) for i in issues} <= issues_of(item), "Amazon's issues kept"
        if body["status"] == "INVALID":
            expected = "ERROR" if any(transient_issue(i) for i in issues) else "INVALID"
        elif body["status"] == "VALID" and not preview:
            expected = "ERROR"  # a validation only: nothing says the listing was saved
        elif amazon_errors(issues):
            expected = "INVALID"
        elif preview:
            expected = "VALID"  # a preview saves nothing, and is not followed up
        else:
            follow_up = [] if failed(follow[0]) else late_issues(follow, sku)
            expected = "INVALID" if amazon_errors(follow_up) else "ACCEPTED"
            assert {(i["code"], i["message"]) for i in follow_up} <= issues_of(item), "late issues kept"
            if failed(follow[0]) and item["operation"] == "PUT":  # the ASIN is the answer's, for our marketplace
                ours = [i["asin"] for i in body.get("identifiers") or ()
                        if i.get("asin") and i.get("marketplaceId") in (None, MARKETPLACE)]
                assert item["asin"] == (ours[0] if ours else None), (body, item)
        assert item["status"] == expected, (sku, body, item)


COUNTER = itertools.count(1)


def test_a_search_token_given_twice_ends_the_reading(scripted_sandbox: SandboxHandle) -> None:
    """Pages are read while Amazon gives a new `nextToken`; one given again (an endless loop) ends it."""
    page = {"numberOfResults": 2, "items": [{"sku": SKUS[0], "summaries": []}],
            "pagination": {"nextToken": "page-2"}}
    scripted_sandbox.script({"operation": "searchListingsItems", "body": page})
    with client_for(scripted_sandbox) as client:
        found = client.listings.find_skus(list(SKUS))
    assert set(found) == {SKUS[0]}
    assert scripted_sandbox.state.received["searchListingsItems"] == 2


# -- JSON_LISTINGS_FEED path ---------------------------------------------------------------------

def drawn_report(consistent: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A processing report of the feed of SKUS (message ids 1 and 2), issues naming our messages, a
    message id the feed never had, or none; `items` of the listings or not; `consistent`: summary
    counts agreeing with the issues (else drawn freely)."""
    overrides = {**OVERRIDES, "messageId": st.sampled_from([1, 2, 99])}
    report = answers(REPORT, overrides=overrides)
    items = st.none() | st.lists(answers(LISTINGS, "Item", overrides=OVERRIDES), max_size=2)

    def assemble(pair: tuple[dict[str, Any], list[dict[str, Any]] | None]) -> dict[str, Any]:
        body, listed = pair
        body = {**body}
        if listed is not None:
            body["items"] = listed
        if consistent:
            refused = {i.get("messageId") for i in body["issues"] if i["severity"] == "ERROR"} & {1, 2}
            body["summary"] = {"errors": 0, "warnings": 0, "messagesProcessed": 2,
                               "messagesAccepted": 2 - len(refused), "messagesInvalid": len(refused)}
        return body

    return st.tuples(report, items).map(assemble)


FEED_STATE = {  # what getFeed says once the feed is made
    "done": answers(FEEDS, "Feed").map(lambda feed: {"operation": "getFeed", "body": {
        **feed, "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.resultat"}}),
    "drawn": answers(FEEDS, "Feed").map(lambda feed: {"operation": "getFeed", "body": feed}),
    "failed": error_answers("getFeed"),
}
RESULT_DOCUMENT = {  # what getFeedDocument links to
    "report": st.tuples(st.booleans().flatmap(drawn_report), st.sampled_from([None, "GZIP"])).map(
        lambda pair: {"operation": "getFeedDocument", "document": pair[0], "compression": pair[1]}),
    "truncated": st.sampled_from([None, "GZIP"]).map(lambda gz: {
        "operation": "getFeedDocument", "document": '{"header":{"sellerId":"MODEL","vers', "compression": gz}),
    "not a report": st.just({"operation": "getFeedDocument", "document": "[1, 2]"}),
    "gzip announced, plain sent": drawn_report(True).map(lambda report: {
        "operation": "getFeedDocument", "document": report, "body": {"compressionAlgorithm": "GZIP"}}),
    "failed": error_answers("getFeedDocument"),
}


def feed_messages(handle: SandboxHandle, feed_id: str) -> dict[str, int]:
    """The message id of each SKU in the document the feed was made from (as the sandbox received it)."""
    feed = handle.state.store.feed(feed_id)
    document = handle.state.store.document(feed["input_document_id"])
    return {m["sku"]: m["messageId"] for m in json.loads(bytes(document["data"]))["messages"]}


def report_of(issues: list[dict[str, Any]], accepted: int, invalid: int) -> dict[str, Any]:
    return {"header": {"sellerId": "MODEL", "version": "2.0", "feedId": "1"}, "issues": issues,
            "summary": {"errors": 0, "warnings": 0, "messagesProcessed": accepted + invalid,
                        "messagesAccepted": accepted, "messagesInvalid": invalid}}


NEW_SKUS = [{"operation": "searchListingsItems", "body": {"numberOfResults": 0, "items": []}}]
DONE = {"operation": "getFeed", "body": {"feedId": "1", "feedType": "JSON_LISTINGS_FEED", "createdTime":
                                         "2026-12-03T10:00:00Z", "processingStatus": "DONE",
                                         "resultFeedDocumentId": "amzn1.tortuga.4.eu.resultat"}}


@DRAWS
@given(existence=st.one_of(search_pages(), error_answers("searchListingsItems").map(lambda s: [s])),
       state=pick(FEED_STATE, "done", "done"), result=pick(RESULT_DOCUMENT, "report", "report", "report"))
# a WARNING tied to no message, an ERROR naming a message id the feed never had but one of its SKUs,
# an issue without code or message id: the first SKU accepted, the second refused
@example(existence=NEW_SKUS, state=DONE, result={"operation": "getFeedDocument", "compression": "GZIP",
                                                 "document": report_of([
                                                     {"severity": "WARNING", "message": "Avertissement du flux"},
                                                     {"messageId": 99, "sku": SKUS[1], "code": "90220",
                                                      "severity": "ERROR", "message": "Valeur manquante"},
                                                     {"messageId": 1, "severity": "INFO", "message": "Pour info"}],
                                                     accepted=1, invalid=1)})
# the report's items give the ASIN of several marketplaces, ours first
@example(existence=NEW_SKUS, state=DONE, result={"operation": "getFeedDocument", "document": {
    **report_of([], accepted=2, invalid=0), "items": [{"sku": SKUS[0], "summaries": [
        {"marketplaceId": MARKETPLACE, "asin": "B0NOUVEAU1", "productType": "CELLULAR_PHONE"},
        {"marketplaceId": "A1PA6795UKMFR9", "asin": "B0AUTRE001", "productType": "CELLULAR_PHONE"}]}]}})
# summary counts only: all accepted; or one invalid without saying which
@example(existence=NEW_SKUS, state=DONE, result={"operation": "getFeedDocument",
                                                 "document": report_of([], accepted=2, invalid=0)})
@example(existence=NEW_SKUS, state=DONE, result={"operation": "getFeedDocument",
                                                 "document": report_of([], accepted=1, invalid=1)})
def test_feed_path_meets_the_contract(publish_run, scripted_sandbox: SandboxHandle, tmp_path: Path,
                                      existence: list[dict[str, Any]], state: dict[str, Any],
                                      result: dict[str, Any]) -> None:
    tmp = fresh(tmp_path, COUNTER)
    items = subset(list(SKUS), tmp)
    scripted_sandbox.script(*existence, state, result)
    outcome = publish_run(scripted_sandbox, tmp, items=items, via="feed", feed_timeout=30.0, follow_up_delay=0.3)
    by_sku = check_contract(outcome, SKUS)
    feed = state.get("body") or {}
    report = result.get("document") if isinstance(result.get("document"), dict) else None
    readable = report is not None and "body" not in result  # a plain document announced as GZIP is not
    for sku in SKUS:
        item = by_sku[sku]
        if failed(existence[0]):
            assert item["status"] == "ERROR", "Amazon could not say whether it holds the SKU"
            continue
        if item["status"] == "NOT_SENT":
            continue  # Amazon holds exactly these attributes: nothing to send
        messages = feed_messages(scripted_sandbox, item["submissionId"])
        if failed(state) or feed.get("processingStatus") != "DONE" or not feed.get("resultFeedDocumentId") \
                or failed(result) or not readable:
            assert item["status"] == "ERROR", (sku, feed, result)
            if readable and feed.get("resultFeedDocumentId") and not failed(result):
                kept = {(str(i.get("code", "")), i["message"]) for i in report["issues"]
                        if i.get("messageId") == messages[sku] or i.get("sku") == sku or
                        (i.get("messageId") not in messages.values() and i.get("sku") not in messages)}
                assert kept <= issues_of(item), "Amazon's words on a failed feed kept"
            continue
        sent_ids = set(messages.values())
        mine = [i for i in report["issues"] if i.get("messageId") == messages[sku]
                or (i.get("messageId") not in sent_ids and i.get("sku") == sku)]
        general = [i for i in report["issues"] if i.get("messageId") not in sent_ids and i.get("sku") not in messages]
        assert {(str(i.get("code", "")), i["message"]) for i in [*mine, *general]} <= issues_of(item)
        refused = {s for s, mid in messages.items() if any(
            i["severity"] == "ERROR" and (i.get("messageId") == mid or (i.get("messageId") not in sent_ids
                                                                        and i.get("sku") == s))
            for i in report["issues"])}
        summary = report["summary"]
        doubt = amazon_errors(general) or summary["messagesInvalid"] > len(refused) \
            or summary["messagesAccepted"] < len(messages) - len(refused)
        transient = any(transient_issue(i) for i in [*mine, *general])
        if sku in refused:
            expected = {"ERROR" if transient else "INVALID"}
        elif doubt:
            expected = {"ERROR"} if transient or summary["messagesAccepted"] != 0 else {"INVALID"}
        else:
            # the existence check read every page; the follow-up reads find the last one
            later = [i for listed in report.get("items") or () if listed.get("sku") == sku
                     for i in listed.get("issues") or ()] + late_issues(existence[-1:], sku)
            expected = {"INVALID"} if amazon_errors([*mine, *later]) else {"ACCEPTED"}
        assert item["status"] in expected, (sku, item, report)
        if item["status"] == "ACCEPTED":  # the ASIN of our marketplace: the follow-up read's, else the report's
            reported = [summary["asin"] for listed in report.get("items") or () if listed.get("sku") == sku
                        for summary in listed.get("summaries") or ()
                        if summary.get("asin") and summary.get("marketplaceId") == MARKETPLACE]
            assert item["asin"] == (follow_asin(existence[-1:], sku) or (reported[-1] if reported else None))


# -- reconcile ------------------------------------------------------------------------------------

@pytest.fixture
def accepted_journal(publish_run, scripted_sandbox: SandboxHandle, tmp_path: Path) -> Path:
    """A journal holding SKUS as accepted and not yet followed (the sandbox's own answers)."""
    items = subset(list(SKUS), tmp_path, name="accepted.xml")
    result = publish_run(scripted_sandbox, tmp_path, items=items, via="listings", follow_up_delay=0,
                         journal=tmp_path / "accepted.sqlite3", out_dir=tmp_path / "accepted")
    assert result.summary["statuses"]["ACCEPTED"] == len(SKUS)
    return tmp_path / "accepted.sqlite3"


@DRAWS
@given(follow=st.one_of(search_pages(), search_pages(), error_answers("searchListingsItems").map(lambda s: [s])))
def test_reconcile_meets_the_contract(workspace_for, scripted_sandbox: SandboxHandle, accepted_journal: Path,
                                      tmp_path: Path, follow: list[dict[str, Any]]) -> None:
    from transpiler.publish.reconcile import ReconcileOptions, reconcile

    tmp = fresh(tmp_path, COUNTER)
    journal = tmp / "journal.sqlite3"
    shutil.copyfile(accepted_journal, journal)
    scripted_sandbox.script(*follow)
    with client_for(scripted_sandbox) as client:
        result = reconcile(workspace_for(scripted_sandbox), ReconcileOptions(
            journal=journal, out_dir=tmp / "out", cache_dir=tmp / "cache"), client=client)
    document = json.loads(result.report_path.read_text(encoding="utf-8"))
    by_sku = {item["sku"]: item for item in document["items"]}
    assert sorted(by_sku) == sorted(SKUS), "every followed SKU acknowledged exactly once"
    if failed(follow[0]):
        assert result.summary["readErrors"] and result.exit_code == 1, "Amazon could not be read"
        assert all(item["status"] == "ACCEPTED" for item in by_sku.values())
        assert all(any(i["code"] == "PUB_RECONCILE" for i in item["issues"]) for item in by_sku.values())
        return
    for sku, item in by_sku.items():
        listed = [i for page in follow for i in page["body"].get("items") or () if i.get("sku") == sku]
        late = list(listed[-1].get("issues") or ()) if listed else []
        assert {(str(i.get("code", "")), i["message"]) for i in late} <= issues_of(item), "late issues kept"
        assert item["status"] == ("INVALID" if amazon_errors(late) else "ACCEPTED"), (sku, item, late)
        ours = [s for s in (listed[-1].get("summaries") or ()) if s.get("marketplaceId") == MARKETPLACE] \
            if listed else []
        if ours and ours[0].get("asin"):
            assert item["asin"] == ours[0]["asin"]
    assert result.exit_code == (1 if any(i["status"] != "ACCEPTED" for i in by_sku.values()) else 0)


@DRAWS
@given(creation=error_answers("createFeed"),
       listed=answers(FEEDS, "GetFeedsResponse").map(lambda body: {"operation": "getFeeds", "body": body}))
def test_a_feed_creation_that_fails_loses_no_sku(publish_run, scripted_sandbox: SandboxHandle, tmp_path: Path,
                                                 creation: dict[str, Any], listed: dict[str, Any]) -> None:
    """createFeed refused (4xx: no feed made) or unanswered (5xx after retries, a gateway's page, a 200
    that is no JSON: a feed may exist): every SKU ends ERROR, to be sent again; when the answer may have
    been lost, the feeds Amazon lists since the call are looked at (drawn: none of them is ours)."""
    tmp = fresh(tmp_path, COUNTER)
    items = subset(list(SKUS), tmp)
    scripted_sandbox.script(*NEW_SKUS, creation, listed)
    before = scripted_sandbox.state.received["getFeeds"]
    outcome = publish_run(scripted_sandbox, tmp, items=items, via="feed", feed_timeout=30.0)
    by_sku = check_contract(outcome, SKUS)
    assert {item["status"] for item in by_sku.values()} == {"ERROR"}
    refused = 400 <= creation["status"] < 500
    assert (scripted_sandbox.state.received["getFeeds"] > before) == (not refused), "a lost answer is looked for"
