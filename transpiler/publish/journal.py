"""The publication journal: what was sent to which target, so runs resume and reruns send nothing.

One SQLite file per target (SP-API endpoint + vendor code + marketplace). Each SKU has one row,
keyed by SKU with the hash of the payload last sent. The row is written *before* the request
(`state = sending`) and again with Amazon's answer (`state = done`), each time committed, so a run
killed at any point leaves either a finished answer or a known "maybe sent" SKU: on `--resume` the
publisher asks Amazon about those (or polls their feed) instead of sending them again.

A rerun on unchanged data sends nothing: a SKU whose payload hash matches a submission Amazon has
already answered (ACCEPTED or INVALID) is acknowledged from the journal; `--force` resends.

A feed's SKUs are marked `sending` with the id of the feed document that carries them, their
message ids and the time, before createFeed is called, and get the feed id once Amazon gives it:
a run killed while createFeed was in flight leaves enough to find the feed Amazon may have created
from that document (`transpiler.publish.run`), instead of sending the same messages again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transpiler.errors import PlAmazonError
from transpiler.productlive.acknowledgement import Acknowledgement, Status

SENDING = "sending"
DONE = "done"

#: statuses of answered submissions: the same payload is not sent again without --force
ANSWERED = frozenset({Status.ACCEPTED, Status.INVALID})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, items_file TEXT NOT NULL, options TEXT NOT NULL,
    started TEXT NOT NULL, finished TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    sku TEXT PRIMARY KEY, payload_hash TEXT NOT NULL, state TEXT NOT NULL, run_id INTEGER NOT NULL,
    operation TEXT, feed_id TEXT, status TEXT, ack TEXT, attributes TEXT, updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outcomes (
    sku TEXT PRIMARY KEY, payload_hash TEXT NOT NULL, final INTEGER NOT NULL, checked TEXT NOT NULL
);
"""


class JournalError(PlAmazonError):
    """The journal cannot be used for this run (interrupted run without --resume, other target)."""


def payload_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of what would be sent (order of keys does not matter)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def target_name(spapi_url: str, seller_id: str, marketplace_id: str) -> str:
    """A file-name-safe name for a target: vendor code, marketplace and a digest of the endpoint."""
    digest = hashlib.sha256(spapi_url.rstrip("/").encode()).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in seller_id or "none")
    return f"{safe}-{marketplace_id}-{digest}"


@dataclass(frozen=True)
class Entry:
    sku: str
    payload_hash: str
    state: str
    run_id: int
    operation: str | None
    feed_id: str | None
    status: Status | None
    ack: Acknowledgement | None
    attributes: dict[str, Any] | None  # what Amazon last accepted for this SKU (for feed PATCH diffs)
    #: for a SKU sent in a feed: the feed document carrying it, its message id there, and when
    #: createFeed was requested (seconds since the epoch)
    feed_document: str | None = None
    message_id: int | None = None
    requested: float | None = None

    def answered(self, digest: str) -> bool:
        """True when Amazon already answered this exact payload."""
        return self.state == DONE and self.payload_hash == digest and self.status in ANSWERED


