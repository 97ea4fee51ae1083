"""Feed mode, exactly once: whatever stops a run around createFeed, no SKU reaches Amazon twice.

The danger is the moment createFeed is in flight: Amazon may make the feed while the caller never
learns its id (killed, or the answer lost). The journal keeps the feed document, the message ids
and the time before the call; the next run finds the feed Amazon made (or makes sure there is none)
before sending anything again. Checked on what Amazon received: every SKU in exactly one feed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox_fixtures import client_for
from tests.test_publish_resume import REPO, command, environment, many_items
from tests.test_publish_sandbox import report
from transpiler.sandbox.runner import SandboxHandle
from transpiler.spapi import RetryPolicy

VENDOR = "MODEL"


def sent_messages(handle: SandboxHandle) -> Counter[str]:
    """How many feeds Amazon made carried each SKU (read from the feeds' own input documents)."""
    counts: Counter[str] = Counter()
    for feed in handle.state.store.feeds(VENDOR):
        document = handle.state.store.document(feed["input_document_id"])
        counts.update(m["sku"] for m in json.loads(bytes(document["data"]))["messages"])
    return counts


def journal_rows(journal: Path) -> list[dict[str, Any]]:
    if not journal.exists():
        return []
    try:
        with sqlite3.connect(journal) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM entries")]
    except sqlite3.OperationalError:  # being created by the run
        return []


# -- in process: the answer to createFeed lost, or the call cut before Amazon acted -------------------

def test_lost_createfeed_answer_finds_the_feed_amazon_made(publish_run: Any, sandbox: SandboxHandle,
                                                          tmp_path: Path) -> None:
    items = tmp_path / "items.xml"
    skus = many_items(items)
    sandbox.set_faults("lost=1,operations=createFeed")  # Amazon makes the feed, the answer never comes
    result = publish_run(sandbox, tmp_path, items=items, via="feed")
    answers = report(result)
    assert {sku: a["status"] for sku, a in answers.items()} == dict.fromkeys(skus, "ACCEPTED")
    [feed] = sandbox.state.store.feeds(VENDOR)
    assert result.summary["feeds"] == [feed["id"]]
    assert all(a["submissionId"] == feed["id"] for a in answers.values())
    assert sent_messages(sandbox) == Counter(dict.fromkeys(skus, 1))
    # a rerun sends nothing: the journal knows the feed's answers
    sandbox.set_faults("")
    again = publish_run(sandbox, tmp_path, items=items, via="feed")
    assert again.summary["unchanged"] == len(skus) and len(sandbox.state.store.feeds(VENDOR)) == 1


def test_cut_createfeed_call_sends_again_once(publish_run: Any, sandbox: SandboxHandle, tmp_path: Path) -> None:
    items = tmp_path / "items.xml"
    skus = many_items(items)
    sandbox.set_faults("drop=1,operations=createFeed")  # cut before Amazon acts: no feed
    first = publish_run(sandbox, tmp_path, items=items, via="feed")
    assert {a["status"] for a in report(first).values()} == {"ERROR"}
    assert sandbox.state.store.feeds(VENDOR) == []
    sandbox.set_faults("")
    second = publish_run(sandbox, tmp_path, items=items, via="feed")
    assert {sku: a["status"] for sku, a in report(second).items()} == dict.fromkeys(skus, "ACCEPTED")
    assert sent_messages(sandbox) == Counter(dict.fromkeys(skus, 1))


class _NoFeedList(httpx.BaseTransport):
    """The sandbox, except that getFeeds cannot be reached."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/feeds/2021-06-30/feeds":
            raise httpx.ConnectError("unreachable", request=request)
        return self.inner.handle_request(request)


def test_amazon_unreachable_while_looking_leaves_the_skus_to_ask_again(publish_run: Any, sandbox: SandboxHandle,
                                                                       tmp_path: Path) -> None:
    """The feed cannot be looked for: nothing is resent, and the next run looks again."""
    items = tmp_path / "items.xml"
    skus = many_items(items)
    sandbox.set_faults("lost=1,operations=createFeed")
    client = client_for(sandbox, http=httpx.Client(transport=_NoFeedList(sandbox.transport())),
                        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02))
    result = publish_run(sandbox, tmp_path, items=items, via="feed", client=client)
    assert {a["status"] for a in report(result).values()} == {"ERROR"}
    assert {r["state"] for r in journal_rows(tmp_path / "journal.sqlite3")} == {"sending"}
    assert len(sandbox.state.store.feeds(VENDOR)) == 1  # Amazon has it: it must not be sent again
    sandbox.set_faults("")
    after = publish_run(sandbox, tmp_path, items=items, via="feed")
    assert {sku: a["status"] for sku, a in report(after).items()} == dict.fromkeys(skus, "ACCEPTED")
    assert sent_messages(sandbox) == Counter(dict.fromkeys(skus, 1))
    assert len(sandbox.state.store.feeds(VENDOR)) == 1


# -- a real process killed before, during and after createFeed -------------------------------------

STAGES = {
    # stage: faults while the first run goes; it is killed once createFeed is in Amazon's hands
    # (before, during), or once the journal holds the feed id (after)
    "before": "latency=4,drop=1,operations=createFeed",  # Amazon drops the call: no feed
    "during": "latency=4,operations=createFeed",  # Amazon makes the feed after the caller is gone
    "after": "latency=4,operations=getFeed",  # the feed id is journaled, processing goes on
}


@pytest.mark.subprocess
@pytest.mark.parametrize("stage", sorted(STAGES))
def test_feed_run_killed_then_resumed_sends_each_sku_once(served_sandbox: SandboxHandle, tmp_path: Path,
                                                          stage: str) -> None:
    sandbox = served_sandbox
    items = tmp_path / "items.xml"
    skus = many_items(items)
    sandbox.set_faults(STAGES[stage])
    env = environment(sandbox, tmp_path)
    feed_command = [part if part != "listings" else "feed" for part in command(items, tmp_path)]
    process = subprocess.Popen(feed_command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    journal = tmp_path / "journal.sqlite3"
    deadline = time.monotonic() + 60

    def reached() -> bool:
        rows = journal_rows(journal)
        column = "feed_id" if stage == "after" else "feed_document"
        marked = len(rows) == len(skus) and all(r["state"] == "sending" and r[column] for r in rows)
        return marked and (stage == "after" or sandbox.state.received["createFeed"] == 1)

    while not reached():
        assert process.poll() is None, "publish ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    if stage == "during":  # Amazon goes on with the call the killed process made
        deadline = time.monotonic() + 30
        while not sandbox.state.store.feeds(VENDOR):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    made = {"before": 0, "during": 1, "after": 1}[stage]
    assert len(sandbox.state.store.feeds(VENDOR)) == made

    sandbox.set_faults("")
    resumed = subprocess.run([*feed_command, "--resume", "--json"], env=env, cwd=REPO, capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    answers = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["items"]
    assert {a["sku"]: a["status"] for a in answers} == dict.fromkeys(skus, "ACCEPTED")
    assert sent_messages(sandbox) == Counter(dict.fromkeys(skus, 1))  # every SKU reached Amazon once
    assert len(sandbox.state.store.feeds(VENDOR)) == 1
    assert {r["state"] for r in journal_rows(journal)} == {"done"}
