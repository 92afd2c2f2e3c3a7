"""Inspera Assessment stand-in: tests, security options, candidates, status, the results export
and (modelled) the deletion of a test and of its candidates.

Faithful to the platform's Open API shapes (bearer token from an API key, `/api/v1/...` JSON, an
export job whose file is fetched from a signed URL without a token); its answers meet the schemas of
tests/contracts/inspera/. State lives in a SQLite
`StateFile`, so a restart keeps what was written; every write honours `Idempotency-Key`.
`/_sim/test/{id}/play` plays the exam (see `simulators.exam_play`) so that there are answers to
export; with `autoplay=True` the app plays a test by itself when it is set ACTIVE. Essays are
scored by the graders of the candidate's GRADING committee when the export is assembled, so
committees may be set before or after the play; a candidate in no committee has no manual scores.
The export names candidates by candidate id only (the candidate list maps them to external ids) and
graders by name. `PUT /_sim/test/{id}/export` makes it serve a given file as the test's export.

The transfer to FS (`POST /api/v1/test/{id}/fs-transfer`, modelled: Inspera documents it as a
planner's once-only action, not in its Open API) sets the final grades and delivers them to the FS
stand-in's unit of the test's external id, once: a second is refused 409 `already_transferred`.
`PUT /_sim/test/{id}/fs-transfer-faults` makes it drop some candidates silently or change their grade.

Exam day: incident extra time per candidate (only while the test is ACTIVE and before the
candidate's end, counted from the test's end time after their planned extra time), and PDFs
attached to a candidate's submission (scanned sketches), both in the export's and list's terms.
`GET /_sim/test/{id}` shows a test's whole state, its incident times included.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from models.settings import settings_from_env
from models.systems import INSPERA
from simulators.exam_play import Grader, Sitter, absent_line, graded_line, max_total, play_exam
from simulators.faults import install_faults
from simulators.statefile import StateFile

TOKEN_SECONDS = 3600
MAX_CANDIDATES_PER_REQUEST = 1500
# Inspera's help pages: the SEB password ("SEB pin") is 6-8 ASCII letters and digits with at least
# one of each; the invigilator password (LOCKDOWN_QUIT_CODE here, its option name modelled) at most 8.
PINCODE = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9]{6,8}")
QUIT_CODE = re.compile(r"[A-Za-z0-9]{1,8}")
TRANSITIONS = {
    ("SCHEDULED", "ACTIVE"),
    ("ACTIVE", "FINISHED"),
    ("FINISHED", "GRADING_IN_PROGRESS"),
    ("GRADING_IN_PROGRESS", "GRADED"),
}
STATUSES = ("SCHEDULED", "ACTIVE", "FINISHED", "GRADING_IN_PROGRESS", "GRADED")
COMMITTEE_TYPES = ("GRADING", "REASSESSMENT")
# What a test holds, by test_id: deleted with it.
TEST_TABLES = (
    "results",
    "committee_candidates",
    "candidates",
    "committees",
    "contributors",
    "loaded_exports",
)
COMMITTEE_NAME_MAX = 50
CONTRIBUTOR_ROLES = ("evaluate",)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, external_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
    start_time TEXT NOT NULL, end_time TEXT NOT NULL, duration INTEGER NOT NULL,
    source_template_id TEXT, status TEXT NOT NULL, security TEXT NOT NULL DEFAULT '{}',
    other_options TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS persons (
    user_id INTEGER PRIMARY KEY AUTOINCREMENT, external_user_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS candidates (
    test_id INTEGER NOT NULL, candidate_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    external_ids TEXT NOT NULL, candidate_code TEXT NOT NULL, extra_time INTEGER NOT NULL,
    building TEXT, room TEXT, removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (test_id, candidate_id), UNIQUE (test_id, user_id)
);
CREATE TABLE IF NOT EXISTS results (
    test_id INTEGER NOT NULL, candidate_id INTEGER NOT NULL, line TEXT NOT NULL,
    PRIMARY KEY (test_id, candidate_id)
);
CREATE TABLE IF NOT EXISTS committees (
    test_id INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, PRIMARY KEY (test_id, name)
);
CREATE TABLE IF NOT EXISTS contributors (
    test_id INTEGER NOT NULL, external_id TEXT NOT NULL, auth_system TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, email TEXT NOT NULL, roles TEXT NOT NULL,
    committees TEXT NOT NULL, PRIMARY KEY (test_id, external_id)
);
CREATE TABLE IF NOT EXISTS committee_candidates (
    test_id INTEGER NOT NULL, candidate_id INTEGER NOT NULL, type TEXT NOT NULL, committee TEXT NOT NULL,
    PRIMARY KEY (test_id, candidate_id, type)
);
CREATE TABLE IF NOT EXISTS export_jobs (
    job_id TEXT PRIMARY KEY, test_id INTEGER NOT NULL, polls INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS loaded_exports (test_id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_transfers (test_id INTEGER PRIMARY KEY, at TEXT NOT NULL, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_transfer_faults (test_id INTEGER PRIMARY KEY, faults TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incident_times (
    test_id INTEGER NOT NULL, candidate_id INTEGER NOT NULL, minutes INTEGER NOT NULL,
    PRIMARY KEY (test_id, candidate_id)
);
CREATE TABLE IF NOT EXISTS attachments (
    attachment_id INTEGER PRIMARY KEY AUTOINCREMENT, test_id INTEGER NOT NULL, candidate_id INTEGER NOT NULL,
    file_name TEXT NOT NULL, content_type TEXT NOT NULL, content BLOB NOT NULL,
    UNIQUE (test_id, candidate_id, file_name)
);
"""
GRADED_STATUSES = ("GRADING_IN_PROGRESS", "GRADED")


