"""Fixtures for the Data Factory tests: the stand-in on loopback, a worker context, workers in threads.

`standin`: a fresh stand-in per test (rate limit off unless a test sets it; the project's jobs).
`run_workers(...)`: worker threads polling until the returned handle is stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.sandbox_fixtures import settings_for
from transpiler.config import Secret
from transpiler.datafactory.api import DataFactoryClient
from transpiler.datafactory.context import PublishDefaults, WorkerContext
from transpiler.datafactory.settings import ProductLiveSettings
from transpiler.datafactory.standin.runner import StandInHandle, start_standin
from transpiler.datafactory.worker import PollSchedule, WorkerPool, WorkerStats, default_runners
from transpiler.mapping import publication
from transpiler.sandbox.runner import SandboxHandle
from transpiler.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "generated" / "productlive" / "AMAZON_FR.xml"
EXAMPLE = REPO / "examples" / "items.xml"
ASSETS = REPO / "assets" / "amazon"
GENERATED = REPO / "generated"


@pytest.fixture
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandInHandle]:
    handle = start_standin(data=tmp_path_factory.mktemp("standin"), per_minute=0, pipelines=4)
    try:
        yield handle
    finally:
        handle.stop()


def productlive_settings(standin: StandInHandle, per_minute: int = 10_000) -> ProductLiveSettings:
    return ProductLiveSettings(standin.url, Secret(standin.api_key), per_minute)


def worker_context(sandbox: SandboxHandle, standin: StandInHandle, state: Path, **overrides: Any) -> WorkerContext:
    """A worker context acting for the sandbox's vendor (a served sandbox: the worker uses real HTTP).

    Task runs live on the sandbox's time (`clock=sandbox.now, sleep=sandbox.sleep`): the client's
    pauses at Amazon's rates and the publisher's follow-up waits advance the sandbox clock instead
    of waiting, so a publication of the 40 sample items takes no 8 s of pacing. Pass `clock=None,
    sleep=None` for a test about the wall clock itself."""
    values: dict[str, Any] = {"publish": PublishDefaults(follow_up_delay=0.3, follow_up_timeout=10),
                              "clock": sandbox.now, "sleep": sandbox.sleep}
    values.update(overrides)
    workspace = Workspace(settings_for(sandbox), values.pop("assets_root", ASSETS),
                          values.pop("generated_root", GENERATED))
    return WorkerContext(workspace, productlive_settings(standin), state, **values)


@dataclass
class RunningWorkers:
    pool: WorkerPool
    thread: threading.Thread
    results: list[list[WorkerStats]]

    def stop(self) -> list[WorkerStats]:
        self.pool.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the workers did not stop"
        return self.results[0] if self.results else []


def run_workers(context: WorkerContext, *, threads: int = 1, runners: dict[str, Callable[..., Any]] | None = None,
                client: DataFactoryClient | None = None) -> RunningWorkers:
    """Start a pool of worker threads (fast polling) and wait until its tasks are declared."""
    pool = WorkerPool(client or DataFactoryClient(context.productlive), context, runners or default_runners(),
                      threads=threads, schedule=lambda: PollSchedule(busy=0.02, idle_max=0.1))
    results: list[list[WorkerStats]] = []
    thread = threading.Thread(target=lambda: results.append(pool.run()), name="worker-pool", daemon=True)
    thread.start()
    return RunningWorkers(pool, thread, results)


def wait_job(standin: StandInHandle, execution_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """The job execution once it has ended (a safety deadline, not a speed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        body = standin.call("GET", f"/v1/data_factory/job_executions/{execution_id}").json()
        if body["status"] not in ("PENDING", "RUNNING"):
            return body
        assert time.monotonic() < deadline, f"job execution still {body['status']}: {body['tasks']}"
        time.sleep(0.05)


def start_job(standin: StandInHandle, job_id: str, job_input: dict[str, Any] | None = None) -> str:
    response = standin.call("POST", "/v1/data_factory/job_executions", json={"jobId": job_id,
                                                                              "input": job_input or {}})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def executions(standin: StandInHandle) -> list[dict[str, Any]]:
    return standin.call("GET", "/_datafactory/executions").json()["executions"]


def table_fields(standin: StandInHandle, table: str = "AMAZON_FR") -> dict[str, dict[str, list[str]]]:
    """Field values per SKU (an article's SKU, a model's PARENT_SKU) as the stand-in's table holds
    them, at every level of the items."""
    root = etree.fromstring(standin.table_items(table))
    out: dict[str, dict[str, list[str]]] = {}
    for item in root.iter("Item"):
        sku = item.findtext("Identifier[@key='SKU']") or item.findtext("Identifier[@key='PARENT_SKU']")
        if sku is None:
            continue
        fields: dict[str, list[str]] = {}
        for field in item.iterfind("Field"):
            fields.setdefault(field.get("key"), []).append(field.text or "")
        out[sku] = fields
    return out


def statuses(fields: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """The publication status per SKU of `table_fields`: an article's, a family model's (parent)."""
    out = {}
    for sku, values in fields.items():
        status = values.get(publication.STATUS) or values.get(publication.parent_key(publication.STATUS))
        if status:
            out[sku] = status[0]
    return out


def seed_table(standin: StandInHandle, items: bytes | None = None) -> int:
    standin.seed_structure(TABLE.read_bytes())
    return standin.seed_items("AMAZON_FR", items if items is not None else EXAMPLE.read_bytes())
