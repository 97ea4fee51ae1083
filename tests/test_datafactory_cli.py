"""`pl-amazon worker` and `pl-amazon datafactory serve` as processes: SIGTERM finishes the execution in
hand; a worker killed mid-publication leaves the execution to Data Factory's retry, and the restarted
worker sends no item twice; bad settings exit 2 with one line."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.datafactory_fixtures import executions, seed_table, start_job, statuses, table_fields, wait_job
from tests.test_publish_resume import many_items
from transpiler.datafactory.standin.runner import StandInHandle
from transpiler.sandbox.runner import SandboxHandle

#: the stand-in (and the sandbox) on real loopback ports
pytestmark = [pytest.mark.socket, pytest.mark.subprocess]

REPO = Path(__file__).resolve().parents[1]


def environment(sandbox: SandboxHandle, standin: StandInHandle, tmp: Path) -> dict[str, str]:
    reg = sandbox.registration
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PL_AMAZON_", "PL_PRODUCTLIVE_"))}
    env.update(PL_AMAZON_SPAPI_URL=sandbox.url, PL_AMAZON_LWA_URL=sandbox.lwa_url, PL_AMAZON_CLIENT_ID=reg.client_id,
               PL_AMAZON_CLIENT_SECRET=reg.client_secret, PL_AMAZON_REFRESH_TOKEN=reg.refresh_token,
               PL_AMAZON_SELLER_ID=reg.vendor_code, XDG_CONFIG_HOME=str(tmp / "config"),
               PL_PRODUCTLIVE_API_URL=standin.url, PL_PRODUCTLIVE_API_KEY=standin.api_key,
               PL_PRODUCTLIVE_REQUESTS_PER_MINUTE="6000")
    return env


def worker(env: dict[str, str], state: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "transpiler.cli", "worker", "--state", str(state),
                             "--idle-max", "0.2", "--follow-up", "0.3"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def done_entries(state: Path) -> set[str]:
    done: set[str] = set()
    for journal in (state / "journal").glob("*.sqlite3"):
        with sqlite3.connect(journal) as db, contextlib.suppress(sqlite3.OperationalError):  # not created yet
            done |= {sku for sku, s in db.execute("SELECT sku, state FROM entries") if s == "done"}
    return done


def wait_until(condition: object, process: subprocess.Popen[str] | None = None, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if process is not None:
            assert process.poll() is None, process.stderr.read() if process.stderr else "worker ended"
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def publish_executions(standin: StandInHandle, job_execution: str) -> list[dict]:
    return [e for e in executions(standin) if e["jobExecutionId"] == job_execution and e["taskKey"] == "amazon-publish"]


def test_sigterm_finishes_the_execution_in_hand_then_stops(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                           tmp_path: Path) -> None:
    skus = many_items(tmp_path / "items.xml")
    seed_table(standin, (tmp_path / "items.xml").read_bytes())
    served_sandbox.set_faults("latency=0.1,operations=putListingsItem")
    first = start_job(standin, "amazon-publish", {"via": "listings"})
    process = worker(environment(served_sandbox, standin, tmp_path), tmp_path / "state")
    try:
        wait_until(lambda: len(done_entries(tmp_path / "state")) >= 3, process)
        second = start_job(standin, "amazon-publish", {"via": "listings"})
        wait_until(lambda: publish_executions(standin, second))
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "finishing the executions in hand" in stderr
    assert wait_job(standin, first)["status"] == "COMPLETED"
    assert statuses(table_fields(standin)) == dict.fromkeys(skus, "ACCEPTED")
    assert [e["status"] for e in publish_executions(standin, second)] == ["SCHEDULED"]  # not taken after SIGTERM


def test_killed_worker_restarted_sends_no_item_twice(served_sandbox: SandboxHandle, standin: StandInHandle,
                                                     tmp_path: Path) -> None:
    skus = many_items(tmp_path / "items.xml")
    seed_table(standin, (tmp_path / "items.xml").read_bytes())
    served_sandbox.set_faults("latency=0.12,operations=putListingsItem")
    env = environment(served_sandbox, standin, tmp_path)
    state = tmp_path / "state"
    job = start_job(standin, "amazon-publish", {"via": "listings"})
    process = worker(env, state)
    try:
        wait_until(lambda: len(done_entries(state)) >= 8, process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    killed_at = served_sandbox.state.clock.now()
    done_before = done_entries(state)
    assert 8 <= len(done_before) < len(skus)
    served_sandbox.set_faults("")
    # Data Factory notices the silent worker after responseTimeoutSeconds, then retries after the delay
    standin.advance_clock(7201)
    standin.advance_clock(61)
    assert [e["status"] for e in publish_executions(standin, job)] == ["TIMED_OUT", "SCHEDULED"]
    restarted = worker(env, state)
    try:
        ended = wait_job(standin, job)
        restarted.send_signal(signal.SIGTERM)
        _, log = restarted.communicate(timeout=60)
    finally:
        if restarted.poll() is None:
            restarted.kill()
    assert ended["status"] == "COMPLETED", (ended["output"], log[-3000:])
    assert statuses(table_fields(standin)) == dict.fromkeys(skus, "ACCEPTED")
    listings = {row["sku"]: row for row in served_sandbox.state.store.listings("MODEL")}
    assert set(listings) == set(skus)
    for sku in done_before:  # accepted before the kill: never sent again
        assert listings[sku]["updated"] <= killed_at


def test_worker_without_key_or_with_a_refused_key_exits_2_with_one_line(served_sandbox: SandboxHandle,
                                                                        standin: StandInHandle,
                                                                        tmp_path: Path) -> None:
    env = environment(served_sandbox, standin, tmp_path)
    missing = {k: v for k, v in env.items() if k != "PL_PRODUCTLIVE_API_KEY"}
    command = [sys.executable, "-m", "transpiler.cli", "worker", "--state", str(tmp_path / "state")]
    result = subprocess.run(command, env=missing, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: PL_PRODUCTLIVE_API_KEY is not set")
    refused = subprocess.run(command, env={**env, "PL_PRODUCTLIVE_API_KEY": "not-the-key-0123"}, cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "401" in errors[0] and "not-the-key-0123" not in refused.stderr


def test_serve_answers_with_the_key_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PL_PRODUCTLIVE_")}
    env["PL_PRODUCTLIVE_API_KEY"] = "local-key-42"
    process = subprocess.Popen([sys.executable, "-m", "transpiler.cli", "datafactory", "serve", "--port", "0",
                                "--data", str(tmp_path)], env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        url = re.search(r"on (http://\S+)", line).group(1)
        wait_until(lambda: _up(url))
        assert httpx.get(url + "/v1/data_factory/jobs").status_code == 401
        jobs = httpx.get(url + "/v1/data_factory/jobs", headers={"X-Api-Key": "local-key-42"}).json()
        assert {j["id"] for j in jobs["data"]} == {"amazon-structure", "amazon-publish", "amazon-follow-up"}
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0


def _up(url: str) -> bool:
    try:
        return httpx.get(url + "/v1/data_factory/jobs").status_code == 401
    except httpx.TransportError:
        return False
