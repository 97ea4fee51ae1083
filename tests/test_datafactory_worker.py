"""The jobs end to end over HTTP on loopback: stand-in + SP-API served_sandbox + workers in threads."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.datafactory_fixtures import (
    ASSETS,
    EXAMPLE,
    GENERATED,
    executions,
    productlive_settings,
    run_workers,
    seed_table,
    start_job,
    statuses,
    table_fields,
    wait_job,
    worker_context,
)
from transpiler.datafactory.api import DataFactoryClient
from transpiler.datafactory.context import PublishDefaults, WorkerContext
from transpiler.datafactory.definitions import TaskDefinition
from transpiler.datafactory.inputs import ExecutionInputs, TaskInputError
from transpiler.datafactory.outcome import TaskOutcome
from transpiler.datafactory.standin.runner import StandInHandle, start_standin
from transpiler.datafactory.worker import PollSchedule, WorkerPool, default_runners
from transpiler.demo import ready_skus
from transpiler.mapping import publication
from transpiler.sandbox.runner import SandboxHandle

#: the stand-in (and the sandbox) on real loopback ports
pytestmark = pytest.mark.socket

EXPECTED = json.loads((EXAMPLE.parent / "expected.json").read_text(encoding="utf-8"))
#: what the publication job publishes: the items the export marks READY
READY = {sku: status for sku, status in EXPECTED.items() if sku in ready_skus(EXAMPLE)}


def own(fields: dict[str, dict[str, list[str]]], sku: str, key: str) -> list[str]:
    """An item's publication field: an article's own, a family model's parent one."""
    return fields[sku].get(key) or fields[sku].get(publication.parent_key(key), [])


def secrets_of(served_sandbox: SandboxHandle, standin: StandInHandle) -> list[str]:
    reg = served_sandbox.registration
    return [reg.refresh_token, reg.client_secret, standin.api_key]


