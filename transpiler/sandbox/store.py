"""The sandbox's state in SQLite under --data: tokens, listings, feeds and documents.

State survives restarts (a listing PUT before a restart is still there after it). Tokens are
stored as SHA-256 digests only, so the data folder holds no usable credential.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL,
    selling_partner_id TEXT, vendor_code TEXT, scope TEXT, redirect_uri TEXT,
    expires_at REAL, used INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS listings (
    seller_id TEXT NOT NULL, sku TEXT NOT NULL, marketplace_id TEXT NOT NULL,
    product_type TEXT NOT NULL, requirements TEXT NOT NULL, attributes TEXT NOT NULL,
    asin TEXT, issues TEXT NOT NULL DEFAULT '[]', processed INTEGER NOT NULL DEFAULT 0,
    process_at REAL, created REAL NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (seller_id, sku)
);
CREATE INDEX IF NOT EXISTS listings_due ON listings (processed, process_at);
CREATE TABLE IF NOT EXISTS asins (ean TEXT PRIMARY KEY, asin TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, seller_id TEXT NOT NULL, content_type TEXT NOT NULL, data BLOB,
    created REAL NOT NULL, kind TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS destinations (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, seller_id TEXT NOT NULL, type TEXT NOT NULL,
    destination_id TEXT NOT NULL, payload_version TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notified (
    seller_id TEXT NOT NULL, sku TEXT NOT NULL, status TEXT NOT NULL, severities TEXT NOT NULL,
    PRIMARY KEY (seller_id, sku)
);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, arn TEXT NOT NULL, body TEXT NOT NULL,
    published REAL NOT NULL, delivered INTEGER NOT NULL, error TEXT
);
CREATE TABLE IF NOT EXISTS feeds (
    id TEXT PRIMARY KEY, seller_id TEXT NOT NULL, feed_type TEXT NOT NULL, marketplace_ids TEXT NOT NULL,
    input_document_id TEXT NOT NULL, status TEXT NOT NULL, created REAL NOT NULL,
    started REAL, ended REAL, result_document_id TEXT, next_at REAL
);
"""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Store:
    """One SQLite database; every call holds a lock so the server thread and callers can share it."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "sandbox.sqlite3"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- meta ---------------------------------------------------------------------------------
    def signing_key(self) -> bytes:
        """A random key made once per data folder (signs presigned URLs)."""
        with self._lock:
            row = self.one("SELECT value FROM meta WHERE key='signing_key'")
            if row:
                return bytes(row["value"])
            key = secrets.token_bytes(32)
            self.execute("INSERT INTO meta (key, value) VALUES ('signing_key', ?)", (key,))
            return key

    def next_number(self, name: str, start: int) -> int:
        """A counter that survives restarts (feed ids, new ASINs)."""
        with self._lock:
            row = self.one("SELECT value FROM meta WHERE key=?", (name,))
            value = int(row["value"]) + 1 if row else start
            self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (name, str(value)))
            return value

    # -- tokens -------------------------------------------------------------------------------
    def add_token(self, token: str, kind: str, **values: Any) -> None:
        columns = ["digest", "kind", *values]
        marks = ", ".join("?" for _ in columns)
        self.execute(
            f"INSERT OR REPLACE INTO tokens ({', '.join(columns)}) VALUES ({marks})",
            (digest(token), kind, *values.values()),
        )

    def token(self, token: str, kind: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM tokens WHERE digest=? AND kind=?", (digest(token), kind))

    def mark_token_used(self, token: str) -> bool:
        """Atomically mark a single-use token used; False when it already was."""
        with self._lock:
            cursor = self.execute("UPDATE tokens SET used=1 WHERE digest=? AND used=0", (digest(token),))
            return cursor.rowcount == 1

    def expire_access_tokens(self, now: float) -> int:
        cursor = self.execute("UPDATE tokens SET expires_at=? WHERE kind='access' AND expires_at>?", (now - 1, now))
        return cursor.rowcount

    # -- listings -----------------------------------------------------------------------------
    def listing(self, seller_id: str, sku: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM listings WHERE seller_id=? AND sku=?", (seller_id, sku))
        return _listing(row) if row else None

    def listings(self, seller_id: str | None = None) -> list[dict[str, Any]]:
        if seller_id is None:
            rows = self.all("SELECT * FROM listings ORDER BY seller_id, sku")
        else:
            rows = self.all("SELECT * FROM listings WHERE seller_id=? ORDER BY sku", (seller_id,))
        return [_listing(r) for r in rows]

    def listings_by_skus(self, seller_id: str, skus: list[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" for _ in skus)
        rows = self.all(f"SELECT * FROM listings WHERE seller_id=? AND sku IN ({marks}) ORDER BY sku",
                        (seller_id, *skus))
        return [_listing(r) for r in rows]

    def save_listing(self, listing: dict[str, Any]) -> None:
        self.execute(
            "INSERT OR REPLACE INTO listings (seller_id, sku, marketplace_id, product_type, requirements, attributes,"
            " asin, issues, processed, process_at, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                listing["seller_id"], listing["sku"], listing["marketplace_id"], listing["product_type"],
                listing["requirements"], json.dumps(listing["attributes"], ensure_ascii=False), listing.get("asin"),
                json.dumps(listing.get("issues", []), ensure_ascii=False), int(listing.get("processed", 0)),
                listing.get("process_at"), listing["created"], listing["updated"],
            ),
        )

    def delete_listing(self, seller_id: str, sku: str) -> bool:
        return self.execute("DELETE FROM listings WHERE seller_id=? AND sku=?", (seller_id, sku)).rowcount == 1

    def due_listings(self, now: float) -> list[dict[str, Any]]:
        rows = self.all("SELECT * FROM listings WHERE processed=0 AND process_at<=? ORDER BY process_at", (now,))
        return [_listing(r) for r in rows]

    def asin_for_ean(self, ean: str) -> str | None:
        row = self.one("SELECT asin FROM asins WHERE ean=?", (ean,))
        return row["asin"] if row else None

    def remember_asin(self, ean: str, asin: str) -> None:
        self.execute("INSERT OR IGNORE INTO asins (ean, asin) VALUES (?, ?)", (ean, asin))

    # -- documents and feeds ------------------------------------------------------------------
    def add_document(self, doc_id: str, seller_id: str, content_type: str, kind: str, now: float,
                     data: bytes | None = None) -> None:
        self.execute(
            "INSERT INTO documents (id, seller_id, content_type, data, created, kind) VALUES (?,?,?,?,?,?)",
            (doc_id, seller_id, content_type, data, now, kind),
        )

    def document(self, doc_id: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM documents WHERE id=?", (doc_id,))

    def upload(self, doc_id: str, data: bytes) -> None:
        self.execute("UPDATE documents SET data=? WHERE id=?", (data, doc_id))

    def add_feed(self, feed: dict[str, Any]) -> None:
        self.execute(
            "INSERT INTO feeds (id, seller_id, feed_type, marketplace_ids, input_document_id, status, created, next_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (feed["id"], feed["seller_id"], feed["feed_type"], json.dumps(feed["marketplace_ids"]),
             feed["input_document_id"], feed["status"], feed["created"], feed["next_at"]),
        )

    def feed(self, feed_id: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM feeds WHERE id=?", (feed_id,))
        return _feed(row) if row else None

    def feeds(self, seller_id: str) -> list[dict[str, Any]]:
        return [_feed(r) for r in self.all("SELECT * FROM feeds WHERE seller_id=? ORDER BY created DESC", (seller_id,))]

    def update_feed(self, feed_id: str, **values: Any) -> None:
        sets = ", ".join(f"{k}=?" for k in values)
        self.execute(f"UPDATE feeds SET {sets} WHERE id=?", (*values.values(), feed_id))

    def due_feeds(self, now: float) -> Iterator[dict[str, Any]]:
        rows = self.all(
            "SELECT * FROM feeds WHERE status IN ('IN_QUEUE','IN_PROGRESS') AND next_at<=? ORDER BY created", (now,)
        )
        return iter([_feed(r) for r in rows])

    def hurry(self, now: float) -> None:
        """Make every pending job due now (POST /_sandbox/process)."""
        self.execute("UPDATE listings SET process_at=? WHERE processed=0", (now,))
        self.execute("UPDATE feeds SET next_at=? WHERE status IN ('IN_QUEUE','IN_PROGRESS')", (now,))


def _listing(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["attributes"] = json.loads(out["attributes"])
    out["issues"] = json.loads(out["issues"])
    return out


def _feed(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["marketplace_ids"] = json.loads(out["marketplace_ids"])
    return out