class Refused(Exception):
    """A 4xx answer: `{"error", "error_description"}` for auth, `{"success": false, "errors"}` else."""

    def __init__(self, status: int, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransferGradeIn(Strict):
    candidateCode: str = Field(min_length=1, max_length=32)
    grade: str = Field(min_length=1, max_length=32)


class FsTransferIn(Strict):
    grades: list[TransferGradeIn]


class FsTransferFaults(Strict):
    """The transfer's injectable partial failures: candidates whose result it silently drops, and
    candidates whose grade reaches FS changed (candidate code → the grade FS gets)."""

    drop: list[str] = []
    change: dict[str, str] = {}


class TestIn(Strict):
    externalTestId: str = Field(min_length=1)
    title: str = Field(min_length=1)
    startTime: datetime
    endTime: datetime
    duration: int = Field(gt=0, description="minutes")
    sourceTemplateId: str | int | None = None


class OptionIn(Strict):
    option: str
    value: Any


class TestOptionsIn(Strict):
    securityOptions: list[OptionIn] = []
    examDayOptions: list[dict[str, Any]] = []
    generalOption: list[dict[str, Any]] = []


class OptionsIn(Strict):
    testOptions: TestOptionsIn


class ExternalIdIn(Strict):
    authType: str = Field(min_length=1)
    externalUserId: str = Field(min_length=1)


class CandidateIn(Strict):
    externalUserIds: list[ExternalIdIn] = Field(min_length=1)
    candidateCode: str | None = None
    extraTimeMins: int = Field(0, ge=0)
    building: str | None = None
    room: str | None = None


class CandidatesIn(Strict):
    candidates: list[CandidateIn]


class RemoveIn(Strict):
    externalUserIds: list[str]


class StatusIn(Strict):
    status: str
    force: bool = False


class CommitteeIn(Strict):
    name: str = Field(min_length=1, description="at most 50 characters: checked by hand to answer 422")
    type: str = "GRADING"


class CommitteesIn(Strict):
    committees: list[CommitteeIn] = Field(min_length=1)


class ContributorIn(Strict):
    externalId: str = Field(min_length=1)
    firstName: str = ""
    lastName: str = ""
    email: str = ""
    roles: list[str] = Field(min_length=1)
    committeesName: list[str] = []


class ContributorsIn(Strict):
    authenticationSystem: str = Field(min_length=1)
    contributors: list[ContributorIn] = Field(min_length=1)


class MoveCandidatesIn(Strict):
    """The stand-in's shape of `committees/candidates/move` (the public docs name the endpoint only):
    the committee and the candidates' external user ids; each leaves its committee of that type."""

    committeeName: str = Field(min_length=1)
    externalUserIds: list[str] = Field(min_length=1)


class IncidentTimeIn(Strict):
    """Modelled (unverified): the help centre's incident extra time, set as the candidate's total."""

    externalUserId: str = Field(min_length=1)
    incidentTimeMins: int = Field(ge=0, le=2880)


class AttachmentIn(Strict):
    """Modelled (unverified): the Monitor's "attach file to delivery", as JSON with base64 content."""

    externalUserId: str = Field(min_length=1)
    fileName: str = Field(min_length=1, max_length=200)
    contentType: str
    content: str = Field(description="base64")


class ExportParameters(BaseModel):
    assessmentRunId: str | int


class ExportOrderIn(BaseModel):
    resourceType: str
    parameters: ExportParameters


class PlayIn(Strict):
    seed: int = 0
    absent_rate: float = Field(0.05, ge=0, le=1)
    incident_rate: float = Field(0.03, ge=0, le=1)
    questions: int = Field(12, ge=1, le=200)
    copied_pairs: int = Field(1, ge=0, le=100)  # pairs of candidates handing in the same essays


def _iso(moment: datetime) -> str:
    """UTC with a Z; a naive time is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _test_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "assessmentRunId": row["id"],
        "assessmentRunTitle": row["title"],
        "externalId": row["external_id"],
        "status": row["status"],
        "startTime": row["start_time"],
        "endTime": row["end_time"],
        "duration": row["duration"],
        "sourceTemplateId": row["source_template_id"],
    }


def _candidate_json(row: sqlite3.Row) -> dict[str, Any]:
    external_ids = json.loads(row["external_ids"])
    return {
        "candidateId": row["candidate_id"],
        "userId": row["user_id"],
        "externalUserId": external_ids[0]["externalUserId"],
        "externalUserIds": external_ids,
        "candidateCode": row["candidate_code"],
        "extraTimeMins": row["extra_time"],
        "building": row["building"],
        "room": row["room"],
    }


def _validate_security(options: list[OptionIn]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in options:
        name, value = item.option, item.value
        if name == "LOCKDOWN_BROWSER" and not isinstance(value, bool):
            raise Refused(400, "LOCKDOWN_BROWSER must be true or false")
        if name == "SEB_SETTINGS_PINCODE" and not (isinstance(value, str) and PINCODE.fullmatch(value)):
            raise Refused(
                400, "SEB_SETTINGS_PINCODE must be 6-8 ASCII letters and digits, at least one of each"
            )
        if name == "LOCKDOWN_QUIT_CODE" and not (isinstance(value, str) and QUIT_CODE.fullmatch(value)):
            raise Refused(400, "LOCKDOWN_QUIT_CODE must be 1-8 ASCII letters or digits")
        if name not in ("LOCKDOWN_BROWSER", "SEB_SETTINGS_PINCODE", "LOCKDOWN_QUIT_CODE"):
            raise Refused(400, f"unknown security option {name!r}")
        values[name] = value
    return values


def _options_json(test: sqlite3.Row) -> dict[str, Any]:
    security = json.loads(test["security"])
    other = json.loads(test["other_options"])
    return {
        "testOptions": {
            "securityOptions": [{"option": k, "value": v} for k, v in security.items()],
            "examDayOptions": other.get("examDayOptions", []),
            "generalOption": other.get("generalOption", []),
        }
    }


def _get_test(conn: sqlite3.Connection, test_id: int) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM tests WHERE id = ?", (test_id,)).fetchone()
    if row is None:
        raise Refused(404, f"test {test_id} not found")
    return row


def _candidate_rows(conn: sqlite3.Connection, test_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM candidates WHERE test_id = ? AND removed = 0 ORDER BY candidate_id", (test_id,)
    ).fetchall()


def _delete_lone_persons(conn: sqlite3.Connection, user_ids: list[int]) -> None:
    """Deletes each person who is a candidate on no test any more."""
    conn.executemany(
        "DELETE FROM persons WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM candidates WHERE user_id = ?)",
        [(u, u) for u in user_ids],
    )


def _person_ids(conn: sqlite3.Connection, external_ids: list[str]) -> dict[str, int]:
    conn.executemany(
        "INSERT OR IGNORE INTO persons (external_user_id) VALUES (?)", [(e,) for e in external_ids]
    )
    found: dict[str, int] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT user_id, external_user_id FROM persons WHERE external_user_id IN ({marks})"
        found.update({r["external_user_id"]: r["user_id"] for r in conn.execute(sql, chunk)})
    return found


def _upsert_candidates(conn: sqlite3.Connection, test_id: int, body: CandidatesIn) -> dict[str, Any]:
    """Adds new candidates and updates known ones; a removed candidate comes back with its old id.
    The caller has refused duplicates within the request."""
    users = _person_ids(conn, [c.externalUserIds[0].externalUserId for c in body.candidates])
    known = {
        r["user_id"]: r
        for r in conn.execute("SELECT * FROM candidates WHERE test_id = ?", (test_id,)).fetchall()
    }
    next_id = max((r["candidate_id"] for r in known.values()), default=0) + 1
    added = updated = 0
    for cand in body.candidates:
        user_id = users[cand.externalUserIds[0].externalUserId]
        old = known.get(user_id)
        candidate_id = old["candidate_id"] if old else next_id
        next_id += old is None
        code = cand.candidateCode or (old["candidate_code"] if old else f"{candidate_id:04d}")
        added += old is None or bool(old["removed"])
        updated += old is not None and not old["removed"]
        conn.execute(
            "INSERT OR REPLACE INTO candidates VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                test_id,
                candidate_id,
                user_id,
                json.dumps([e.model_dump() for e in cand.externalUserIds]),
                code,
                cand.extraTimeMins,
                cand.building,
                cand.room,
            ),
        )
    return {"success": True, "added": added, "updated": updated}


def _sitter(row: sqlite3.Row) -> Sitter:
    return Sitter(row["candidate_id"], tuple(json.loads(row["external_ids"])), row["extra_time"])


def _play(conn: sqlite3.Connection, test: sqlite3.Row, params: PlayIn) -> dict[str, int]:
    sitters = [_sitter(r) for r in _candidate_rows(conn, test["id"])]
    played = play_exam(
        sitters,
        starts_at=datetime.fromisoformat(test["start_time"]),
        duration_minutes=test["duration"],
        seed=params.seed,
        absent_rate=params.absent_rate,
        incident_rate=params.incident_rate,
        question_count=params.questions,
        copied_pairs=params.copied_pairs,
    )
    conn.execute("DELETE FROM results WHERE test_id = ?", (test["id"],))
    conn.executemany(
        "INSERT INTO results VALUES (?, ?, ?)",
        [(test["id"], line["ext_inspera_candidateId"], json.dumps(line)) for line in played.results],
    )
    return {
        "candidates": len(sitters),
        "present": played.present,
        "absent": played.absent,
        "incidents": played.incidents,
        "questions": len(played.questions),
        "copied_pairs": len(played.copied),
    }


def _primary_ids(conn: sqlite3.Connection, test_id: int) -> dict[str, int]:
    """External user id → candidate id of the test's present (not removed) candidates."""
    return {
        json.loads(r["external_ids"])[0]["externalUserId"]: r["candidate_id"]
        for r in _candidate_rows(conn, test_id)
    }


def _committee_graders(conn: sqlite3.Connection, test_id: int) -> dict[str, list[Grader]]:
    """Committee name → its evaluating contributors, by external id."""
    graders: dict[str, list[Grader]] = {}
    rows = conn.execute("SELECT * FROM contributors WHERE test_id = ? ORDER BY external_id", (test_id,))
    for row in rows:
        if "evaluate" in json.loads(row["roles"]):
            name = f"{row['first_name']} {row['last_name']}".strip()
            for committee in json.loads(row["committees"]):
                graders.setdefault(committee, []).append(Grader(row["external_id"], name))
    return graders


def _graders_by_candidate(conn: sqlite3.Connection, test_id: int) -> dict[int, list[Grader]]:
    """Candidate id → the graders of the GRADING committee the candidate sits in."""
    graders = _committee_graders(conn, test_id)
    rows = conn.execute(
        "SELECT candidate_id, committee FROM committee_candidates WHERE test_id = ? AND type = 'GRADING'",
        (test_id,),
    )
    return {r["candidate_id"]: graders.get(r["committee"], []) for r in rows}


def _export_line(row: sqlite3.Row, graders: dict[int, list[Grader]], questions: list[dict[str, Any]]) -> str:
    """The candidate's line with their extra time as it is now (an accommodation given on the day,
    incident time) rather than at the play."""
    if not row["line"]:
        line = absent_line(_sitter(row), questions)
    else:
        line = graded_line(json.loads(row["line"]), graders.get(row["candidate_id"], []))
    line["ext_inspera_extraTimeMins"] = row["extra_time"]
    if row["incident"] is not None:
        line["ext_inspera_incidentTimeMins"] = row["incident"]
    return json.dumps(line)


def _candidate_by_external(conn: sqlite3.Connection, test_id: int, external_user_id: str) -> sqlite3.Row:
    for row in _candidate_rows(conn, test_id):
        if json.loads(row["external_ids"])[0]["externalUserId"] == external_user_id:
            return row
    raise Refused(404, f"externalUserId {external_user_id} is not a candidate on test {test_id}")


def _incident(conn: sqlite3.Connection, test_id: int, candidate_id: int) -> int:
    row = conn.execute(
        "SELECT minutes FROM incident_times WHERE test_id = ? AND candidate_id = ?", (test_id, candidate_id)
    ).fetchone()
    return int(row["minutes"]) if row else 0


def _attachment_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "attachmentId": row["attachment_id"],
        "externalUserId": json.loads(row["external_ids"])[0]["externalUserId"],
        "candidateId": row["candidate_id"],
        "fileName": row["file_name"],
        "contentType": row["content_type"],
        "content": base64.b64encode(row["content"]).decode(),
    }


