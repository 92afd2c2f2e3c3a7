"""Durable state for the stand-ins: one SQLite file each, so a restart keeps what was written."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class StateFile:
    """A thread-safe SQLite connection with an idempotency table for replayed writes."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(
            schema
            + "\nCREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, response TEXT NOT NULL);"
        )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def recall(self, key: str | None) -> Any | None:
        """The answer already given to a write with this Idempotency-Key, if any."""
        if not key:
            return None
        rows = self.query("SELECT response FROM idempotency WHERE key = ?", (key,))
        return json.loads(rows[0]["response"]) if rows else None

    def remember(self, conn: sqlite3.Connection, key: str | None, response: Any) -> None:
        if key:
            conn.execute(
                "INSERT OR REPLACE INTO idempotency (key, response) VALUES (?, ?)",
                (key, json.dumps(response, default=str)),
            )