def assert_no_secret(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_publish_job_end_to_end_with_two_workers(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                  tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert seed_table(standin) == EXAMPLE.read_bytes().count(b'<Identifier key="SKU">')  # the articles
    workers = run_workers(worker_context(served_sandbox, standin, tmp_path / "state"), threads=2)
    try:
        ended = wait_job(standin, start_job(standin, "amazon-publish"))
    finally:
        stats = workers.stop()
    assert ended["status"] == "COMPLETED", ended["tasks"]
    assert sum(s.completed for s in stats) == 1 and sum(s.failed for s in stats) == 0
    # every ready item's acknowledgement is back in the table, with the status the direct run gives;
    # the items Product-Live does not mark ready were not exported, so not published
    fields = table_fields(standin)
    assert statuses(fields) == READY
    assert len(READY) < len(EXPECTED)
    accepted = [sku for sku, status in READY.items() if status == "ACCEPTED"]
    assert all(own(fields, sku, publication.ASIN) for sku in accepted)  # the follow-up read found the ASINs
    assert all(own(fields, sku, publication.ISSUES) for sku, s in READY.items() if s == "INVALID")
    # outputs: counts agree with report.json, the import found every item and no unknown field
    output = ended["output"]
    report = httpx.get(output["report"]["url"]).json()
    assert output["counts"]["items"] == report["summary"]["items"] == len(READY)
    assert output["counts"]["ACCEPTED"] == len(accepted) and output["counts"]["INVALID"] == report["summary"]["failed"]
    assert output["message"].startswith(f"Publication Amazon : {len(READY)} article(s)")
    import_report = httpx.get(output["importReport"]["url"]).text
    answered = httpx.get(output["acknowledgements"]["url"]).content.count(b"<Item>")  # models, colours, articles
    assert f'updated="{answered}"' in import_report and 'errors="0"' in import_report
    # secrets never leave the worker: outputs, uploaded files, logs
    secrets = secrets_of(served_sandbox, standin)
    assert_no_secret(json.dumps(ended) + json.dumps(executions(standin)), secrets)
    for stored in standin.factory.files.values():
        assert_no_secret(stored.path.read_bytes().decode("utf-8", "replace"), secrets)
    assert_no_secret(caplog.text, secrets)


def test_a_rerun_sends_nothing_already_answered(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                tmp_path: Path) -> None:
    """The journal lives in the worker's state: job after job, nothing already on Amazon is sent again.

    The second run sees the ASINs the first run's acknowledgement brought into the table and
    enriches those products: Amazon already holds exactly that, so nothing is written.
    """
    seed_table(standin)
    workers = run_workers(worker_context(served_sandbox, standin, tmp_path / "state"))
    try:
        runs = [wait_job(standin, start_job(standin, "amazon-publish"))]
        written = {row["sku"]: row["updated"] for row in served_sandbox.state.store.listings("MODEL")}
        runs += [wait_job(standin, start_job(standin, "amazon-publish")) for _ in range(2)]
    finally:
        workers.stop()
    assert [r["status"] for r in runs] == ["COMPLETED"] * 3
    assert {row["sku"]: row["updated"] for row in served_sandbox.state.store.listings("MODEL")} == written
    for run in runs[1:]:
        items = httpx.get(run["output"]["report"]["url"]).json()["items"]
        # unchanged since their last answer, enrichments Amazon already holds, or refused locally
        assert all(i["unchanged"] or i["operation"] is None for i in items)
        assert {i["status"] for i in items if i["operation"] is None and not i["unchanged"]} <= {"NOT_SENT", "INVALID"}


def test_follow_up_job_brings_the_asins_in_then_has_nothing_left(served_sandbox: SandboxHandle,
                                                                  standin: StandInHandle, tmp_path: Path) -> None:
    seed_table(standin)
    context = worker_context(served_sandbox, standin, tmp_path / "state",
                             publish=PublishDefaults(follow_up_delay=0))  # no follow-up read inside publish
    workers = run_workers(context)
    try:
        published = wait_job(standin, start_job(standin, "amazon-publish"))
        created = [sku for sku, f in table_fields(standin).items()
                   if f.get(publication.STATUS) == ["ACCEPTED"] and publication.ASIN not in f]
        assert created  # accepted creations: Amazon gives their ASIN only after processing
        served_sandbox.process()
        followed = wait_job(standin, start_job(standin, "amazon-follow-up"))
        again = wait_job(standin, start_job(standin, "amazon-follow-up"))
    finally:
        workers.stop()
    assert published["status"] == followed["status"] == again["status"] == "COMPLETED", followed["tasks"]
    fields = table_fields(standin)
    listed = [sku for sku in created if fields[sku][publication.STATUS] == ["ACCEPTED"]]
    assert listed and all(fields[sku][publication.ASIN][0] for sku in listed)
    # an item Amazon refuses while processing it turns INVALID, with the issues to fix
    assert all(fields[sku].get(publication.ISSUES) for sku in set(created) - set(listed))
    assert followed["output"]["counts"]["final"] >= len(created)
    assert followed["output"]["message"].startswith("Suivi Amazon")
    assert again["output"]["counts"]["followed"] == 0  # final outcomes are not read again


def _echo(context: WorkerContext, inputs: ExecutionInputs) -> TaskOutcome:
    return TaskOutcome({"echo": inputs.text("value"), "thread": threading.current_thread().name})


ECHO = TaskDefinition("test-echo", "echo", (("value", "v"),), (("echo", "e"),), timeout_seconds=60,
                      concurrent_exec_limit=0)


def test_workers_racing_never_run_an_execution_twice(served_sandbox: SandboxHandle, tmp_path: Path) -> None:
    jobs = tmp_path / "jobs" / "echo"
    jobs.mkdir(parents=True)
    (jobs / "job.json").write_text(json.dumps({"schema": "1.0", "key": "echo", "title": "echo", "tasks": [
        {"name": "${account}/test-echo", "taskReferenceName": "echo", "type": "SUB_WORKFLOW",
         "inputParameters": {"value": "${workflow.input.value}"}}]}))
    with start_standin(data=tmp_path / "data", jobs=tmp_path / "jobs", per_minute=0, pipelines=12) as standin:
        context = worker_context(served_sandbox, standin, tmp_path / "state")
        pool = WorkerPool(DataFactoryClient(context.productlive), context, {"test-echo": _echo}, threads=4,
                          schedule=lambda: PollSchedule(busy=0.0, idle_max=0.02), definitions=[ECHO])
        results: list[Any] = []
        thread = threading.Thread(target=lambda: results.append(pool.run()))
        thread.start()
        try:
            ids = [start_job(standin, "echo", {"value": str(n)}) for n in range(12)]
            ended = [wait_job(standin, i) for i in ids]
        finally:
            pool.stop.set()
            thread.join(timeout=30)
        rows = executions(standin)
    assert [e["output"]["echo"] for e in ended] == [str(n) for n in range(12)]
    assert len(rows) == 12 and {r["attempt"] for r in rows} == {1} and {r["status"] for r in rows} == {"COMPLETED"}
    handled = [e for stats in results[0] for e in stats.executions]
    assert sorted(handled) == sorted(r["id"] for r in rows)  # each execution ran in exactly one worker
    assert sum(stats.lost for stats in results[0]) == 0


@pytest.mark.parametrize("job_input", [{"productTypes": "HEADPHONES"}, {"keywords": "headphones"}],
                         ids=["by-name", "by-keywords"])
def test_structure_job_pulls_regenerates_and_imports(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                     tmp_path: Path, job_input: dict[str, str]) -> None:
    assets = tmp_path / "assets"
    shutil.copytree(ASSETS, assets)
    folder = assets / "A13V1IB3VIYZZH" / "fr_FR"
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["product_types"]["HEADPHONES"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for name in ("HEADPHONES.json", "HEADPHONES.definition.json"):
        (folder / name).unlink()
    context = worker_context(served_sandbox, standin, tmp_path / "state", assets_root=assets,
                             generated_root=tmp_path / "generated")
    shutil.copytree(GENERATED / "mapping", tmp_path / "generated" / "mapping")
    workers = run_workers(context)
    try:
        ended = wait_job(standin, start_job(standin, "amazon-structure", job_input), timeout=300)
    finally:
        workers.stop()
    assert ended["status"] == "COMPLETED", ended["tasks"]
    assert ended["output"]["counts"] == {"new": 1, "updated": 0, "unchanged": 0}
    changes = httpx.get(ended["output"]["changes"]["url"]).json()
    assert [t["name"] for t in changes["product_types"]] == ["HEADPHONES"]
    assert (folder / "HEADPHONES.json").is_file()
    imported = standin.call("GET", "/_datafactory/tables/AMAZON_FR/schema")
    assert imported.status_code == 200
    assert b'<Category key="HEADPHONES">' in imported.content
    assert imported.content.count(b"<Field ") > 100


def test_bad_input_fails_with_a_french_message(served_sandbox: SandboxHandle, standin: StandInHandle,
                                               tmp_path: Path) -> None:
    seed_table(standin)
    workers = run_workers(worker_context(served_sandbox, standin, tmp_path / "state"))
    try:
        execution = start_job(standin, "amazon-publish", {"preview": "true", "via": "feed"})
        for failed in (1, 2):  # the first attempt and the retries Data Factory makes of it
            _wait_failed(standin, execution, failed)
            standin.advance_clock(61)
        ended = wait_job(standin, execution)
    finally:
        workers.stop()
    assert ended["status"] == "FAILED"
    assert ended["output"]["message"].startswith("Entrée « via » : l'aperçu")
    assert ended["output"]["code"] == "BAD_INPUT" and ended["output"]["input"] == "via"
    assert not served_sandbox.state.store.listings("MODEL")  # nothing was sent


def _wait_failed(standin: StandInHandle, job_execution: str, count: int) -> None:
    import time

    deadline = time.monotonic() + 60
    while sum(1 for e in executions(standin) if e["jobExecutionId"] == job_execution and e["status"] == "FAILED"
              ) < count:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_missing_file_input_is_named() -> None:
    inputs = ExecutionInputs({"file": None}, Path("/nonexistent"), lambda ref, target: target)
    with pytest.raises(TaskInputError) as caught:
        inputs.file("file", "items.xml")
    assert caught.value.key == "file" and "aucun" in caught.value.message
    with pytest.raises(TaskInputError, match="n'est ni vrai"):
        ExecutionInputs({"preview": "peut-être"}, Path("."), lambda r, t: t).flag("preview")


def test_an_expired_export_link_is_renewed(served_sandbox: SandboxHandle, tmp_path: Path) -> None:
    with start_standin(data=tmp_path / "data", per_minute=0, file_url_ttl=30) as standin:
        seed_table(standin)
        execution = start_job(standin, "amazon-publish")
        standin.advance_clock(60)  # the export's link in the task input is stale when a worker comes
        workers = run_workers(worker_context(served_sandbox, standin, tmp_path / "state"))
        try:
            ended = wait_job(standin, execution)
        finally:
            workers.stop()
    assert ended["status"] == "COMPLETED", ended["tasks"]


class FailingFirstUploads(httpx.HTTPTransport):
    """A real transport that answers 500 to the first two uploads, as an overloaded Product-Live would."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/files") and self.failed < 2:
            self.failed += 1
            return httpx.Response(500, json={"statusCode": 500, "message": "Internal server error"})
        return super().handle_request(request)


def test_product_live_errors_on_upload_are_retried(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                    tmp_path: Path) -> None:
    seed_table(standin)
    transport = FailingFirstUploads()
    context = worker_context(served_sandbox, standin, tmp_path / "state")
    client = DataFactoryClient(productlive_settings(standin), http=httpx.Client(transport=transport),
                               sleep=lambda s: None)
    workers = run_workers(context, client=client)
    try:
        ended = wait_job(standin, start_job(standin, "amazon-publish"))
    finally:
        workers.stop()
    assert transport.failed == 2 and ended["status"] == "COMPLETED"


def test_runners_cover_declared_tasks() -> None:
    assert set(default_runners()) <= {"amazon-pull-structure", "amazon-publish", "amazon-reconcile"}
