"""The job folders agree with the custom tasks, the generated table and the definitions store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from transpiler.config import TABLE_KEY
from transpiler.datafactory.definitions import BY_KEY
from transpiler.datafactory.standin.jobs import load_jobs
from transpiler.datafactory.standin.runner import DEFAULT_JOBS
from transpiler.emit.readiness import KEY as READINESS
from transpiler.emit.readiness import READY

REPO = Path(__file__).resolve().parents[1]
TABLE = etree.parse(str(REPO / "generated" / "productlive" / f"{TABLE_KEY}.xml")).getroot()
MANIFEST = json.loads((REPO / "assets" / "amazon" / "A13V1IB3VIYZZH" / "fr_FR" / "manifest.json").read_text())
JOBS = load_jobs(DEFAULT_JOBS)
#: documented outputs of the built-in tasks the jobs use (learn.product-live.com task pages)
BUILTIN_OUTPUTS = {"table-export-items": {"file", "listing"},
                   "table-import-items": {"report", "createdItemsCount", "updatedItemsCount"},
                   "table-import-schema": {"report"}}
REFERENCE = re.compile(r"\$\{(\w+)\.output\.(\w+)")


@pytest.mark.parametrize("key", sorted(JOBS))
def test_tasks_inputs_and_references_exist(key: str) -> None:
    job = JOBS[key]
    outputs: dict[str, set[str]] = {}
    for task in job.tasks:
        name = task["name"]
        if name.startswith("${account}/"):
            definition = BY_KEY[name.removeprefix("${account}/")]
            assert set(task["inputParameters"]) <= {k for k, _ in definition.inputs}
            produced = {k for k, _ in definition.outputs}
        else:
            produced = BUILTIN_OUTPUTS[name]
        for ref, output in REFERENCE.findall(json.dumps(task.get("inputParameters", {}))):
            assert output in outputs[ref], f"{key}: {ref}.output.{output} is not produced before"
        outputs[task["taskReferenceName"]] = produced
    for ref, output in REFERENCE.findall(json.dumps(job.document.get("outputParameters", {}))):
        assert output in outputs[ref]
    readme = (job.folder / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {job.title}") and "Prérequis" in readme


def test_publish_job_exports_ready_items_of_the_generated_table() -> None:
    job = JOBS["amazon-publish"]
    export = next(t for t in job.tasks if t["name"] == "table-export-items")
    assert export["inputParameters"]["tableKey"] == TABLE.get("key")
    request = etree.parse(str(job.asset("ready-items.xml"))).getroot()
    formatting = request.find("Filters/Filter-Conditional-Formatting")
    assert formatting.get("key") == READINESS and formatting.findtext("Status") == READY
    declared = TABLE.find(f"Schema/Conditional-Formattings/Conditional-Formatting[@key='{READINESS}']")
    assert declared is not None and declared.find("Default-Status").get("key") == READY
    imports = [t for t in job.tasks if t["name"] == "table-import-items"]
    assert [t["inputParameters"]["mode"] for t in imports] == ["UPDATE_ONLY"]  # never creates items
    choices = {u["key"]: [o["key"] for o in u["options"]] for u in job.user_inputs}
    assert choices == {"mode": ["auto", "create", "enrich"], "preview": ["false", "true"],
                       "via": ["auto", "listings", "feed"]}


def test_structure_job_offers_the_tracked_product_types() -> None:
    job = JOBS["amazon-structure"]
    options = [o["key"] for o in job.user_inputs[0]["options"]]
    assert options == ["tracked", *sorted(MANIFEST["product_types"])]
    schema = next(t for t in job.tasks if t["name"] == "table-import-schema")
    assert schema["inputParameters"]["mode"] == "INCREMENTAL"  # never archives what the file lacks