@dataclass(frozen=True)
class Run:
    id: int
    items_file: str
    options: dict[str, Any]
    started: str
    finished: str | None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Journal:
    """The journal of one target. Every write is its own committed transaction (crash safety)."""

    def __init__(self, path: Path, target: str):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # survives a killed process; fsync per checkpoint
            self._db.executescript(_SCHEMA)
            _add_columns(self._db)
            row = self._db.execute("SELECT value FROM meta WHERE key='target'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta (key, value) VALUES ('target', ?)", (target,))
            elif row["value"] != target:
                raise JournalError(f"{path} is the journal of {row['value']}, not of {target}: use another --journal")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(f"{path} cannot be used as a journal: {exc}") from exc
        except BaseException:
            self._db.close()
            raise
        self.target = target

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------------------
    def unfinished_run(self) -> Run | None:
        row = self._db.execute("SELECT * FROM runs WHERE finished IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        return _run(row) if row else None

    def begin_run(self, items_file: str, options: Mapping[str, Any], *, resume: bool, force: bool) -> Run:
        """Start (or, with `resume`, continue) a run. Raises JournalError when an interrupted run
        exists and neither `resume` nor `force` says what to do with it."""
        previous = self.unfinished_run()
        if previous is not None:
            if resume:
                return previous
            if not force:
                raise JournalError(
                    f"the previous run on {previous.items_file} (started {previous.started}) was interrupted: "
                    "rerun with --resume to finish it, or --force to start over"
                )
            self._db.execute("UPDATE runs SET finished=? WHERE id=?", (_now(), previous.id))
        cursor = self._db.execute(
            "INSERT INTO runs (items_file, options, started) VALUES (?, ?, ?)",
            (items_file, json.dumps(dict(options), sort_keys=True), _now()),
        )
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (cursor.lastrowid,)).fetchone()
        return _run(row)

    def finish_run(self, run: Run) -> None:
        self._db.execute("UPDATE runs SET finished=? WHERE id=?", (_now(), run.id))

    # -- entries ------------------------------------------------------------------------------
    def entry(self, sku: str) -> Entry | None:
        row = self._db.execute("SELECT * FROM entries WHERE sku=?", (sku,)).fetchone()
        return _entry(row) if row else None

    def mark_sending(self, run: Run, sku: str, digest: str, operation: str, feed_id: str | None = None) -> None:
        """Record that `sku` is about to be sent (committed before the request leaves)."""
        self.mark_sending_many(run, [(sku, digest)], operation, feed_id)

    def mark_sending_many(
        self, run: Run, items: Iterable[tuple[str, str]], operation: str, feed_id: str | None = None
    ) -> None:
        """Several SKUs in one transaction (a feed). Keeps the last accepted attributes of each SKU."""
        now = _now()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO entries (sku, payload_hash, state, run_id, operation, feed_id, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(sku) DO UPDATE SET payload_hash=excluded.payload_hash, state=excluded.state,"
                " run_id=excluded.run_id, operation=excluded.operation, feed_id=excluded.feed_id,"
                " feed_document=NULL, message_id=NULL, requested=NULL, updated=excluded.updated",
                [(sku, digest, SENDING, run.id, operation, feed_id, now) for sku, digest in items],
            )

    def mark_feed_sending(self, run: Run, document_id: str, requested: float,
                          items: Iterable[tuple[str, str, int]]) -> None:
        """Record that these (SKU, payload hash, message id) are about to leave in the feed made of
        document `document_id` (committed before createFeed is called, at `requested`)."""
        now = _now()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO entries (sku, payload_hash, state, run_id, operation, feed_id, feed_document, message_id,"
                " requested, updated) VALUES (?, ?, ?, ?, 'FEED', NULL, ?, ?, ?, ?)"
                " ON CONFLICT(sku) DO UPDATE SET payload_hash=excluded.payload_hash, state=excluded.state,"
                " run_id=excluded.run_id, operation=excluded.operation, feed_id=NULL,"
                " feed_document=excluded.feed_document, message_id=excluded.message_id,"
                " requested=excluded.requested, updated=excluded.updated",
                [(sku, digest, SENDING, run.id, document_id, message_id, requested, now)
                 for sku, digest, message_id in items],
            )

    def known_feeds(self) -> set[str]:
        """Every feed id the journal attributes to some SKU (feeds this target already knows)."""
        return {row[0] for row in self._db.execute("SELECT DISTINCT feed_id FROM entries WHERE feed_id IS NOT NULL")}

    def set_feed(self, skus: Iterable[str], feed_id: str) -> None:
        """Remember the feed that carries these SKUs (so a resumed run polls it instead of resending)."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("UPDATE entries SET feed_id=? WHERE sku=?", [(feed_id, s) for s in skus])

    def record(self, run: Run, sku: str, digest: str, ack: Acknowledgement,
               attributes: Mapping[str, Any] | None = None) -> None:
        """Amazon's answer for `sku`. `attributes` (what was accepted) is kept for later diffs."""
        self.record_many(run, [(sku, digest, ack, attributes)])

    def record_many(
        self, run: Run, answers: Iterable[tuple[str, str, Acknowledgement, Mapping[str, Any] | None]]
    ) -> None:
        now = _now()
        rows = []
        for sku, digest, ack, attributes in answers:
            kept = json.dumps(attributes, ensure_ascii=False, sort_keys=True) if attributes is not None else None
            rows.append((sku, digest, DONE, run.id, ack.operation, ack.status.value,
                         json.dumps(ack.as_json(), ensure_ascii=False), kept, now))
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO entries (sku, payload_hash, state, run_id, operation, status, ack, attributes, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(sku) DO UPDATE SET payload_hash=excluded.payload_hash, state=excluded.state,"
                " run_id=excluded.run_id, operation=excluded.operation, status=excluded.status, ack=excluded.ack,"
                " attributes=COALESCE(excluded.attributes, entries.attributes), updated=excluded.updated",
                rows,
            )

    def entries(self) -> list[Entry]:
        return [_entry(r) for r in self._db.execute("SELECT * FROM entries ORDER BY sku")]

    # -- outcomes: following accepted listings (reconcile) --------------------------------------
    def followed(self, skus: Iterable[str] | None = None) -> list[Entry]:
        """SKUs submitted or accepted without a final outcome for their current payload.

        With `skus`, those SKUs whatever their outcome (known to the journal only).
        """
        if skus is not None:
            wanted = list(dict.fromkeys(skus))
            rows = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" for _ in chunk)
                rows += self._db.execute(f"SELECT * FROM entries WHERE sku IN ({marks})", chunk).fetchall()
            return sorted((_entry(r) for r in rows), key=lambda e: e.sku)
        rows = self._db.execute(
            "SELECT e.* FROM entries e LEFT JOIN outcomes o ON o.sku = e.sku AND o.payload_hash = e.payload_hash"
            " WHERE (e.state = ? OR (e.state = ? AND e.status = ?)) AND COALESCE(o.final, 0) = 0 ORDER BY e.sku",
            (SENDING, DONE, Status.ACCEPTED.value)).fetchall()
        return [_entry(r) for r in rows]

    def settle(self, sku: str, digest: str, ack: Acknowledgement, *, final: bool, update_ack: bool = True) -> None:
        """What a later read of Amazon found for the submission of `digest` (ignored when the SKU
        was submitted again meanwhile): the updated acknowledgement and whether it is final."""
        with self._db:
            self._db.execute("BEGIN")
            if update_ack:
                self._db.execute(
                    "UPDATE entries SET ack=?, status=?, updated=? WHERE sku=? AND payload_hash=? AND state=?",
                    (json.dumps(ack.with_(unchanged=False).as_json(), ensure_ascii=False), ack.status.value, _now(),
                     sku, digest, DONE))
            self._db.execute(
                "INSERT INTO outcomes (sku, payload_hash, final, checked) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(sku) DO UPDATE SET payload_hash=excluded.payload_hash, final=excluded.final,"
                " checked=excluded.checked", (sku, digest, int(final), _now()))


