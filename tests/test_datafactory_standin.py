"""The stand-in behaves as Product-Live's Data Factory documents: keys, rate limit, Conductor's
task semantics (one poll per execution, concurrency limit, timeouts and retries), job inputs, and
the built-in table tasks."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.datafactory_fixtures import TABLE, executions, seed_table, start_job
from transpiler.datafactory.standin.clock import StandInClock
from transpiler.datafactory.standin.engine import DataFactory
from transpiler.datafactory.standin.jobs import Job, JobDefinitionError, check_job, load_jobs
from transpiler.datafactory.standin.runner import DEFAULT_JOBS, StandInHandle, start_standin
from transpiler.datafactory.standin.tables import Table

#: the stand-in (and the sandbox) on real loopback ports
pytestmark = pytest.mark.socket

TASK = {"key": "amazon-publish", "retryCount": 1, "retryDelaySeconds": 30, "responseTimeoutSeconds": 100,
        "timeoutSeconds": 1000, "concurrentExecLimit": 1}


def declare(standin: StandInHandle, body: dict | None = None) -> str:
    response = standin.call("POST", "/v1/data_factory/tasks", json=body or TASK)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def poll(standin: StandInHandle, task_id: str) -> dict | None:
    response = standin.call("GET", f"/v1/data_factory/tasks/{task_id}/poll")
    assert response.status_code in (200, 404), response.text
    return response.json() if response.status_code == 200 else None


def job(standin: StandInHandle, execution_id: str) -> dict:
    return standin.call("GET", f"/v1/data_factory/job_executions/{execution_id}").json()


def test_every_api_route_needs_the_key(standin: StandInHandle) -> None:
    for method, path in (("GET", "/v1/data_factory/tasks"), ("POST", "/v1/data_factory/job_executions"),
                         ("GET", "/v1/data_factory/tasks/x/poll"), ("PATCH", "/v1/data_factory/task_executions/x"),
                         ("POST", "/v1/data_factory/files"), ("GET", "/_datafactory/executions")):
        for headers in ({}, {"X-Api-Key": "not-the-key"}):
            response = httpx.request(method, standin.url + path, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.json()["statusCode"] == 401


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with start_standin(data=tmp_path, per_minute=3) as standin:
        codes = [standin.call("GET", "/v1/data_factory/tasks").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = standin.call("GET", "/v1/data_factory/tasks")
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        standin.advance_clock(61)
        assert standin.call("GET", "/v1/data_factory/tasks").status_code == 200


def test_an_execution_goes_to_one_poll_within_the_concurrency_limit(standin: StandInHandle) -> None:
    task_id = declare(standin)
    seed_table(standin)
    first, second = start_job(standin, "amazon-publish"), start_job(standin, "amazon-publish")
    got = poll(standin, task_id)
    assert got is not None and got["status"] == "IN_PROGRESS"
    assert poll(standin, task_id) is None  # the other one waits: concurrentExecLimit 1
    done = standin.call("PATCH", f"/v1/data_factory/task_executions/{got['id']}",
                        json={"id": got["id"], "status": "FAILED", "output": {"message": "non"}})
    assert done.status_code == 200
    other = poll(standin, task_id)
    assert other is not None and other["id"] != got["id"]
    owners = {e["jobExecutionId"] for e in executions(standin) if e["status"] == "IN_PROGRESS"}
    assert len(owners) == 1 and owners <= {first, second}


def test_a_silent_worker_times_out_and_the_execution_is_retried(standin: StandInHandle) -> None:
    task_id = declare(standin)
    seed_table(standin)
    execution = start_job(standin, "amazon-publish")
    lost = poll(standin, task_id)
    standin.advance_clock(101)  # responseTimeoutSeconds passed without a report
    assert poll(standin, task_id) is None  # retried only after retryDelaySeconds
    standin.advance_clock(31)
    retry = poll(standin, task_id)
    assert retry is not None and retry["id"] != lost["id"] and retry["input"] == lost["input"]
    late = standin.call("PATCH", f"/v1/data_factory/task_executions/{lost['id']}",
                        json={"status": "COMPLETED", "output": {}})
    assert late.status_code == 409  # the lost execution's report is refused
    rows = {e["id"]: e for e in executions(standin)}
    assert rows[lost["id"]]["status"] == "TIMED_OUT" and rows[retry["id"]]["attempt"] == 2
    assert job(standin, execution)["status"] == "RUNNING"


def test_retries_run_out_then_the_job_fails_with_the_message(standin: StandInHandle) -> None:
    task_id = declare(standin)
    seed_table(standin)
    execution = start_job(standin, "amazon-publish")
    for _ in range(2):  # the first run and its one retry
        got = poll(standin, task_id)
        standin.call("PATCH", f"/v1/data_factory/task_executions/{got['id']}",
                     json={"status": "FAILED", "output": {"message": "Entrée « mode » : invalide"}})
        standin.advance_clock(31)
    ended = job(standin, execution)
    assert ended["status"] == "FAILED"
    assert ended["output"]["message"] == "Entrée « mode » : invalide"
    assert ended["output"]["failedTask"] == "publish"
    assert [t["status"] for t in ended["tasks"]] == ["COMPLETED", "FAILED", "PENDING"]


def test_in_progress_report_puts_the_execution_back_in_the_queue(standin: StandInHandle) -> None:
    """Conductor's behaviour, and why the worker never sends IN_PROGRESS heartbeats."""
    task_id = declare(standin)
    seed_table(standin)
    start_job(standin, "amazon-publish")
    got = poll(standin, task_id)
    standin.call("PATCH", f"/v1/data_factory/task_executions/{got['id']}", json={"status": "IN_PROGRESS"})
    assert poll(standin, task_id)["id"] == got["id"]