def _questions(conn: sqlite3.Connection, test_id: int) -> list[dict[str, Any]]:
    """The test's questions as a played line lists them (none before the test is played)."""
    for row in conn.execute("SELECT line FROM results WHERE test_id = ?", (test_id,)):
        if questions := json.loads(row["line"])["ext_inspera_questions"]:
            return list(questions)
    return []


def _export_text(conn: sqlite3.Connection, test: sqlite3.Row) -> str:
    """The AllResults file, assembled from stored lines with each essay scored by the graders of
    the candidate's committee; unplayed candidates appear as absent. A file loaded through
    `/_sim/test/{id}/export` is served as it is instead."""
    loaded = conn.execute("SELECT body FROM loaded_exports WHERE test_id = ?", (test["id"],)).fetchone()
    if loaded is not None:
        return str(loaded["body"])
    rows = conn.execute(
        "SELECT c.*, r.line, i.minutes AS incident FROM candidates c LEFT JOIN results r"
        " ON r.test_id = c.test_id AND r.candidate_id = c.candidate_id"
        " LEFT JOIN incident_times i ON i.test_id = c.test_id AND i.candidate_id = c.candidate_id"
        " WHERE c.test_id = ? AND c.removed = 0 ORDER BY c.candidate_id",
        (test["id"],),
    ).fetchall()
    graders = _graders_by_candidate(conn, test["id"])
    questions = _questions(conn, test["id"])
    lines = [_export_line(row, graders, questions) for row in rows]
    head = json.dumps(
        {
            "lineItemSourcedId": str(test["id"]),
            "ext_inspera_assessmentRunTitle": test["title"],
            "ext_inspera_assessmentRunExternalId": test["external_id"],
            "ext_inspera_maxTotalScore": max_total(questions),
        }
    )
    candidates = ",".join('{"result":' + line + "}" for line in lines)
    return head[:-1] + ', "ext_inspera_candidates": [' + candidates + "]}"


