"""An Urkund/Ouriginal-style similarity service stand-in: submit a document, poll for its report.

A document is checked once it is `check_ms` old (by the injectable `clock`), so the first polls
answer `pending`. The check is deterministic: the text's word 5-gram shingles are compared with
those of every other document submitted before the check time (the document's submission time
plus `check_ms`), and the similarity is the percent of its shingles found elsewhere. Two copies
submitted within that window therefore both score high, and distinct texts low. A report, once
made, is kept: later submissions do not change it. State lives in one SQLite file.

    python -m simulators.similarity --port 8740 --state FILE
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.systems import SIMILARITY
from simulators.faults import install_faults
from simulators.server import main
from simulators.statefile import StateFile

DOCUMENTS = "/api/v1/documents"
SHINGLE_WORDS = 5
CHECK_MS = 500.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    text_sha256 TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    similarity REAL
);
CREATE TABLE IF NOT EXISTS shingles (
    shingle TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id),
    PRIMARY KEY (shingle, document_id)
) WITHOUT ROWID;
"""
# Of one document's shingles, those some other document submitted by the check time also holds.
SHARED = """
SELECT COUNT(*) FROM shingles s WHERE s.document_id = :id AND EXISTS (
    SELECT 1 FROM shingles o JOIN documents d ON d.id = o.document_id
    WHERE o.shingle = s.shingle AND o.document_id != :id AND d.submitted_at <= :checked_at
)
"""


class NewDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=200, description="the caller's natural key")
    text: str = Field(min_length=1, max_length=2_000_000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text must hold some words, not only whitespace")
        return text


def shingles(text: str) -> set[str]:
    """The text's word 5-grams (case and punctuation ignored), hashed; a shorter text is one shingle."""
    words = re.findall(r"\w+", text.lower())
    grams = [words[i : i + SHINGLE_WORDS] for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
    return {hashlib.sha1(" ".join(g).encode()).hexdigest()[:20] for g in grams if g}


class Similarity:
    """The service's behaviour over its state; the routes below only translate HTTP."""

    def __init__(self, state: StateFile, check_seconds: float, clock: Callable[[], float]) -> None:
        self.state = state
        self.check_seconds = check_seconds
        self.clock = clock

    def submit(self, new: NewDocument, idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
        """Stores a new document, or answers the one already under its reference."""
        key = f"submit {idempotency_key}" if idempotency_key else None
        prior = self.state.recall(key)
        if prior is not None:
            return prior, False
        digest = hashlib.sha256(new.text.encode()).hexdigest()
        with self.state.transaction() as conn:
            row = conn.execute("SELECT * FROM documents WHERE reference = ?", (new.reference,)).fetchone()
            if row is not None:
                return self._existing(row, digest), False
            answer = {"id": str(uuid.uuid4()), "reference": new.reference, "status": "pending"}
            conn.execute(
                "INSERT INTO documents (id, reference, text_sha256, submitted_at) VALUES (?, ?, ?, ?)",
                (answer["id"], new.reference, digest, self.clock()),
            )
            conn.executemany(
                "INSERT INTO shingles (shingle, document_id) VALUES (?, ?)",
                [(s, answer["id"]) for s in sorted(shingles(new.text))],
            )
            self.state.remember(conn, key, answer)
        return answer, True

    def _existing(self, row: sqlite3.Row, digest: str) -> dict[str, Any]:
        if row["text_sha256"] != digest:
            raise HTTPException(
                409, f"reference {row['reference']!r} already holds another text (document {row['id']})"
            )
        status = "done" if row["similarity"] is not None else "pending"
        return {"id": row["id"], "reference": row["reference"], "status": status}

    def report(self, document_id: str) -> dict[str, Any]:
        """The report, made at the first poll after the check time and kept from then on."""
        with self.state.transaction() as conn:
            row = conn.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
            if row is None:
                raise HTTPException(404, f"document {document_id} not found")
            similarity = row["similarity"]
            checked_at = row["submitted_at"] + self.check_seconds
            if similarity is None and self.clock() >= checked_at:
                similarity = self._check(conn, document_id, checked_at)
        status = "pending" if similarity is None else "done"
        return {"id": document_id, "reference": row["reference"], "status": status, "similarity": similarity}

    def _check(self, conn: sqlite3.Connection, document_id: str, checked_at: float) -> float:
        params = {"id": document_id, "checked_at": checked_at}
        total = conn.execute("SELECT COUNT(*) FROM shingles WHERE document_id = ?", (document_id,)).fetchone()
        shared = conn.execute(SHARED, params).fetchone()
        similarity = round(100 * shared[0] / total[0], 1) if total[0] else 0.0
        conn.execute("UPDATE documents SET similarity = ? WHERE id = ?", (similarity, document_id))
        return similarity


def create_app(
    state_path: Path, *, check_ms: float = CHECK_MS, clock: Callable[[], float] = time.time
) -> FastAPI:
    """`clock` (epoch seconds) and `check_ms` decide when a report is done; tests move the clock."""
    service = Similarity(StateFile(state_path, SCHEMA), check_ms / 1000, clock)
    app = FastAPI(title="similarity service stand-in (Urkund/Ouriginal)")
    install_faults(app)

    @app.post(DOCUMENTS)
    def submit(new: NewDocument, request: Request) -> JSONResponse:
        body, created = service.submit(new, request.headers.get("Idempotency-Key"))
        return JSONResponse(body, status_code=201 if created else 200)

    @app.get(DOCUMENTS + "/{document_id}/report")
    def report(document_id: str) -> dict[str, Any]:
        return service.report(document_id)

    return app


if __name__ == "__main__":
    main(SIMILARITY, create_app)
