"""A Noark 5 records archive (ePhorte-like) on loopback, after the v5 service interface.

What a client sees, as the specification describes it: `GET /api` lists `_links` keyed by relation
URIs, and everything else is found by following them; entities are JSON (`application/vnd.noark5+json`)
in the hierarchy arkiv → arkivdel → saksmappe → journalpost → dokumentbeskrivelse → dokumentobjekt;
a new entity is made by `GET ny-<type>` (a template) and `POST` to the same link (201, `Location`,
`ETag`); lists are `{count, results, _links}` with `$filter=<field> eq '<text>'`, `$top`, `$skip` and a
`next` link; an update is a JSON merge patch (`PATCH`, `application/merge-patch+json`) carrying the
version read, in `If-Match` (412 when stale) or, as the reference server nikita reads it, in an
`ETag` request header (409 when stale); a file is uploaded by POSTing its bytes to the document
object's `fil` link, checked against the size, checksum and media type declared on the object
(400 on a difference), and never overwritten (409); errors are `{"feil": {"kode", "beskrivelse"}}`.
The fields and codes are in `simulators/noark.py`.

Modelled: an arkiv "Eksamensarkiv" with the series (arkivdel) "Eksamen" exists from the start, as
an archive administrator would have set it up. Entities live in `archive.db`, files under `files/`.

    python -m simulators.archive --port 8730 --state DIR
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from models.systems import ARCHIVE
from simulators.faults import FaultInjector, install_faults
from simulators.noark import (
    KINDS,
    MEDIA_TYPE,
    MERGE_PATCH,
    REL,
    SHA256,
    Kind,
    Refused,
    checked,
    entity_href,
    file_format,
    links,
    patched,
    template,
)
from simulators.server import main
from simulators.statefile import StateFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS enhet (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES enhet(system_id),
    body TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS enhet_children ON enhet (kind, parent_id, seq);
"""
PAGE = 100
FILTER = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")
SERIES = ("Eksamensarkiv", "Eksamen")


