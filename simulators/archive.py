"""A Noark 5-style records archive stand-in: case files (saksmappe) holding documents with checksums.

Files live under the state folder (`files/<case>/<document>`), metadata in `archive.db`. As in the
Noark 5 service interface, the server computes each file's SHA-256 and size, refuses an upload
whose declared checksum differs, and never overwrites a file: the same filename with the same
bytes answers the existing document, with other bytes 409. The hierarchy is collapsed to case
file -> document (journalpost and dokumentbeskrivelse are implied). Titles and filenames travel
in the `X-Tittel` and `X-Filnavn` headers percent-encoded (UTF-8), since HTTP headers are ASCII.

    python -m simulators.archive --port 8730 --state DIR
"""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from simulators.faults import install_faults
from simulators.server import main
from simulators.statefile import StateFile

MEDIA_TYPE = "application/vnd.noark5+json"
CASES = "/api/arkivstruktur/saksmappe"
REL = "https://rel.arkivverket.no/noark5/v5/api/arkivstruktur/"

SCHEMA = """
CREATE TABLE IF NOT EXISTS saksmappe (
    system_id TEXT PRIMARY KEY,
    referanse TEXT NOT NULL UNIQUE,
    tittel TEXT NOT NULL,
    opprettet TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dokument (
    system_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES saksmappe(system_id),
    tittel TEXT NOT NULL,
    filnavn TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    filstoerrelse INTEGER NOT NULL,
    sjekksum TEXT NOT NULL,
    opprettet TEXT NOT NULL,
    UNIQUE (case_id, filnavn)
);
"""
INSERT_DOCUMENT = (
    "INSERT INTO dokument (system_id, case_id, tittel, filnavn, mime_type, filstoerrelse, sjekksum,"
    " opprettet) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class NewCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tittel: str = Field(min_length=1, max_length=500)
    referanse: str = Field(min_length=1, max_length=200, description="the caller's natural key")


class Upload(BaseModel):
    """An upload's headers, checked before any byte is stored."""

    tittel: str
    filnavn: str
    mime_type: str
    sjekksum: str


def noark(body: Any, status: int = 200, location: str | None = None) -> JSONResponse:
    headers = {"Location": location} if location else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _case_json(row: Any) -> dict[str, Any]:
    href = f"{CASES}/{row['system_id']}"
    return {
        "systemID": row["system_id"],
        "tittel": row["tittel"],
        "referanse": row["referanse"],
        "opprettetDato": row["opprettet"],
        "_links": {"self": {"href": href}, f"{REL}dokument/": {"href": f"{href}/dokument"}},
    }


def _document_json(row: Any) -> dict[str, Any]:
    href = f"{CASES}/{row['case_id']}/dokument/{row['system_id']}"
    return {
        "systemID": row["system_id"],
        "tittel": row["tittel"],
        "filnavn": row["filnavn"],
        "mimeType": row["mime_type"],
        "filstoerrelse": row["filstoerrelse"],
        "sjekksum": row["sjekksum"],
        "sjekksumAlgoritme": "SHA-256",
        "opprettetDato": row["opprettet"],
        "_links": {"self": {"href": href}, f"{REL}fil/": {"href": f"{href}/fil"}},
    }


def _upload_headers(request: Request) -> Upload:
    names = {
        "tittel": "X-Tittel",
        "filnavn": "X-Filnavn",
        "mime_type": "Content-Type",
        "sjekksum": "X-Sjekksum",
    }
    values = {field: request.headers.get(header, "").strip() for field, header in names.items()}
    missing = [names[f] for f, v in values.items() if not v]
    if missing:
        raise HTTPException(400, f"missing header(s) {', '.join(missing)}")
    upload = Upload(
        tittel=unquote(values["tittel"]),
        filnavn=unquote(values["filnavn"]),
        mime_type=values["mime_type"],
        sjekksum=values["sjekksum"].lower(),
    )
    if (
        any(c in upload.filnavn for c in "/\\\0")
        or upload.filnavn in {".", ".."}
        or len(upload.filnavn) > 255
    ):
        raise HTTPException(
            400, f"X-Filnavn {upload.filnavn!r} must be a plain file name of at most 255 chars"
        )
    if len(upload.sjekksum) != 64 or any(c not in "0123456789abcdef" for c in upload.sjekksum):
        raise HTTPException(400, f"X-Sjekksum {upload.sjekksum!r} is not a hex SHA-256 (64 hex digits)")
    return upload


class Archive:
    """The archive's state: SQLite metadata plus one file per document."""

    def __init__(self, root: Path) -> None:
        self.files = root / "files"
        self.state = StateFile(root / "archive.db", SCHEMA)

    def create_case(self, new: NewCase) -> tuple[dict[str, Any], bool]:
        with self.state.transaction() as conn:
            row = conn.execute("SELECT * FROM saksmappe WHERE referanse = ?", (new.referanse,)).fetchone()
            if row is not None:
                return _case_json(row), False
            values = (str(uuid.uuid4()), new.referanse, new.tittel, _now())
            conn.execute(
                "INSERT INTO saksmappe (system_id, referanse, tittel, opprettet) VALUES (?, ?, ?, ?)", values
            )
            row = conn.execute("SELECT * FROM saksmappe WHERE system_id = ?", (values[0],)).fetchone()
            return _case_json(row), True

    def require_case(self, case_id: str) -> None:
        if not self.state.query("SELECT 1 FROM saksmappe WHERE system_id = ?", (case_id,)):
            raise HTTPException(404, f"saksmappe {case_id} not found")

    def store(self, case_id: str, upload: Upload, content: bytes) -> tuple[dict[str, Any], bool]:
        """Stores a new document, or answers the one already there under that filename."""
        actual = hashlib.sha256(content).hexdigest()
        if actual != upload.sjekksum:
            raise HTTPException(
                400, f"checksum mismatch: X-Sjekksum {upload.sjekksum}, received bytes have SHA-256 {actual}"
            )
        with self.state.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM dokument WHERE case_id = ? AND filnavn = ?", (case_id, upload.filnavn)
            ).fetchone()
            if row is not None:
                if row["sjekksum"] != actual:
                    raise HTTPException(
                        409,
                        f"{upload.filnavn} already holds other bytes (SHA-256 {row['sjekksum']}); "
                        "files are never overwritten",
                    )
                return _document_json(row), False
            document_id = str(uuid.uuid4())
            self._write(case_id, document_id, content)
            values = (
                document_id,
                case_id,
                upload.tittel,
                upload.filnavn,
                upload.mime_type,
                len(content),
                actual,
            )
            conn.execute(INSERT_DOCUMENT, (*values, _now()))
            row = conn.execute("SELECT * FROM dokument WHERE system_id = ?", (document_id,)).fetchone()
            return _document_json(row), True

    def _write(self, case_id: str, document_id: str, content: bytes) -> None:
        """Writes the file whole (temp file, fsync, rename) so a crash never leaves half a file."""
        folder = self.files / case_id
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".{document_id}.part"
        with temp.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(folder / document_id)

    def documents(self, case_id: str) -> list[dict[str, Any]]:
        rows = self.state.query(
            "SELECT * FROM dokument WHERE case_id = ? ORDER BY opprettet, system_id", (case_id,)
        )
        return [_document_json(r) for r in rows]

    def read(self, case_id: str, document_id: str) -> tuple[bytes, str]:
        rows = self.state.query(
            "SELECT mime_type FROM dokument WHERE case_id = ? AND system_id = ?", (case_id, document_id)
        )
        if not rows:
            raise HTTPException(404, f"dokument {document_id} not found in saksmappe {case_id}")
        return (self.files / case_id / document_id).read_bytes(), rows[0]["mime_type"]


