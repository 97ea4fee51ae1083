"""`pl-amazon readiness ITEMS.xml`: the status Product-Live shows per item, read from the table XML."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from transpiler.cli import main

ITEMS = """<?xml version="1.0" encoding="utf-8"?>
<Table key="AMAZON_FR">
  <Items>
    <Item partition="ACTIVE" created="2024-05-02T08:12:40.000Z" updated="2024-05-03T09:00:00.000Z">
      <Identifier key="SKU">SANS-TYPE</Identifier>
      <Conditional-Formatting key="AMAZON_READINESS">READY</Conditional-Formatting>
      <Field key="item_name">Casque</Field>
    </Item>
    <Item partition="ACTIVE">
      <Identifier key="SKU">MAUVAIS-EAN</Identifier>
      <Identifier key="EAN">8806095299687</Identifier>
      <Classification key="AMAZON_PRODUCT_TYPE">HEADPHONES</Classification>
    </Item>
  </Items>
</Table>
"""


def test_readiness_names_the_status_and_the_reasons(tmp_path: Path) -> None:
    items = tmp_path / "items.xml"
    items.write_text(ITEMS, encoding="utf-8")
    result = CliRunner().invoke(main, ["readiness", str(items)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "SANS-TYPE : Incomplet pour Amazon  (Product-Live affichait : READY)"
    assert "    « Type de produit Amazon » est obligatoire." in lines
    assert any(line.startswith("MAUVAIS-EAN : Invalide pour Amazon") for line in lines)
    assert any("n'est pas un EAN-13 valide" in line for line in lines)
    assert lines[-1].startswith("2 article(s)")
    as_json = CliRunner().invoke(main, ["readiness", str(items), "--json"])
    document = json.loads(as_json.output)
    assert [v["status"] for v in document["items"]] == ["INCOMPLETE", "INVALID"]
    assert document["items"][0]["exportedStatus"] == "READY"


def test_readiness_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    items = tmp_path / "items.xml"
    items.write_text(ITEMS, encoding="utf-8")
    broken = tmp_path / "table.xml"
    broken.write_text("<Table key='X'/>", encoding="utf-8")
    for args in (["readiness", str(tmp_path / "none.xml")], ["readiness", str(items), "--table", str(broken)],
                 ["readiness", str(items), "--indicator", "NOPE"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error:")


def test_each_level_is_judged_with_its_own_indicator(tmp_path: Path) -> None:
    """A multi-level export: the model with the model's rules, colours and articles with theirs."""
    from tests.family_items import article, ean, export, model_item

    articles = [article("GS24-NOIR-128", "Noir Onyx", 128, ean("880609530100")),
                article("GS24-NOIR-256", "Noir Onyx", 256, ean("880609530101"))]
    items = export(tmp_path / "famille.xml", model_item("GS24", articles, colours=True, drop=("brand",)))
    result = CliRunner().invoke(main, ["readiness", str(items), "--json"])
    verdicts = {v["sku"]: v for v in json.loads(result.output)["items"]}
    assert list(verdicts) == ["GS24", "NOIR-ONYX", "GS24-NOIR-128", "GS24-NOIR-256"]
    assert verdicts["GS24"]["status"] == "INCOMPLETE"  # the model lacks its brand
    assert [f["key"] for f in verdicts["GS24"]["findings"]] == ["brand"]
    assert {verdicts[k]["status"] for k in ("NOIR-ONYX", "GS24-NOIR-128", "GS24-NOIR-256")} == {"READY"}
    assert result.exit_code == 1