def noark(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _kind(module: str, name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None or kind.module != module:
        raise Refused(404, f"no such resource: {module}/{name}")
    return kind


class Archive:
    """The archive's entities (SQLite) and files (one per document object)."""

    def __init__(self, root: Path) -> None:
        self.files = root / "files"
        self.state = StateFile(root / "archive.db", SCHEMA)
        if not self.state.query("SELECT 1 FROM enhet WHERE kind = 'arkiv'"):
            arkiv = self.create(KINDS["arkiv"], None, {"tittel": SERIES[0]})
            self.create(KINDS["arkivdel"], arkiv, {"tittel": SERIES[1]})

    def row(self, kind: Kind, system_id: str) -> Any:
        rows = self.state.query(
            "SELECT * FROM enhet WHERE kind = ? AND system_id = ?", (kind.name, system_id)
        )
        if not rows:
            raise Refused(404, f"Not Found: {kind.module}/{kind.name}/{system_id}")
        return rows[0]

    def rows(self, kind: Kind, parent_id: str | None) -> list[Any]:
        if parent_id is None:
            return self.state.query("SELECT * FROM enhet WHERE kind = ? ORDER BY seq", (kind.name,))
        return self.state.query(
            "SELECT * FROM enhet WHERE kind = ? AND parent_id = ? ORDER BY seq", (kind.name, parent_id)
        )

    def create(self, kind: Kind, parent_id: str | None, body: Any) -> str:
        fields = checked(kind, body)
        system_id = str(uuid.uuid4())
        with self.state.transaction() as conn:
            fields = self._numbers(conn, kind, parent_id) | fields  # a client may give the dates
            fields |= {"systemID": system_id, "opprettetDato": _now(), "opprettetAv": "api-bruker"}
            conn.execute(
                "INSERT INTO enhet (system_id, kind, parent_id, body) VALUES (?, ?, ?, ?)",
                (system_id, kind.name, parent_id, json.dumps(fields, ensure_ascii=False)),
            )
        return system_id

    def _numbers(self, conn: Any, kind: Kind, parent_id: str | None) -> dict[str, Any]:
        """What the server numbers: case year and sequence, registry entry numbers, document number."""
        year = date.today().year
        if kind.name == "saksmappe":
            seq = self._count(conn, "saksmappe", None) + 1
            return {
                "saksaar": year,
                "sakssekvensnummer": seq,
                "mappeID": f"{year}/{seq}",
                "saksdato": date.today().isoformat(),
            }
        if kind.name == "journalpost":
            case = json.loads(
                conn.execute("SELECT body FROM enhet WHERE system_id = ?", (parent_id,)).fetchone()[0]
            )
            if case["saksstatus"]["kode"] == "A":
                raise Refused(
                    409, f"saksmappe {case['mappeID']} is closed (saksstatus A): no new registry entries"
                )
            number = self._count(conn, "journalpost", parent_id) + 1
            return {
                "journalaar": year,
                "journalsekvensnummer": self._count(conn, "journalpost", None) + 1,
                "journalpostnummer": number,
                "registreringsID": f"{case['mappeID']}-{number}",
                "journaldato": date.today().isoformat(),
            }
        if kind.name == "dokumentbeskrivelse":
            number = self._count(conn, "dokumentbeskrivelse", parent_id) + 1
            return {"dokumentnummer": number, "tilknyttetDato": _now(), "tilknyttetAv": "api-bruker"}
        return {}

    @staticmethod
    def _count(conn: Any, kind: str, parent_id: str | None) -> int:
        if parent_id is None:
            return int(conn.execute("SELECT COUNT(*) FROM enhet WHERE kind = ?", (kind,)).fetchone()[0])
        sql = "SELECT COUNT(*) FROM enhet WHERE kind = ? AND parent_id = ?"
        return int(conn.execute(sql, (kind, parent_id)).fetchone()[0])

    def update(self, kind: Kind, system_id: str, changes: dict[str, Any], version: int, header: str) -> None:
        """Applies a merge patch made on `version`; a newer stored version refuses it (412 for
        If-Match, 409 for nikita's ETag request header)."""
        with self.state.transaction() as conn:
            row = conn.execute("SELECT * FROM enhet WHERE system_id = ?", (system_id,)).fetchone()
            if row is None or row["kind"] != kind.name:
                raise Refused(404, f"Not Found: {kind.module}/{kind.name}/{system_id}")
            if row["version"] != version:
                status = 412 if header == "If-Match" else 409
                raise Refused(
                    status,
                    f"{kind.name} {system_id} is at version {row['version']}, not {version}: read it again",
                )
            body = json.loads(row["body"]) | changes | {"endretDato": _now(), "endretAv": "api-bruker"}
            conn.execute(
                "UPDATE enhet SET body = ?, version = version + 1 WHERE system_id = ?",
                (json.dumps(body, ensure_ascii=False), system_id),
            )

    def store_file(self, system_id: str, content: bytes, content_type: str) -> None:
        """Checks the bytes against what the document object declares, fills in what it left out,
        and writes the file whole; a document object's file is never replaced."""
        digest = hashlib.sha256(content).hexdigest()
        mime_type = content_type.split(";")[0].strip()
        with self.state.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM enhet WHERE system_id = ? AND kind = 'dokumentobjekt'", (system_id,)
            ).fetchone()
            if row is None:
                raise Refused(404, f"Not Found: arkivstruktur/dokumentobjekt/{system_id}")
            body = json.loads(row["body"])
            if "referanseDokumentfil" in body:
                raise Refused(
                    409, f"dokumentobjekt {system_id} already has its file; files are never overwritten"
                )
            _check_bytes(body, mime_type, len(content), digest)
            self._write(system_id, content)
            body = {
                "mimeType": mime_type,
                "format": file_format(mime_type),
                "filstoerrelse": len(content),
                "sjekksum": digest,
                "sjekksumAlgoritme": SHA256,
            } | body
            body["referanseDokumentfil"] = f"files/{system_id}"
            conn.execute(
                "UPDATE enhet SET body = ?, version = version + 1 WHERE system_id = ?",
                (json.dumps(body, ensure_ascii=False), system_id),
            )

    def _write(self, system_id: str, content: bytes) -> None:
        """Writes the file whole (temp file, fsync, rename) so a crash never leaves half a file."""
        self.files.mkdir(parents=True, exist_ok=True)
        temp = self.files / f".{system_id}.part"
        with temp.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(self.files / system_id)

    def read_file(self, system_id: str) -> tuple[bytes, str]:
        body = json.loads(self.row(KINDS["dokumentobjekt"], system_id)["body"])
        if "referanseDokumentfil" not in body:
            raise Refused(404, f"dokumentobjekt {system_id} has no file yet")
        return (self.files / system_id).read_bytes(), body["mimeType"]


def _check_bytes(body: dict[str, Any], mime_type: str, size: int, digest: str) -> None:
    if size == 0:
        raise Refused(400, "an upload must carry the file's bytes (Content-Length 0)")
    declared = {"mimeType": mime_type, "filstoerrelse": size, "sjekksum": digest}
    for name, actual in declared.items():
        if name in body and body[name] != actual:
            raise Refused(400, f"the file's {name} is {actual}, the dokumentobjekt declares {body[name]}")


def render(base: str, kind: Kind, row: Any) -> dict[str, Any]:
    body = json.loads(row["body"])
    parent = None
    if kind.parent is not None and row["parent_id"] is not None:
        parent = (kind.parent, row["parent_id"])
    found = links(base, kind, row["system_id"], parent)
    if "referanseDokumentfil" in body:
        body["referanseDokumentfil"] = f"{entity_href(base, kind, row['system_id'])}/referanseFil"
    return body | {"_links": found}


def listing(base: str, kind: Kind, rows: list[Any], request: Request, self_href: str) -> dict[str, Any]:
    """`{count, results, _links}` of one page; `count` counts every match, `next` leads on."""
    params = request.query_params
    rows = [r for r in rows if _matches(r, params.get("$filter"))]
    top, skip = _bound(params.get("$top"), PAGE, "$top"), _bound(params.get("$skip"), 0, "$skip")
    page = rows[skip : skip + min(top, PAGE)]
    found: dict[str, Any] = {
        "self": {"href": str(request.url)},
        f"{REL}{kind.module}/{kind.name}/": {"href": self_href},
    }
    if skip + len(page) < len(rows):
        found["next"] = {"href": str(request.url.include_query_params(**{"$skip": skip + len(page)}))}
    answer: dict[str, Any] = {"count": len(rows), "_links": found}
    if page:
        answer["results"] = [render(base, kind, r) for r in page]
    return answer


def _matches(row: Any, expression: str | None) -> bool:
    if not expression:
        return True
    match = FILTER.match(expression)
    if match is None:
        raise Refused(501, "only $filter=<field> eq '<text>' is served by this archive")
    value = json.loads(row["body"]).get(match[1])
    return value is not None and str(value) == match[2].replace("''", "'")


def _bound(value: str | None, default: int, name: str) -> int:
    if value is None:
        return default
    if not value.isdigit():
        raise Refused(400, f"{name} must be a whole number, not {value}")
    return int(value)


def _version(request: Request) -> tuple[int, str]:
    """The version a client read, from If-Match or (as nikita reads it) an ETag request header."""
    for header in ("If-Match", "ETag"):
        value = request.headers.get(header)
        if value is not None:
            digits = value.strip().removeprefix("W/").strip('"')
            if not digits.isdigit():
                raise Refused(400, f"{header} {value} is not a version this archive gave")
            return int(digits), header
    raise Refused(428, "an update must carry the version read, in If-Match (or ETag)")


def create_app(root: Path) -> FastAPI:
    app = FastAPI(title="records archive stand-in (Noark 5)")
    faults = install_faults(app)
    archive = Archive(root)
    _routes(app, archive, faults)

    @app.exception_handler(Refused)
    def refused(_request: Request, error: Refused) -> JSONResponse:
        return noark({"feil": {"kode": error.status, "beskrivelse": str(error)}}, error.status)

    return app


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _routes(app: FastAPI, archive: Archive, faults: FaultInjector) -> None:
    def entity(request: Request, kind: Kind, system_id: str, status: int = 200) -> JSONResponse:
        row = archive.row(kind, system_id)
        body = render(_base(request), kind, row)
        headers = {"ETag": f'"{row["version"]}"'}
        if status == 201:
            headers["Location"] = body["_links"]["self"]["href"]
        return noark(body, status, headers)

    @app.get("/api")
    def api_root(request: Request) -> JSONResponse:
        base = _base(request)
        return noark(
            {"_links": {f"{REL}{m}/": {"href": f"{base}/api/{m}"} for m in ("arkivstruktur", "sakarkiv")}}
        )

    @app.get("/api/{module}")
    def module_root(request: Request, module: str) -> JSONResponse:
        base, kinds = _base(request), [k for k in KINDS.values() if k.module == module]
        if not kinds:
            raise Refused(404, f"no such resource: {module}")
        found = {f"{REL}{module}/{k.name}/": {"href": f"{base}/api/{module}/{k.name}/"} for k in kinds}
        if module == "arkivstruktur":
            found[f"{REL}arkivstruktur/ny-arkiv/"] = {"href": f"{base}/api/arkivstruktur/ny-arkiv"}
        return noark({"_links": found})

    @app.get("/api/arkivstruktur/ny-arkiv")
    def new_archive_template() -> JSONResponse:
        return noark(template(KINDS["arkiv"]))

    @app.post("/api/arkivstruktur/ny-arkiv")
    async def new_archive(request: Request) -> JSONResponse:
        system_id = await run_in_threadpool(archive.create, KINDS["arkiv"], None, await _json(request))
        return entity(request, KINDS["arkiv"], system_id, 201)

    @app.get("/api/{module}/{name}/")
    def every(request: Request, module: str, name: str) -> JSONResponse:
        kind = _kind(module, name)
        href = f"{_base(request)}/api/{module}/{name}/"
        return noark(listing(_base(request), kind, archive.rows(kind, None), request, href))

    @app.get("/api/arkivstruktur/dokumentobjekt/{system_id}/referanseFil")
    def download(system_id: str) -> Response:
        content, mime_type = archive.read_file(system_id)
        return Response(content, media_type=mime_type)

    @app.post("/api/arkivstruktur/dokumentobjekt/{system_id}/referanseFil")
    async def upload(request: Request, system_id: str) -> JSONResponse:
        content = await request.body()
        await run_in_threadpool(
            archive.store_file, system_id, content, request.headers.get("Content-Type", "")
        )
        return entity(request, KINDS["dokumentobjekt"], system_id, 201)

    @app.get("/api/{module}/{name}/{system_id}")
    def one(request: Request, module: str, name: str, system_id: str) -> JSONResponse:
        return entity(request, _kind(module, name), system_id)

    @app.patch("/api/{module}/{name}/{system_id}")
    async def change(request: Request, module: str, name: str, system_id: str) -> JSONResponse:
        kind = _kind(module, name)
        version, header = _version(request)
        changes = patched(kind, await _json(request, (MERGE_PATCH,)))
        if faults.conflict():
            raise Refused(409, f"{kind.name} {system_id} was changed by someone else: read it again")
        await run_in_threadpool(archive.update, kind, system_id, changes, version, header)
        return entity(request, kind, system_id)

    @app.get("/api/{module}/{name}/{system_id}/{child}/")
    def children(request: Request, module: str, name: str, system_id: str, child: str) -> JSONResponse:
        kind = _kind(module, name)
        archive.row(kind, system_id)
        if kind.child != child:
            raise Refused(404, f"a {kind.name} holds no {child}")
        self_href = f"{entity_href(_base(request), kind, system_id)}/{child}/"
        rows = archive.rows(KINDS[child], system_id)
        return noark(listing(_base(request), KINDS[child], rows, request, self_href))

    @app.get("/api/{module}/{name}/{system_id}/{action}")
    def new_child_template(module: str, name: str, system_id: str, action: str) -> JSONResponse:
        kind = _kind(module, name)
        archive.row(kind, system_id)
        return noark(template(_child(kind, action)))

    @app.post("/api/{module}/{name}/{system_id}/{action}")
    async def new_child(
        request: Request, module: str, name: str, system_id: str, action: str
    ) -> JSONResponse:
        kind = _kind(module, name)
        child = _child(kind, action)
        archive.row(kind, system_id)
        new_id = await run_in_threadpool(archive.create, child, system_id, await _json(request))
        return entity(request, child, new_id, 201)


def _child(kind: Kind, action: str) -> Kind:
    if kind.child is None or action != f"ny-{kind.child}":
        raise Refused(404, f"a {kind.name} offers no {action}")
    return KINDS[kind.child]


async def _json(request: Request, accepted: tuple[str, ...] = (MEDIA_TYPE, "application/json")) -> Any:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
    if content_type not in accepted:
        raise Refused(415, f"the body is sent as {accepted[0]}, not {content_type or 'nothing'}")
    try:
        return json.loads(await request.body())
    except ValueError:
        raise Refused(400, "the body is not JSON") from None


if __name__ == "__main__":
    main(ARCHIVE, create_app)
