"""`make demo` tells the whole story on the embedded sandbox and checks it ran as expected.

The demo runs once for this module, with its sandbox served on a socket as `make demo` does, on the
sandbox's clock (`sandbox_time`: the pauses a person watching would see advance that clock instead);
each test reads that run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.test_publish_sandbox import answered
from transpiler.demo import EXPECTED, run_demo, verdict

pytestmark = pytest.mark.socket


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("demo") / "demo"
    return run_demo(out_dir=out, sandbox_time=True), out


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