def _run(row: sqlite3.Row) -> Run:
    return Run(row["id"], row["items_file"], json.loads(row["options"]), row["started"], row["finished"])


def _entry(row: sqlite3.Row) -> Entry:
    ack = Acknowledgement.from_json(json.loads(row["ack"])) if row["ack"] else None
    return Entry(
        sku=row["sku"],
        payload_hash=row["payload_hash"],
        state=row["state"],
        run_id=row["run_id"],
        operation=row["operation"],
        feed_id=row["feed_id"],
        status=Status(row["status"]) if row["status"] else None,
        ack=ack,
        attributes=json.loads(row["attributes"]) if row["attributes"] else None,
        feed_document=row["feed_document"],
        message_id=row["message_id"],
        requested=row["requested"],
    )


#: columns added since the first journals: added to an older journal when it is opened
_LATER_COLUMNS = {"feed_document": "TEXT", "message_id": "INTEGER", "requested": "REAL"}


def _add_columns(db: sqlite3.Connection) -> None:
    present = {row[1] for row in db.execute("PRAGMA table_info(entries)")}
    for name, kind in _LATER_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE entries ADD COLUMN {name} {kind}")


def default_journal_path(state_dir: Path, target: str) -> Path:
    return state_dir / "journal" / f"{target}.sqlite3"
