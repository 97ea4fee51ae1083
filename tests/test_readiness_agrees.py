"""Differential: the status the generated table gives an item ("Prêt pour Amazon") against the
publisher's verdict (`prepare` with `validate()`: Amazon's schema, vocabulary and conditions).

Items are the valid sample payloads turned into Product-Live values, then mutated the way a
catalogue manager (or an import) changes them: values removed, other options (of any product
type), other units, numbers out of range, long or accented texts, fields of the type filled in,
the product type changed. "Prêt" must imply Amazon-valid; the only exceptions allowed are the
limits `regenerate --report` declares as checked by the publisher (UTF-8 bytes, multiples).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import REPO, sample_schema_files
from transpiler.compiler.loading import load_product_type
from transpiler.config import Settings
from transpiler.emit.productlive import render_table, sorted_types
from transpiler.emit.structure import build_structure
from transpiler.mapping.field_codec import attributes_to_fields
from transpiler.mapping.identifiers import CLASSIFICATION_KEY, EAN, EXTERNAL_IDENTIFIER, SKU
from transpiler.mapping.types import FieldMapping, Mapping, Quantity
from transpiler.productlive.gtin import gtin_problem
from transpiler.productlive.items import FieldValue, Item
from transpiler.productlive.readiness import judge_listing
from transpiler.productlive.table_rules import TableRules, read_table
from transpiler.publish.listing import prepare
from transpiler.publish.mappings import MappingSet
from transpiler.validation import validate
from transpiler.workspace import Workspace

MUTANTS_PER_TYPE = 160
TEXTS = ["x", "880609529968", "8806095299686", "Écran Dynamic AMOLED 2X, très lumineux", "é" * 160, "a" * 260,
         "A" * 1200, "B0CSB7QJ2K", "abc",
         "https://asset.prod.product-live.com/x.jpg", "2024-01-31", "nope"]
NUMBERS = ["-5", "0", "0.5", "1", "3", "12.345", "1989", "2024", "2101", "999999", "1001", "319.72"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory,
          workspace: Workspace) -> tuple[TableRules, MappingSet, dict[str, Any]]:
    types = [load_product_type(p, workspace=workspace) for p in sample_schema_files()]
    structure = build_structure(sorted_types(types))
    path = tmp_path_factory.mktemp("table") / "AMAZON_FR.xml"
    path.write_text(render_table(structure.table), encoding="utf-8")
    return read_table(path), MappingSet.from_mappings(structure.mappings), structure.type_rules


def _base(mapping: Mapping) -> Item:
    payload = json.loads((REPO / "tests" / "data" / "payloads" / f"{mapping.product_type}.valid.json")
                         .read_text(encoding="utf-8"))
    values = attributes_to_fields(mapping, payload)
    item = Item(index=1, line=None, partition="ACTIVE", identifiers={SKU: f"SKU-{mapping.product_type}"},
                classifications={CLASSIFICATION_KEY: mapping.category})
    for key, value in values.items():
        if key == EAN:
            item.identifiers[EAN] = str(value)
        elif isinstance(value, Quantity):
            item.fields[key] = [FieldValue(value.amount, value.suffix)]
        elif isinstance(value, list):
            item.fields[key] = [FieldValue(v) for v in value]
        else:
            item.fields[key] = [FieldValue(str(value))]
    return item


def _copy(item: Item) -> Item:
    return Item(index=item.index, line=None, partition=item.partition, identifiers=dict(item.identifiers),
                classifications=dict(item.classifications), fields={k: list(v) for k, v in item.fields.items()})


def _random_value(rng: random.Random, fm: FieldMapping, table: TableRules) -> list[FieldValue]:
    info = table.fields.get(fm.key)
    options = list(info.options) if info else [c.key for c in fm.options]
    suffixes = list(info.suffixes) if info else [c.key for c in fm.suffixes]
    if fm.type == "MULTIPLE-SELECT":
        return [FieldValue(o) for o in rng.sample(options, rng.randint(1, min(len(options), 4)))]
    if options:
        return [FieldValue(rng.choice(options))]
    if fm.type == "NUMBER":
        return [FieldValue(rng.choice(NUMBERS), rng.choice(suffixes) if suffixes else None)]
    if fm.type == "DATE":
        return [FieldValue("2024-01-31")]
    return [FieldValue(rng.choice(TEXTS))]


def _mutate(rng: random.Random, item: Item, mapping: Mapping, table: TableRules, mappings: MappingSet) -> Item:
    out = _copy(item)
    fields = [f for f in mapping.fields if f.role == "field"]
    for _ in range(rng.randint(1, 4)):
        move = rng.random()
        if move < 0.35 and out.fields:
            del out.fields[rng.choice(sorted(out.fields))]
        elif move < 0.75:
            fm = rng.choice(fields)
            out.fields[fm.key] = _random_value(rng, fm, table)
        elif move < 0.85:
            choice = rng.choice(["", "8806095299686", "8806095299687", "4548736132610"])
            if choice:
                out.identifiers[EAN] = choice
            else:
                out.identifiers.pop(EAN, None)
        elif move < 0.92:
            keyed = [k for k in out.fields if any(e.suffix for e in out.fields[k])]
            if keyed:
                key = rng.choice(keyed)
                info = table.fields[key]
                out.fields[key] = [FieldValue(e.value, rng.choice(list(info.suffixes))) for e in out.fields[key]]
        else:
            out.classifications[CLASSIFICATION_KEY] = rng.choice(mappings.categories)
    return out


def _declared_exception(item: Item, mapping: Mapping) -> bool:
    """The item breaks a limit the report declares as the publisher's: UTF-8 bytes, Amazon's float
    `multipleOf`, the check digit of a GTIN typed in another identifier field."""
    for key, entries in item.fields.items():
        fm = mapping.field(key)
        if fm is None:
            continue
        for e in entries:
            text = (e.value or "").strip()
            if fm.attribute == EXTERNAL_IDENTIFIER and text.isdigit() and gtin_problem(text):
                return True
            if fm.limits.get("max_utf8_bytes") is not None and len(text.encode()) > fm.limits["max_utf8_bytes"]:
                return True
            step = fm.limits.get("multiple_of")
            if step is not None and fm.type == "NUMBER" and text and (
                    Decimal(text) % Decimal(repr(step)) != 0 or not (float(text) / step).is_integer()):
                return True
    return False


#: One workspace for the module: each product type's validator is compiled once, not per item.
WORKSPACE = Workspace.create()


def _errors(item: Item, mappings: MappingSet) -> list[str]:
    listing = prepare(item, mappings, Settings(), mode="auto",
                      validate=lambda name, attributes: validate(name, attributes, workspace=WORKSPACE))
    return [f"{i.code} {','.join(i.fields)}: {i.message}" for i in listing.issues if i.is_error]


@pytest.mark.parametrize("product_type", ["CELLULAR_PHONE", "CELLULAR_PHONE_CASE", "HEADPHONES"])
def test_ready_implies_amazon_valid(world: tuple[TableRules, MappingSet, Any], product_type: str) -> None:
    table, mappings, _ = world
    mapping = mappings.for_category(product_type)
    assert mapping is not None
    base = _base(mapping)
    assert judge_listing(base, table).status == "READY" and not _errors(base, mappings)
    rng = random.Random(f"readiness-{product_type}")
    outcomes: Counter[str] = Counter()
    wrong = []
    for n in range(MUTANTS_PER_TYPE):
        item = _mutate(rng, base, mapping, table, mappings)
        verdict = judge_listing(item, table)
        errors = _errors(item, mappings)
        outcomes[f"{verdict.status}/{'invalid' if errors else 'valid'}"] += 1
        if verdict.status == "READY" and errors:
            category_mapping = mappings.for_category(item.classifications[CLASSIFICATION_KEY]) or mapping
            if _declared_exception(item, category_mapping):
                outcomes["declared exception"] += 1
                continue
            wrong.append((n, errors[:3]))
    assert not wrong, wrong[:5]
    # the mutants exercise both sides, and the table is not simply stricter than Amazon everywhere
    assert outcomes["READY/valid"] > 5 and outcomes["INCOMPLETE/invalid"] + outcomes["INVALID/invalid"] > 20, outcomes


def test_a_rule_of_the_table_flags_what_amazon_refuses(world: tuple[TableRules, MappingSet, Any]) -> None:
    """Named cases of the issue: no product type, a phone offered a case keyword, no identifier."""
    table, mappings, _ = world
    phone = _base(mappings.for_category("CELLULAR_PHONE"))
    untyped = _copy(phone)
    del untyped.classifications[CLASSIFICATION_KEY]
    assert judge_listing(untyped, table).status == "INCOMPLETE"
    keyword = _copy(phone)
    keyword.fields["item_type_keyword"] = [FieldValue("cell-phone-flip-cases")]
    verdict = judge_listing(keyword, table)
    assert verdict.status == "INVALID" and _errors(keyword, mappings)
    assert any("Option non proposée" in f.message for f in verdict.findings)
    anonymous = _copy(phone)
    anonymous.identifiers.pop(EAN, None)
    for key in ("merchant_suggested_asin", "supplier_declared_has_product_identifier_exemption"):
        anonymous.fields.pop(key, None)
    verdict = judge_listing(anonymous, table)
    assert verdict.status == "INCOMPLETE" and _errors(anonymous, mappings)
    assert any("EAN" in f.message and "ASIN" in f.message for f in verdict.findings)
    exempt = _copy(anonymous)
    exempt.fields["supplier_declared_has_product_identifier_exemption"] = [FieldValue("true")]
    assert judge_listing(exempt, table).status == "READY"


def test_readiness_of_the_committed_table_matches_a_fresh_one(world: tuple[TableRules, MappingSet, Any]) -> None:
    committed = read_table(REPO / "generated" / "productlive" / "AMAZON_FR.xml")
    table, _, _ = world
    assert [(i.key, [s.key for s in i.statuses]) for i in committed.indicators] == \
           [(i.key, [s.key for s in i.statuses]) for i in table.indicators]

