"""`make demo` tells the whole story on the embedded sandbox and checks it ran as expected.

The demo runs once for this module, through the command line (`pl-amazon demo --no-wait`), with
its sandbox served on a socket as `make demo` does, on the sandbox's clock (the pauses a person
watching would see advance that clock instead); each test reads that run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.conftest import sample_schema_files
from tests.test_publish_sandbox import answered
from transpiler.cli import main
from transpiler.demo import EXPECTED, verdict

pytestmark = pytest.mark.socket


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """(exit code, printed text, output folder) of the one run of the module."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(main, ["demo", "--no-wait", "--out", str(out)])
    return result.exit_code, result.output, out


@pytest.fixture(scope="module")
def demo(run: tuple[int, str, Path]) -> tuple[int, Path]:
    return run[0], run[2]


def _report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_demo_runs_the_story_and_leaves_the_acknowledgements(demo: tuple[int, Path]) -> None:
    code, out = demo
    assert code == 0
    report = _report(out)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert {i["sku"]: i["status"] for i in report["items"]} == expected
    for item in report["items"]:
        assert set(item) >= {"sku", "status", "submissionId", "asin", "issues"}
        for issue in item["issues"]:
            assert set(issue) >= {"code", "severity", "message", "attributeNames", "fields"}
    assert report["summary"]["items"] == len(expected)
    assert set(answered(out / "acknowledgements.xml")) == set(expected)
    # the family: its parent and every child accepted, each with its own ASIN
    family = [i for i in report["items"] if i.get("family") == "MDL-S24FE"]
    accepted = [i for i in family if i["status"] == "ACCEPTED"]
    assert [i["role"] for i in accepted].count("parent") == 1 and len(accepted) == 7
    assert len({i["asin"] for i in accepted}) == 7 and all(i["asin"] for i in accepted)
    twin = next(i for i in family if i["sku"] == "MDL-S24FE-256-BLEU-BIS")
    assert twin["status"] == "INVALID" and "MDL-S24FE-256-BLEU" in twin["issues"][0]["message"]


def test_demo_runs_the_publication_job_through_data_factory(demo: tuple[int, Path]) -> None:
    """Step 6: the table in the stand-in holds the acknowledgement of every ready item after the job,
    and none for the items Product-Live does not mark ready (not exported, not published)."""
    from lxml import etree

    from transpiler.demo import EXAMPLE, ready_skus
    from transpiler.mapping import publication

    _, out = demo
    table = etree.parse(str(out / "datafactory-items.xml")).getroot()
    statuses = {}
    keys = (("SKU", publication.STATUS), ("PARENT_SKU", publication.parent_key(publication.STATUS)))
    for item in table.iter("Item"):  # articles, and the models of the variation families (parent fields)
        for identifier, key in keys:
            sku = item.findtext(f"Identifier[@key='{identifier}']")
            values = [f.text for f in item.iterfind("Field") if f.get("key") == key]
            if sku and values:
                statuses[sku] = values
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    ready = ready_skus(EXAMPLE) & set(expected)
    assert 0 < len(ready) < len(expected)  # the sample holds items that are not ready
    assert "MDL-S24FE" in ready  # the family's model: exported with its ready articles
    assert statuses == {sku: [status] for sku, status in expected.items() if sku in ready}


def test_demo_fails_when_the_story_differs(demo: tuple[int, Path]) -> None:
    _, out = demo
    report = _report(out)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    console = Console(file=io.StringIO(), width=200)
    assert verdict(console, report, expected) == 0
    expected["MDL-S24-BAD-EAN"] = "ACCEPTED"  # a broken item that would have been accepted
    assert verdict(console, report, expected) == 1
    assert "MDL-S24-BAD-EAN : attendu ACCEPTED, obtenu INVALID" in console.file.getvalue()
    missing = dict(expected, **{"MDL-S24-BAD-EAN": "INVALID"})
    del missing["MDL-S24-256-NOIR"]  # an acknowledgement nobody expected
    assert verdict(console, report, missing) == 1


def test_demo_prints_every_sample(run: tuple[int, str, Path]) -> None:
    code, output, _ = run
    assert code == 0
    for path in sample_schema_files():
        assert path.stem in output
