"""Acknowledgements that can be filtered and trusted, and the "Statut Amazon" indicator they drive.

Published through the real client against the in-process sandbox; the acknowledgement XML is then
read back as Product-Live would import it, and judged with the generated table's own rules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_publish_sandbox import answered, report, subset
from transpiler.mapping import publication
from transpiler.productlive.items import Item
from transpiler.productlive.readiness import judge
from transpiler.productlive.table_rules import read_table
from transpiler.sandbox.runner import SandboxHandle
from transpiler.workspace import DEFAULT_GENERATED

ACCEPTED = "MDL-S24-256-NOIR"  # a new product, accepted, ASIN after processing
ENRICHED = "MDL-A55-128-BLEU"  # enrichment of a catalog ASIN
LATE = "MDL-LEGION-Y70-GRIS"  # accepted, then refused while processed: the ASIN belongs to another EAN
UNTITLED = "MDL-S24-SANS-TITRE"  # refused before sending: no title
SKUS = [ACCEPTED, ENRICHED, LATE, UNTITLED]


@pytest.fixture
def published(publish_run, sandbox: SandboxHandle, tmp_path: Path) -> tuple[dict[str, Item], dict[str, dict]]:
    result = publish_run(sandbox, tmp_path, items=subset(SKUS, tmp_path), via="listings")
    acks = answered(result.acknowledgements_path)
    return acks, report(result)


def _deleted(item: Item, key: str) -> bool:
    return any(e.delete for e in item.fields.get(key, ()))


def test_issues_empty_when_amazon_raised_nothing_and_the_mode_in_its_own_field(published) -> None:
    acks, _ = published
    accepted = acks[ACCEPTED]
    assert _deleted(accepted, publication.ISSUES) and accepted.first(publication.ISSUES) is None
    assert accepted.first(publication.MODE) == "create"
    assert "mode automatique" not in (accepted.first(publication.NOTE) or "")
    assert accepted.first(publication.PUBLISHED_AT) and accepted.first(publication.SUBMISSION_ID)


def test_asin_only_from_amazons_answer_for_this_sku(published, sandbox: SandboxHandle) -> None:
    acks, items = published
    conflicting = acks[LATE]
    assert items[LATE]["status"] == "INVALID"
    assert conflicting.first(publication.ASIN) is None  # the suggested ASIN belongs to another product
    assert conflicting.first(publication.PRODUCT_PAGE) is None
    accepted = acks[ACCEPTED]
    asin = accepted.first(publication.ASIN)
    assert asin and asin == items[ACCEPTED]["asin"]
    assert accepted.first(publication.PRODUCT_PAGE) == f"https://www.amazon.fr/dp/{asin}"


def test_every_publication_field_set_or_cleared_with_the_new_status(published) -> None:
    acks, _ = published
    refused = acks[UNTITLED]
    assert refused.first(publication.STATUS) == "INVALID"
    for key in (publication.PUBLISHED_AT, publication.SUBMISSION_ID, publication.NOTE):
        assert _deleted(refused, key), key  # never sent: nothing of an older submission survives
    assert publication.RESULT not in refused.fields  # Amazon said nothing: its verdict is left as it was
    for item in acks.values():
        written = set(item.fields)
        assert {publication.STATUS, publication.MODE, publication.SUBMISSION_ID, publication.ISSUES,
                publication.NOTE, publication.PUBLISHED_AT} <= written, item.identifier("SKU")


def test_messages_name_fields_by_title_and_say_rules_in_french(published) -> None:
    acks, items = published
    untitled = acks[UNTITLED].first(publication.ISSUES) or ""
    assert "« Nom du produit »" in untitled and "item_name" not in untitled
    assert items[UNTITLED]["issues"][0]["fields"] == ["item_name"]  # the key stays in report.json
    for item in acks.values():
        text = item.first(publication.ISSUES) or ""
        assert not re.search(r"/allOf|\{\"|\"\}|is not allowed|is a required property", text), text
    late = acks[LATE].first(publication.ISSUES) or ""
    amazon_message = items[LATE]["issues"][0]["message"]
    assert amazon_message and amazon_message in late  # Amazon's own words are kept


def test_statut_amazon_indicator(published) -> None:
    acks, _ = published
    table = read_table(DEFAULT_GENERATED / "productlive" / "AMAZON_FR.xml")
    statuses = {sku: judge(item, table, "AMAZON_STATUS").status for sku, item in acks.items()}
    assert statuses[LATE] == "PROBLEM"
    assert statuses[ACCEPTED] in ("ACCEPTED", "PENDING") and statuses[ENRICHED] in ("ACCEPTED", "PENDING")
    assert statuses[UNTITLED] == "NOT_PUBLISHED"
