"""kill -9 in the middle of `pl-amazon publish`, then `--resume`: nothing accepted is sent twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.inputs import write_items
from transpiler.sandbox.runner import SandboxHandle

REPO = Path(__file__).resolve().parents[1]
COUNT = 40


def many_items(path: Path) -> list[str]:
    """COUNT new products cloned from a valid sample product, each with its own model, SKU and EAN."""
    return list(write_items(path, COUNT, prefix="MDL-RESUME").skus)


def command(items: Path, tmp: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "transpiler.cli", "publish", str(items), "--via", "listings", "--out",
            str(tmp / "out"), "--journal", str(tmp / "journal.sqlite3"), "--follow-up", "0.3", *extra]


def environment(handle: SandboxHandle, tmp: Path) -> dict[str, str]:
    reg = handle.registration
    env = {k: v for k, v in os.environ.items() if not k.startswith("PL_AMAZON_")}
    env.update(PL_AMAZON_SPAPI_URL=handle.url, PL_AMAZON_LWA_URL=handle.lwa_url, PL_AMAZON_CLIENT_ID=reg.client_id,
               PL_AMAZON_CLIENT_SECRET=reg.client_secret, PL_AMAZON_REFRESH_TOKEN=reg.refresh_token,
               PL_AMAZON_SELLER_ID=reg.vendor_code, XDG_CONFIG_HOME=str(tmp / "config"))
    return env


def done_entries(journal: Path) -> dict[str, str]:
    if not journal.exists():
        return {}
    with sqlite3.connect(journal) as db:
        try:
            return dict(db.execute("SELECT sku, state FROM entries").fetchall())
        except sqlite3.OperationalError:
            return {}


@pytest.mark.subprocess
def test_kill_then_resume(served_sandbox: SandboxHandle, tmp_path: Path) -> None:
    """A real process killed for real: the sandbox is on a socket and runs on the wall clock."""
    sandbox = served_sandbox
    items = tmp_path / "items.xml"
    skus = many_items(items)
    sandbox.set_faults("latency=0.12,operations=putListingsItem")
    env = environment(sandbox, tmp_path)
    process = subprocess.Popen(command(items, tmp_path), env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while sum(1 for s in done_entries(tmp_path / "journal.sqlite3").values() if s == "done") < 8:
        assert process.poll() is None, "publish ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = sandbox.state.clock.now()
    before = done_entries(tmp_path / "journal.sqlite3")
    done_before = {sku for sku, state in before.items() if state == "done"}
    assert 8 <= len(done_before) < COUNT
    assert not (tmp_path / "out" / "report.json").exists()  # the killed run wrote no partial report

    sandbox.set_faults("")
    refused = subprocess.run(command(items, tmp_path), env=env, cwd=REPO, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = subprocess.run(command(items, tmp_path, "--resume", "--json"), env=env, cwd=REPO,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    statuses = {i["sku"]: i["status"] for i in report["items"]}
    assert set(statuses) == set(skus) and set(statuses.values()) == {"ACCEPTED"}
    assert all(i["asin"] for i in report["items"])  # the follow-up read the killed run missed is done
    listings = {row["sku"]: row for row in sandbox.state.store.listings("MODEL")}
    assert set(listings) == set(skus)
    for sku in done_before:  # accepted before the kill: not sent again
        assert listings[sku]["updated"] <= killed_at
    unchanged = {i["sku"] for i in report["items"] if i["unchanged"]}
    assert done_before <= unchanged