def create_app(root: Path) -> FastAPI:
    app = FastAPI(title="records archive stand-in (Noark 5)")
    install_faults(app)
    archive = Archive(root)

    @app.get("/api")
    def api_root() -> JSONResponse:
        return noark({"_links": {f"{REL}saksmappe/": {"href": CASES}}})

    @app.post(CASES)
    def create_case(new: NewCase) -> JSONResponse:
        body, created = archive.create_case(new)
        href = body["_links"]["self"]["href"]
        return noark(body, 201 if created else 200, location=href)

    @app.get(CASES + "/{case_id}")
    def get_case(case_id: str) -> JSONResponse:
        rows = archive.state.query("SELECT * FROM saksmappe WHERE system_id = ?", (case_id,))
        if not rows:
            raise HTTPException(404, f"saksmappe {case_id} not found")
        return noark(_case_json(rows[0]))

    @app.post(CASES + "/{case_id}/dokument")
    async def upload(case_id: str, request: Request) -> JSONResponse:
        upload = _upload_headers(request)
        content = await request.body()
        await run_in_threadpool(archive.require_case, case_id)
        body, created = await run_in_threadpool(archive.store, case_id, upload, content)
        return noark(body, 201 if created else 200, location=body["_links"]["self"]["href"])

    @app.get(CASES + "/{case_id}/dokument")
    def list_documents(case_id: str) -> JSONResponse:
        archive.require_case(case_id)
        results = archive.documents(case_id)
        return noark({"count": len(results), "results": results, "_links": {}})

    @app.get(CASES + "/{case_id}/dokument/{document_id}/fil")
    def read_file(case_id: str, document_id: str) -> Response:
        content, mime_type = archive.read(case_id, document_id)
        return Response(content, media_type=mime_type)

    return app


if __name__ == "__main__":
    main("archive", create_app, 8730)