def _committees_json(conn: sqlite3.Connection, test_id: int) -> list[dict[str, Any]]:
    graders = _committee_graders(conn, test_id)
    ids = {cid: ext for ext, cid in _primary_ids(conn, test_id).items()}
    members: dict[str, list[str]] = {}
    for row in conn.execute(
        "SELECT * FROM committee_candidates WHERE test_id = ? ORDER BY candidate_id", (test_id,)
    ):
        if row["candidate_id"] in ids:
            members.setdefault(row["committee"], []).append(ids[row["candidate_id"]])
    rows = conn.execute("SELECT * FROM committees WHERE test_id = ? ORDER BY name", (test_id,))
    return [
        {
            "name": r["name"],
            "type": r["type"],
            "graders": [g.external_id for g in graders.get(r["name"], [])],
            "candidates": members.get(r["name"], []),
        }
        for r in rows
    ]


def _check_committee(committee: CommitteeIn, existing_type: str | None) -> None:
    if len(committee.name) > COMMITTEE_NAME_MAX:
        raise Refused(
            422,
            f"committee name {committee.name!r} has {len(committee.name)} characters;"
            f" at most {COMMITTEE_NAME_MAX} are allowed",
        )
    if committee.type not in COMMITTEE_TYPES:
        raise Refused(
            400,
            f"committee {committee.name!r}: unknown type {committee.type!r}; expected GRADING or REASSESSMENT",
        )
    if existing_type not in (None, committee.type):
        raise Refused(409, f"committee {committee.name!r} exists already as {existing_type}")


def _check_contributor(person: ContributorIn, committees: set[str]) -> None:
    roles = sorted(set(person.roles) - set(CONTRIBUTOR_ROLES))
    if roles:
        raise Refused(400, f"contributor {person.externalId!r}: unknown roles {roles}; expected 'evaluate'")
    missing = sorted(set(person.committeesName) - committees)
    if missing:
        raise Refused(400, f"contributor {person.externalId!r}: no such committees on the test: {missing}")


def _contributor_row(test_id: int, auth_system: str, person: ContributorIn) -> tuple[Any, ...]:
    return (
        test_id,
        person.externalId,
        auth_system,
        person.firstName,
        person.lastName,
        person.email,
        json.dumps(sorted(set(person.roles))),
        json.dumps(sorted(set(person.committeesName))),
    )


