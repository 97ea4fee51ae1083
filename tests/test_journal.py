"""The publication journal: crash-safe state per SKU and payload hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from transpiler.productlive.acknowledgement import Acknowledgement, Status
from transpiler.publish.journal import DONE, SENDING, Journal, JournalError, payload_hash, target_name


def _journal(tmp_path: Path, target: str = "MODEL-A13V1IB3VIYZZH-x") -> Journal:
    return Journal(tmp_path / "journal.sqlite3", target)


def test_payload_hash_ignores_key_order_but_not_values() -> None:
    assert payload_hash({"a": 1, "b": [1, 2]}) == payload_hash({"b": [1, 2], "a": 1})
    assert payload_hash({"a": 1, "b": [1, 2]}) != payload_hash({"a": 1, "b": [2, 1]})


def test_target_names_differ_per_endpoint_and_vendor() -> None:
    a = target_name("https://sellingpartnerapi-eu.amazon.com", "MODEL", "A13V1IB3VIYZZH")
    assert a != target_name("http://127.0.0.1:1234", "MODEL", "A13V1IB3VIYZZH")
    assert a != target_name("https://sellingpartnerapi-eu.amazon.com", "OTHER", "A13V1IB3VIYZZH")
    assert "/" not in target_name("x", "a/b", "m")


def test_sending_then_answered(tmp_path: Path) -> None:
    with _journal(tmp_path) as journal:
        run = journal.begin_run("items.xml", {}, resume=False, force=False)
        journal.mark_sending(run, "SKU-1", "h1", "PUT")
        entry = journal.entry("SKU-1")
        assert entry.state == SENDING and not entry.answered("h1")
        ack = Acknowledgement(1, "SKU-1", Status.ACCEPTED, "HEADPHONES", "create", "PUT", "sub")
        journal.record(run, "SKU-1", "h1", ack, {"item_name": [{"value": "x"}]})
        entry = journal.entry("SKU-1")
        assert entry.state == DONE and entry.answered("h1") and not entry.answered("h2")
        assert entry.ack.submission_id == "sub" and entry.attributes == {"item_name": [{"value": "x"}]}
        # a later answer without attributes keeps the last accepted ones (feed PATCH diffs need them)
        journal.record(run, "SKU-1", "h1", ack.with_(status=Status.INVALID), None)
        assert journal.entry("SKU-1").attributes == {"item_name": [{"value": "x"}]}


def test_errors_are_not_answers(tmp_path: Path) -> None:
    with _journal(tmp_path) as journal:
        run = journal.begin_run("items.xml", {}, resume=False, force=False)
        journal.record(run, "SKU-1", "h1", Acknowledgement(1, "SKU-1", Status.ERROR, operation="PUT"))
        assert not journal.entry("SKU-1").answered("h1")


def test_interrupted_run_needs_resume_or_force(tmp_path: Path) -> None:
    with _journal(tmp_path) as journal:
        first = journal.begin_run("items.xml", {}, resume=False, force=False)
    with _journal(tmp_path) as journal:  # reopened, as after a kill
        with pytest.raises(JournalError) as caught:
            journal.begin_run("items.xml", {}, resume=False, force=False)
        assert "--resume" in str(caught.value)
        resumed = journal.begin_run("items.xml", {}, resume=True, force=False)
        assert resumed.id == first.id
        journal.finish_run(resumed)
        assert journal.unfinished_run() is None
        again = journal.begin_run("items.xml", {}, resume=False, force=False)
        forced = journal.begin_run("items.xml", {}, resume=False, force=True)
        assert forced.id != again.id and journal.unfinished_run().id == forced.id


def test_a_journal_belongs_to_one_target(tmp_path: Path) -> None:
    _journal(tmp_path, "one").close()
    with pytest.raises(JournalError):
        _journal(tmp_path, "two")
