"""`make demo` tells the whole story on the embedded sandbox and checks it ran as expected."""

from __future__ import annotations

import json
from pathlib import Path

from transpiler.demo import EXPECTED, run_demo
from transpiler.productlive.items import read_items


def test_demo_runs_the_story_and_leaves_the_acknowledgements(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert run_demo(out_dir=out) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert {i["sku"]: i["status"] for i in report["items"]} == expected
    for item in report["items"]:
        assert set(item) >= {"sku", "status", "submissionId", "asin", "issues"}
        for issue in item["issues"]:
            assert set(issue) >= {"code", "severity", "message", "attributeNames", "fields"}
    assert report["summary"]["items"] == len(expected)
    skus = {i.identifier("SKU") for i in read_items(out / "acknowledgements.xml")}
    assert skus == set(expected)


def test_demo_fails_when_the_story_differs(tmp_path: Path) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    expected["MDL-S24-BAD-EAN"] = "ACCEPTED"  # a broken item that would have been accepted
    wrong = tmp_path / "expected.json"
    wrong.write_text(json.dumps(expected), encoding="utf-8")
    assert run_demo(out_dir=tmp_path / "demo", expected_file=wrong) == 1