class Inspera:
    """The stand-in's behaviour over its state; the routes below only translate HTTP."""

    def __init__(self, state: StateFile, api_key: str, autoplay: bool, clock: Callable[[], float]) -> None:
        self.state = state
        self.api_key = api_key
        self.autoplay = autoplay
        self.clock = clock

    def once(self, request: Request, write: Callable[[sqlite3.Connection], Any]) -> Any:
        """Runs a write in one transaction, replaying the first answer for a repeated Idempotency-Key."""
        raw = request.headers.get("Idempotency-Key")
        key = f"{request.method} {request.url.path} {raw}" if raw else None
        prior = self.state.recall(key)
        if prior is not None:
            return prior
        with self.state.transaction() as conn:
            answer = write(conn)
            self.state.remember(conn, key, answer)
        return answer

    def issue_token(self) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        with self.state.transaction() as conn:
            conn.execute("DELETE FROM tokens WHERE expires_at <= ?", (self.clock(),))
            conn.execute("INSERT INTO tokens VALUES (?, ?)", (token, self.clock() + TOKEN_SECONDS))
        return {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_SECONDS}

    def check_token(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refused(401, "an Authorization: Bearer <token> header is required", "invalid_token")
        rows = self.state.query("SELECT expires_at FROM tokens WHERE token = ?", (token,))
        if not rows:
            raise Refused(401, "unknown access token", "invalid_token")
        if rows[0]["expires_at"] <= self.clock():
            raise Refused(401, "the access token has expired", "invalid_token")

    def upsert_test(self, conn: sqlite3.Connection, body: TestIn) -> dict[str, Any]:
        if body.endTime <= body.startTime:
            raise Refused(400, "endTime must be after startTime")
        values = (
            body.title,
            _iso(body.startTime),
            _iso(body.endTime),
            body.duration,
            None if body.sourceTemplateId is None else str(body.sourceTemplateId),
        )
        old = conn.execute("SELECT * FROM tests WHERE external_id = ?", (body.externalTestId,)).fetchone()
        if old is None:
            cursor = conn.execute(
                "INSERT INTO tests (title, start_time, end_time, duration, source_template_id, external_id,"
                " status) VALUES (?, ?, ?, ?, ?, ?, 'SCHEDULED')",
                (*values, body.externalTestId),
            )
            return {"success": True, "assessmentRunId": cursor.lastrowid, "status": "created"}
        current = tuple(old[c] for c in ("title", "start_time", "end_time", "duration", "source_template_id"))
        if current != values and old["status"] != "SCHEDULED":
            raise Refused(409, f"test {old['id']} is {old['status']}: only a SCHEDULED test can be changed")
        conn.execute(
            "UPDATE tests SET title = ?, start_time = ?, end_time = ?, duration = ?, source_template_id = ?"
            " WHERE id = ?",
            (*values, old["id"]),
        )
        return {"success": True, "assessmentRunId": old["id"], "status": "updated"}

    def set_options(self, conn: sqlite3.Connection, test_id: int, body: OptionsIn) -> dict[str, Any]:
        test = _get_test(conn, test_id)
        options = body.testOptions
        security = _validate_security(options.securityOptions)
        if security and test["status"] != "SCHEDULED":
            raise Refused(
                409, f"security settings are frozen once the test is activated (test is {test['status']})"
            )
        other = json.loads(test["other_options"])
        other.update(examDayOptions=options.examDayOptions, generalOption=options.generalOption)
        conn.execute(
            "UPDATE tests SET security = ?, other_options = ? WHERE id = ?",
            (json.dumps({**json.loads(test["security"]), **security}), json.dumps(other), test_id),
        )
        return {"success": True}

    def set_status(self, conn: sqlite3.Connection, test_id: int, body: StatusIn) -> dict[str, Any]:
        """Same-to-same is a no-op, so a replayed step succeeds."""
        test = _get_test(conn, test_id)
        old, new = test["status"], body.status
        if new not in STATUSES:
            raise Refused(400, f"unknown status {new!r}; expected one of {', '.join(STATUSES)}")
        if old == new:
            return _test_json(test)
        if (old, new) not in TRANSITIONS:
            raise Refused(409, f"illegal status change from {old} to {new}")
        before_deadline = self.clock() < datetime.fromisoformat(test["end_time"]).timestamp()
        if new == "FINISHED" and before_deadline and not body.force:
            raise Refused(
                409, f"submissions close at the deadline {test['end_time']}; send force=true to close early"
            )
        if new == "GRADING_IN_PROGRESS" and before_deadline:
            raise Refused(409, f"a test opens for assessment only after the deadline {test['end_time']}")
        conn.execute("UPDATE tests SET status = ? WHERE id = ?", (new, test_id))
        if new == "ACTIVE" and self.autoplay:
            # seeded by the test's external id, so a test plays the same whichever is created first
            _play(conn, test, PlayIn(seed=zlib.crc32(test["external_id"].encode())))
        return _test_json(_get_test(conn, test_id))

    def add_candidates(self, conn: sqlite3.Connection, test_id: int, body: CandidatesIn) -> dict[str, Any]:
        _get_test(conn, test_id)
        if len(body.candidates) > MAX_CANDIDATES_PER_REQUEST:
            raise Refused(
                400,
                f"at most {MAX_CANDIDATES_PER_REQUEST} candidates per request, got {len(body.candidates)}",
            )
        primaries = [c.externalUserIds[0].externalUserId for c in body.candidates]
        if len(set(primaries)) != len(primaries):
            raise Refused(400, "the same externalUserId appears twice in one request")
        return _upsert_candidates(conn, test_id, body)

    def remove_candidates(self, conn: sqlite3.Connection, test_id: int, body: RemoveIn) -> dict[str, Any]:
        removed, wanted = 0, set(body.externalUserIds)
        for row in _candidate_rows(conn, _get_test(conn, test_id)["id"]):
            if json.loads(row["external_ids"])[0]["externalUserId"] in wanted:
                conn.execute(
                    "UPDATE candidates SET removed = 1 WHERE test_id = ? AND candidate_id = ?",
                    (test_id, row["candidate_id"]),
                )
                removed += 1
        return {"success": True, "removed": removed}

    def delete_candidates(self, conn: sqlite3.Connection, test_id: int, body: RemoveIn) -> dict[str, Any]:
        """Deletes the candidates with their responses, results and committee places (modelled:
        the public Open API documents no deletion); a person on no other test is deleted too."""
        _get_test(conn, test_id)
        wanted = set(body.externalUserIds)
        rows = conn.execute("SELECT * FROM candidates WHERE test_id = ?", (test_id,)).fetchall()
        gone = [r for r in rows if json.loads(r["external_ids"])[0]["externalUserId"] in wanted]
        for table in ("results", "committee_candidates", "candidates"):
            conn.executemany(
                f"DELETE FROM {table} WHERE test_id = ? AND candidate_id = ?",
                [(test_id, r["candidate_id"]) for r in gone],
            )
        _delete_lone_persons(conn, [r["user_id"] for r in gone])
        return {"success": True, "deleted": len(gone)}

    def delete_test(self, conn: sqlite3.Connection, test_id: int) -> dict[str, Any]:
        """Deletes the test and all it holds (modelled); an ACTIVE test is refused."""
        test = _get_test(conn, test_id)
        if test["status"] == "ACTIVE":
            raise Refused(409, f"test {test_id} is ACTIVE: a running test cannot be deleted")
        users = [
            r["user_id"] for r in conn.execute("SELECT user_id FROM candidates WHERE test_id = ?", (test_id,))
        ]
        for table in TEST_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE test_id = ?", (test_id,))
        conn.execute("DELETE FROM export_jobs WHERE test_id = ?", (test_id,))
        conn.execute("DELETE FROM tests WHERE id = ?", (test_id,))
        _delete_lone_persons(conn, users)
        return {"success": True}

    def add_committees(self, conn: sqlite3.Connection, test_id: int, body: CommitteesIn) -> dict[str, Any]:
        """Creates the committees not there yet; an existing one of the same type is left as is."""
        _get_test(conn, test_id)
        names = [c.name for c in body.committees]
        if len(set(names)) != len(names):
            raise Refused(400, "the same committee name appears twice in one request")
        existing = {
            r["name"]: r["type"]
            for r in conn.execute("SELECT name, type FROM committees WHERE test_id = ?", (test_id,))
        }
        for committee in body.committees:
            _check_committee(committee, existing.get(committee.name))
        created = [c for c in body.committees if c.name not in existing]
        conn.executemany(
            "INSERT INTO committees VALUES (?, ?, ?)", [(test_id, c.name, c.type) for c in created]
        )
        return {"success": True, "created": len(created)}

    def add_contributors(
        self, conn: sqlite3.Connection, test_id: int, body: ContributorsIn
    ) -> dict[str, Any]:
        """Adds or updates contributors; an update replaces the contributor's roles and committees."""
        _get_test(conn, test_id)
        ids = [c.externalId for c in body.contributors]
        if len(set(ids)) != len(ids):
            raise Refused(400, "the same contributor externalId appears twice in one request")
        known = {r["name"] for r in conn.execute("SELECT name FROM committees WHERE test_id = ?", (test_id,))}
        for person in body.contributors:
            _check_contributor(person, known)
        old = {
            r["external_id"]
            for r in conn.execute("SELECT external_id FROM contributors WHERE test_id = ?", (test_id,))
        }
        conn.executemany(
            "INSERT OR REPLACE INTO contributors VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [_contributor_row(test_id, body.authenticationSystem, p) for p in body.contributors],
        )
        updated = len(set(ids) & old)
        return {"success": True, "added": len(ids) - updated, "updated": updated}

    def move_candidates(
        self, conn: sqlite3.Connection, test_id: int, body: MoveCandidatesIn
    ) -> dict[str, Any]:
        """Puts the candidates in the committee, taking each out of its committee of the same type."""
        _get_test(conn, test_id)
        committee = conn.execute(
            "SELECT * FROM committees WHERE test_id = ? AND name = ?", (test_id, body.committeeName)
        ).fetchone()
        if committee is None:
            raise Refused(400, f"committeeName: no committee {body.committeeName!r} on test {test_id}")
        present = _primary_ids(conn, test_id)
        unknown = sorted(set(body.externalUserIds) - set(present))
        if unknown:
            raise Refused(
                400, f"externalUserIds: {len(unknown)} not candidates on test {test_id}: {unknown[:20]}"
            )
        wanted = sorted({present[e] for e in body.externalUserIds})
        conn.executemany(
            "INSERT OR REPLACE INTO committee_candidates VALUES (?, ?, ?, ?)",
            [(test_id, c, committee["type"], committee["name"]) for c in wanted],
        )
        return {"success": True, "moved": len(wanted)}

    def set_incident_time(
        self, conn: sqlite3.Connection, test_id: int, body: IncidentTimeIn
    ) -> dict[str, Any]:
        """Incident extra time is added after the test is activated (the help centre); here also
        only before the candidate's end (the test's end time, their planned and incident time)."""
        test = _get_test(conn, test_id)
        row = _candidate_by_external(conn, test_id, body.externalUserId)
        if test["status"] != "ACTIVE":
            raise Refused(409, f"incident time only while the test is ACTIVE (test is {test['status']})")
        held = _incident(conn, test_id, row["candidate_id"])
        ends = datetime.fromisoformat(test["end_time"]) + timedelta(minutes=row["extra_time"] + held)
        if self.clock() >= ends.timestamp():
            raise Refused(409, f"the candidate's time ended at {_iso(ends)}")
        conn.execute(
            "INSERT OR REPLACE INTO incident_times VALUES (?, ?, ?)",
            (test_id, row["candidate_id"], body.incidentTimeMins),
        )
        return {
            "success": True,
            "externalUserId": body.externalUserId,
            "incidentTimeMins": body.incidentTimeMins,
        }

    def attach(self, conn: sqlite3.Connection, test_id: int, body: AttachmentIn) -> dict[str, Any]:
        test = _get_test(conn, test_id)
        row = _candidate_by_external(conn, test_id, body.externalUserId)
        if test["status"] == "SCHEDULED":
            raise Refused(409, "files are attached to a submission once the test is activated")
        try:
            content = base64.b64decode(body.content, validate=True)
        except binascii.Error:
            raise Refused(400, f"{body.fileName}: content is not base64") from None
        if body.contentType != "application/pdf" or not content.startswith(b"%PDF-"):
            raise Refused(400, f"{body.fileName}: only PDF files are attached")
        where = (test_id, row["candidate_id"], body.fileName)
        found = conn.execute(
            "SELECT attachment_id FROM attachments WHERE test_id = ? AND candidate_id = ? AND file_name = ?",
            where,
        ).fetchone()
        if found is not None:  # the same name again replaces the file
            conn.execute("UPDATE attachments SET content = ? WHERE attachment_id = ?", (content, found[0]))
            return {"success": True, "attachmentId": found[0]}
        cursor = conn.execute(
            "INSERT INTO attachments (test_id, candidate_id, file_name, content_type, content) VALUES (?, ?, ?, ?, ?)",
            (*where, body.contentType, content),
        )
        return {"success": True, "attachmentId": cursor.lastrowid}

    def attachments(self, test_id: int) -> list[dict[str, Any]]:
        with self.state.transaction() as conn:
            _get_test(conn, test_id)
            rows = conn.execute(
                "SELECT a.*, c.external_ids FROM attachments a JOIN candidates c"
                " ON c.test_id = a.test_id AND c.candidate_id = a.candidate_id"
                " WHERE a.test_id = ? ORDER BY a.attachment_id",
                (test_id,),
            ).fetchall()
        return [_attachment_json(r) for r in rows]

    def order_export(self, conn: sqlite3.Connection, body: ExportOrderIn) -> dict[str, Any]:
        if body.resourceType != "AllResults":
            raise Refused(400, f"unsupported resourceType {body.resourceType!r}; the stand-in has AllResults")
        run = str(body.parameters.assessmentRunId)
        if not run.isdigit():
            raise Refused(400, f"parameters.assessmentRunId {run!r} is not a test id")
        test = _get_test(conn, int(run))
        job_id = uuid.uuid4().hex
        conn.execute("INSERT INTO export_jobs (job_id, test_id) VALUES (?, ?)", (job_id, test["id"]))
        return {"jobId": job_id}

    def signature(self, job_id: str) -> str:
        return hmac.new(self.api_key.encode(), job_id.encode(), hashlib.sha256).hexdigest()

    def poll_export(self, job_id: str, base_url: str) -> dict[str, Any]:
        """Running on the first poll, success after: clients must really poll."""
        with self.state.transaction() as conn:
            row = conn.execute("SELECT * FROM export_jobs WHERE job_id = ?", (job_id,)).fetchone()
            if row is None:
                raise Refused(404, f"export job {job_id} not found")
            conn.execute("UPDATE export_jobs SET polls = polls + 1 WHERE job_id = ?", (job_id,))
        if row["polls"] == 0:
            return {"jobId": job_id, "status": "running", "progress": 50}
        url = f"{base_url}files/exports/{job_id}.json?signature={self.signature(job_id)}"
        return {
            "jobId": job_id,
            "status": "success",
            "progress": 100,
            "exportInfo": {"signedResponseUrl": url},
        }

    def export_file(self, job_id: str, signature: str) -> str:
        if not hmac.compare_digest(signature, self.signature(job_id)):
            raise Refused(403, "signature does not match")
        rows = self.state.query("SELECT test_id FROM export_jobs WHERE job_id = ?", (job_id,))
        if not rows:
            raise Refused(404, f"export job {job_id} not found")
        with self.state.transaction() as conn:
            return _export_text(conn, _get_test(conn, rows[0]["test_id"]))

    def dump(self, test_id: int) -> dict[str, Any]:
        with self.state.transaction() as conn:
            test = _get_test(conn, test_id)
            candidates = conn.execute(
                "SELECT * FROM candidates WHERE test_id = ? ORDER BY candidate_id", (test_id,)
            ).fetchall()
            results = conn.execute(
                "SELECT line FROM results WHERE test_id = ? ORDER BY candidate_id", (test_id,)
            ).fetchall()
            committees = _committees_json(conn, test_id)
            incidents = conn.execute(
                "SELECT c.external_ids, i.minutes FROM incident_times i JOIN candidates c"
                " ON c.test_id = i.test_id AND c.candidate_id = i.candidate_id WHERE i.test_id = ?"
                " ORDER BY i.candidate_id",
                (test_id,),
            ).fetchall()
        return {
            "test": _test_json(test),
            "securityOptions": json.loads(test["security"]),
            "otherOptions": json.loads(test["other_options"]),
            "candidates": [{**_candidate_json(r), "removed": bool(r["removed"])} for r in candidates],
            "results": [json.loads(r["line"]) for r in results],
            "committees": committees,
            "incidentTimes": [
                {
                    "externalUserId": json.loads(r["external_ids"])[0]["externalUserId"],
                    "incidentTimeMins": r["minutes"],
                }
                for r in incidents
            ],
        }


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        if exc.error:
            return JSONResponse({"error": exc.error, "error_description": exc.message}, exc.status)
        return JSONResponse({"success": False, "errors": [{"message": exc.message}]}, exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"message": f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"} for e in exc.errors()]
        return JSONResponse({"success": False, "errors": errors}, 400)


def _fs_delivery(test: sqlite3.Row, grades: dict[str, str]) -> list[str]:
    """Posts the results to the FS stand-in (its URL from the settings, read now: FS's import from
    the platform is not public, so this stands in for it); the candidates FS could not take (FS's
    candidate number is an Int, and registered on the unit)."""
    numbered = {c: g for c, g in grades.items() if c.isdigit()}
    body = {
        "kilde": "sensursystem",
        "resultater": [{"kandidatnummer": int(c), "karakter": g} for c, g in numbered.items()],
    }
    url = settings_from_env().fs_url.rstrip("/")
    answer = httpx.post(
        f"{url}/_sim/vurderingsenheter/{test['external_id']}/resultater", json=body, timeout=30
    )
    if answer.status_code == 404:
        raise Refused(
            409, f"FS holds no vurderingsenhet {test['external_id']} for this test", "fs_unknown_unit"
        )
    answer.raise_for_status()
    refused = {str(n) for n in answer.json()["refused"]}
    return sorted((set(grades) - set(numbered)) | refused)


def transfer_to_fs(conn: sqlite3.Connection, test_id: int, body: FsTransferIn) -> dict[str, Any]:
    """The test's final grades sent to FS, once: a second transfer is refused. Candidates not on
    the test are reported failed by code; the faults set for the test drop or change some."""
    test = _get_test(conn, test_id)
    if conn.execute("SELECT 1 FROM fs_transfers WHERE test_id = ?", (test_id,)).fetchone():
        raise Refused(
            409, f"the results of test {test_id} were transferred to FS already", "already_transferred"
        )
    if test["status"] not in GRADED_STATUSES:
        raise Refused(409, f"test {test_id} is {test['status']}: only a graded test is transferred to FS")
    codes = {r["candidate_code"] for r in _candidate_rows(conn, test_id)}
    grades = {g.candidateCode: g.grade for g in body.grades if g.candidateCode in codes}
    failed = sorted({g.candidateCode for g in body.grades} - codes)
    row = conn.execute("SELECT faults FROM fs_transfer_faults WHERE test_id = ?", (test_id,)).fetchone()
    faults = FsTransferFaults.model_validate_json(row["faults"]) if row else FsTransferFaults()
    sent = {c: faults.change.get(c, g) for c, g in grades.items() if c not in faults.drop}
    refused = _fs_delivery(test, sent)  # a dropped one the platform counts as sent: the fault is silent
    answer = {"transferred": len(grades) - len(refused), "failedCandidates": sorted(failed + refused)}
    conn.execute(
        "INSERT INTO fs_transfers VALUES (?, ?, ?)",
        (test_id, datetime.now(UTC).isoformat(), json.dumps(answer)),
    )
    return answer


def _api_routes(sim: Inspera) -> APIRouter:
    def authorized(authorization: str | None = Header(None)) -> None:
        sim.check_token(authorization)

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(authorized)])

    @api.post("/test")
    def upsert_test(body: TestIn, request: Request, isExternal: bool = False) -> Any:
        if not isExternal:
            raise Refused(400, "the stand-in upserts external tests only: send isExternal=true")
        return sim.once(request, lambda conn: sim.upsert_test(conn, body))

    @api.get("/test/search")
    def search(externalTestID: str = Query(min_length=1)) -> Any:
        rows = sim.state.query("SELECT * FROM tests WHERE external_id = ?", (externalTestID,))
        keys = ("assessmentRunId", "assessmentRunTitle", "externalId", "status", "startTime", "endTime")
        results = [{k: _test_json(r)[k] for k in keys} for r in rows]
        return {"hits": len(results), "page": 1, "results": results}

    @api.get("/test/{test_id}")
    def get_test(test_id: int) -> Any:
        with sim.state.transaction() as conn:
            return _test_json(_get_test(conn, test_id))

    @api.post("/test/{test_id}/options")
    def set_options(test_id: int, body: OptionsIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.set_options(conn, test_id, body))

    @api.get("/test/{test_id}/options")
    def get_options(test_id: int) -> Any:
        """Read-back of the options in the shape they are written (modelled: no public client reads them)."""
        with sim.state.transaction() as conn:
            return _options_json(_get_test(conn, test_id))

    @api.post("/test/{test_id}/status")
    def set_status(test_id: int, body: StatusIn, request: Request) -> Any:
        """A stand-in extension for exam-day operations: the public Open API documents no status
        endpoint (staff activate, close and open for assessment in the platform's UI)."""
        return sim.once(request, lambda conn: sim.set_status(conn, test_id, body))

    @api.get("/test/{test_id}/candidates")
    def list_candidates(test_id: int) -> Any:
        with sim.state.transaction() as conn:
            return [_candidate_json(r) for r in _candidate_rows(conn, _get_test(conn, test_id)["id"])]

    @api.post("/test/{test_id}/candidates")
    def add_candidates(test_id: int, body: CandidatesIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.add_candidates(conn, test_id, body))

    @api.post("/test/{test_id}/candidates/remove")
    def remove_candidates(test_id: int, body: RemoveIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.remove_candidates(conn, test_id, body))

    @api.post("/test/{test_id}/candidates/delete")
    def delete_candidates(test_id: int, body: RemoveIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.delete_candidates(conn, test_id, body))

    @api.delete("/test/{test_id}")
    def delete_test(test_id: int, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.delete_test(conn, test_id))

    @api.post("/test/{test_id}/committees")
    def add_committees(test_id: int, body: CommitteesIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.add_committees(conn, test_id, body))

    @api.post("/test/{test_id}/contributors")
    def add_contributors(test_id: int, body: ContributorsIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.add_contributors(conn, test_id, body))

    @api.post("/test/{test_id}/committees/candidates/move")
    def move_candidates(test_id: int, body: MoveCandidatesIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.move_candidates(conn, test_id, body))

    @api.post("/test/{test_id}/fs-transfer")
    def fs_transfer(test_id: int, body: FsTransferIn, request: Request) -> Any:
        return sim.once(request, lambda conn: transfer_to_fs(conn, test_id, body))

    @api.post("/test/{test_id}/candidates/incidentTime")
    def set_incident_time(test_id: int, body: IncidentTimeIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.set_incident_time(conn, test_id, body))

    @api.post("/test/{test_id}/candidates/attachments")
    def attach(test_id: int, body: AttachmentIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.attach(conn, test_id, body))

    @api.get("/test/{test_id}/candidates/attachments")
    def attachments(test_id: int) -> Any:
        return sim.attachments(test_id)

    @api.post("/fileExport/order")
    def order_export(body: ExportOrderIn, request: Request) -> Any:
        return sim.once(request, lambda conn: sim.order_export(conn, body))

    @api.get("/fileExport/status/{job_id}")
    def export_status(job_id: str, request: Request) -> Any:
        return sim.poll_export(job_id, str(request.base_url))

    return api