def test_job_inputs_are_checked_against_user_inputs(standin: StandInHandle) -> None:
    bad = standin.call("POST", "/v1/data_factory/job_executions", json={"jobId": "amazon-publish",
                                                                         "input": {"mode": "tout"}})
    assert bad.status_code == 400 and "mode" in bad.json()["message"]
    unknown = standin.call("POST", "/v1/data_factory/job_executions", json={"jobId": "nope", "input": {}})
    assert unknown.status_code == 404
    seed_table(standin)
    started = standin.call("POST", "/v1/data_factory/job_executions", json={"jobId": "amazon-publish"}).json()
    assert started["input"]["mode"] == "auto" and started["input"]["preview"] == "false"
    assert set(started["input"]["context"]) == {"jobAccountId", "jobId", "userAccountId", "userId"}


def _item(key: str, value: str, *inside: str, status: tuple[str, str] | None = None, **fields: str) -> str:
    formatting = f'<Conditional-Formatting key="{status[0]}">{status[1]}</Conditional-Formatting>' if status else ""
    values = "".join(f'<Field key="{k}">{v}</Field>' for k, v in fields.items())
    return f'<Item><Identifier key="{key}">{value}</Identifier>{formatting}{values}{"".join(inside)}</Item>'


def _model(sku: str, *colours: str, **fields: str) -> str:
    return _item("PARENT_SKU", sku, *colours, **fields).replace("<Item>", '<Item partition="ACTIVE">', 1)


def _colour(code: str, *articles: str) -> str:
    return _item("COLOR_CODE", code, *articles)


def _article(sku: str, status: str | None = None, **fields: str) -> str:
    return _item("SKU", sku, status=("AMAZON_READINESS", status) if status else None, **fields)


def _table(*items: str) -> bytes:
    return f'<Table key="AMAZON_FR"><Items>{"".join(items)}</Items></Table>'.encode()