def create_app(
    state_path: Path,
    *,
    api_key: str = "local-stand-in-key",
    autoplay: bool = False,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """`clock` (epoch seconds) decides token expiry and deadlines; tests move it instead of waiting."""
    sim = Inspera(StateFile(state_path, SCHEMA), api_key, autoplay, clock)
    app = FastAPI(title="Inspera stand-in")
    install_faults(app)
    _install_errors(app)

    @app.post("/api/authenticate/token/")
    def token(grant_type: str = "", client_id: str = "", code: str | None = Header(None)) -> dict[str, Any]:
        if grant_type != "authorization_code":
            raise Refused(400, "grant_type must be authorization_code", "unsupported_grant_type")
        if not client_id:
            raise Refused(400, "client_id (the tenant) is required", "invalid_request")
        if code is None or not hmac.compare_digest(code, api_key):
            raise Refused(401, "the API key in the code header is not valid", "invalid_grant")
        return sim.issue_token()

    app.include_router(_api_routes(sim))

    @app.get("/files/exports/{job_id}.json")
    def export_file(job_id: str, signature: str = "") -> Response:
        return Response(sim.export_file(job_id, signature), media_type="application/json")

    @app.post("/_sim/test/{test_id}/play")
    def play(test_id: int, body: PlayIn) -> dict[str, int]:
        with sim.state.transaction() as conn:
            return _play(conn, _get_test(conn, test_id), body)

    @app.put("/_sim/test/{test_id}/export")
    async def load_export(test_id: int, request: Request) -> dict[str, Any]:
        """Serves this AllResults file (any JSON, kept as sent) as the test's export from now on."""
        body = (await request.body()).decode()
        try:
            json.loads(body)
        except ValueError as exc:
            raise Refused(400, f"the export is not JSON: {exc}") from None
        with sim.state.transaction() as conn:
            _get_test(conn, test_id)
            conn.execute("INSERT OR REPLACE INTO loaded_exports VALUES (?, ?)", (test_id, body))
        return {"success": True}

    @app.put("/_sim/test/{test_id}/fs-transfer-faults")
    def fs_transfer_faults(test_id: int, body: FsTransferFaults) -> dict[str, Any]:
        with sim.state.transaction() as conn:
            _get_test(conn, test_id)
            conn.execute(
                "INSERT OR REPLACE INTO fs_transfer_faults VALUES (?, ?)", (test_id, body.model_dump_json())
            )
        return {"success": True}

    @app.get("/_sim/test/{test_id}")
    def dump(test_id: int) -> dict[str, Any]:
        return sim.dump(test_id)

    return app


def main() -> None:
    """`python -m simulators.inspera --port 8720 --state FILE [--autoplay]`."""
    parser = argparse.ArgumentParser(description="the Inspera stand-in")
    parser.add_argument("--port", type=int, default=INSPERA.default_port)
    parser.add_argument("--state", type=Path, required=True, help="SQLite file holding its state")
    parser.add_argument("--autoplay", action="store_true", help="play a test when it is set ACTIVE")
    args = parser.parse_args()
    api_key = settings_from_env().inspera_api_key.get_secret_value()
    app = create_app(args.state, api_key=api_key, autoplay=args.autoplay)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