def test_export_filters_on_the_readiness_status_and_import_updates_only() -> None:
    """Three levels (model ▸ colour ▸ article): the filter on the articles' readiness keeps the ready
    articles with their colour and model; the import finds a nested item inside its parent (one
    colour code in two models) and refuses a field of another level."""
    table = Table("AMAZON_FR")
    assert table.import_structure(etree.fromstring(TABLE.read_bytes()), "INCREMENTAL") == []
    assert table.replace_items(etree.fromstring(_table(
        _model("M1", _colour("NOIR", _article("A"), _article("B", "INVALID")), item_name="a"),
        _model("M2", _colour("NOIR", _article("C", "READY"))),
        _model("M3", _colour("BLEU", _article("D", "INVALID"))))), "t0") == 4
    request = etree.fromstring(b'<Items-Request><Filters><Filter-Conditional-Formatting key="AMAZON_READINESS">'
                               b'<Status>READY</Status></Filter-Conditional-Formatting></Filters></Items-Request>')
    exported = etree.fromstring(table.export(request, None, None))
    # A: no status of its own, the formatting's default (READY); M3 holds no ready article
    assert [i.findtext("Identifier") for i in exported.iter("Item")] == ["M1", "NOIR", "A", "M2", "NOIR", "C"]
    m1 = exported.find("Items/Item")
    assert {e.get("key") for e in m1.findall("Conditional-Formatting")} == {"AMAZON_READINESS_MODEL",
                                                                              "AMAZON_STATUS_MODEL"}
    assert m1.findtext("Field[@key='item_name']") == "a"
    unfiltered = etree.fromstring(table.export(None, None, None))
    assert len(unfiltered.findall("Items/Item")) == 3 and len(list(unfiltered.iter("Item"))) == 10

    report = table.import_items(etree.fromstring(_table(
        _model("M2", _colour("NOIR", _article("C", amazon_status="ACCEPTED", item_name="x"))),
        '<Item><Identifier key="PARENT_SKU">M1</Identifier><Field key="item_name" delete="true"/>'
        '<Field key="no_such_field">x</Field></Item>',
        _article("Z", amazon_status="ACCEPTED"))), "UPDATE_ONLY", "t1")
    assert (report.created, report.updated) == (0, 4)  # M2, its colour, C; M1
    messages = [m for _, _, m in report.errors]
    assert len(messages) == 3
    assert any("no_such_field" in m for m in messages) and any("UPDATE_ONLY" in m for m in messages)
    assert any("'item_name' belongs to the level 'MODEL', not 'ARTICLE'" in m for m in messages)
    after = etree.fromstring(table.items_xml())
    by_sku = {i.findtext("Identifier"): i for i in after.iter("Item")}
    assert by_sku["C"].findtext("Field[@key='amazon_status']") == "ACCEPTED"
    assert by_sku["C"].find("Field[@key='item_name']") is None  # refused: not the article's field
    assert by_sku["A"].find("Field[@key='amazon_status']") is None  # the other NOIR: untouched
    assert by_sku["M1"].find("Field[@key='item_name']") is None  # delete="true" cleared it
    assert "Z" not in by_sku and len(after.findall("Items/Item")) == 3


def test_import_schema_refuses_a_broken_structure(standin: StandInHandle) -> None:
    root = etree.fromstring(TABLE.read_bytes())
    root.find("Schema/Fields/Field").set("type", "BOOLEAN")
    problems = Table("AMAZON_FR").import_structure(root, "INCREMENTAL")
    assert any("BOOLEAN" in p for p in problems)


def test_the_project_jobs_load_and_broken_jobs_are_refused(tmp_path: Path) -> None:
    jobs = load_jobs(DEFAULT_JOBS)
    assert set(jobs) == {"amazon-structure", "amazon-publish", "amazon-follow-up"}
    with pytest.raises(JobDefinitionError, match="SUB_WORKFLOW"):
        check_job({"schema": "1.0", "key": "k", "title": "t", "tasks": [{"name": "n", "taskReferenceName": "r",
                                                                          "type": "SIMPLE"}]}, "x")
    with pytest.raises(JobDefinitionError, match="not unique"):
        task = {"name": "n", "taskReferenceName": "r", "type": "SUB_WORKFLOW"}
        check_job({"schema": "1.0", "key": "k", "title": "t", "tasks": [task, task]}, "x")
    folder = tmp_path / "evil"
    folder.mkdir()
    (folder / "job.json").write_text(json.dumps({"schema": "1.0", "key": "k", "title": "t", "tasks": [
        {"name": "table-import-items", "taskReferenceName": "r", "type": "SUB_WORKFLOW",
         "inputParameters": {"request": "file://assets/../../../etc/passwd"}}]}))
    evil = load_jobs(tmp_path)["k"]
    with pytest.raises(JobDefinitionError, match="no asset"):
        Job.asset(evil, "../../../etc/passwd")


def test_file_size_limit(tmp_path: Path) -> None:
    factory = DataFactory(tmp_path, {}, StandInClock(), max_file_bytes=10)
    assert factory.add_file("a.xml", b"0123456789").size == 10
    with pytest.raises(OverflowError):
        factory.add_file("b.xml", b"01234567890")
