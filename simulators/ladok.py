"""A Ladok-style student register on loopback: occasions, course rounds, study results, drafts.

Paths, Swedish field names, vendor media types and the error shape (`Detaljkod`, `FelUID`,
`Meddelande`) follow Ladok's integration API as public clients use it (docs/integrations.md, "Ladok").
Results are shaped as Ladok's published types have them (tests/contracts/ladok/README.md): a
search row's drafts (`Arbetsunderlag`) and attested results (`SenastAttesteradeResultat`) sit in
`ResultatPaUtbildningar`, one entry per module holding a result, each result naming its own
`UtbildningsinstansUID`; a study result's results on every module of its course round are listed,
not only the row's. A draft's optimistic-lock token `SenasteResultatandring` is a string, the
time of its last change, taken and compared as a string. Unknown fields in a body are ignored.
Stand-in liberties, all unverified against the real service:

- The token's format (Stockholm local time to the millisecond, no offset), and the answers to a
  stale token (409) and to a write on an attested result (422), with their `Detaljkod`s.
- An occasion answers its dates only (`Datumperiod`), as Ladok does: clock times are the exam's
  plan, not the register's.
- `KurstillfallenUID: []` in a search means every course round on the occasion.
- Ladok holds no accommodations, and neither does the stand-in: `.../anpassningar` answers 404.
- `GET studentinformation/student/{uid}` and `.../student/personnummer/{personnummer}` answer
  `Uid`, `ExterntUID`, `Personnummer` (12 digits), `Fornamn`, `Efternamn`, as public clients
  (goladok3, Ladok3 clients in PHP/Grails) read them; other fields of Ladok's student are left out.
- Without `OrderBy` a search orders rows differently on every page, as the real one may:
  clients must send `OrderBy` for stable paging.

`/_sim/...` are control endpoints for tests and the demo (load a term, register students,
attest drafts, list results). State lives in a SQLite StateFile and survives a restart.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import orjson
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.routing import Route

from models.ladok_codes import GRADE_CODES, MEDIA_RESULTAT, is_grade_on_scale
from models.systems import LADOK
from simulators.faults import FaultInjector, install_faults
from simulators.server import main
from simulators.statefile import StateFile
from simulators.term import LETTERS, Term, TermSpec, anonymisation_code, generate_term

M = TypeVar("M", bound=BaseModel)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
STALE = "commons.fel.grundfel.resultat.senasteresultatandring"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS course_round (
    uid TEXT PRIMARY KEY, code TEXT NOT NULL, round_code TEXT NOT NULL, instance_uid TEXT NOT NULL,
    version INTEGER NOT NULL, name_sv TEXT NOT NULL, name_en TEXT NOT NULL, scale_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS module (
    course_round_uid TEXT NOT NULL, uid TEXT NOT NULL, position INTEGER NOT NULL, code TEXT NOT NULL,
    name_sv TEXT NOT NULL, name_en TEXT NOT NULL, credits REAL NOT NULL, scale_id INTEGER NOT NULL,
    reportable INTEGER NOT NULL, PRIMARY KEY (course_round_uid, uid));
CREATE TABLE IF NOT EXISTS occasion (
    uid TEXT PRIMARY KEY, name TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS occasion_round (
    occasion_uid TEXT NOT NULL, position INTEGER NOT NULL, course_round_uid TEXT NOT NULL,
    module_uid TEXT NOT NULL, PRIMARY KEY (occasion_uid, course_round_uid));
CREATE TABLE IF NOT EXISTS student (
    uid TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    national_id TEXT NOT NULL, email TEXT NOT NULL);
-- names are copied onto the registration so a search page is one query without a join;
-- answer: the row's search answer while it has no result, rendered at write time (see _answer)
CREATE TABLE IF NOT EXISTS registration (
    occasion_uid TEXT NOT NULL, student_uid TEXT NOT NULL, study_result_uid TEXT NOT NULL,
    course_round_uid TEXT NOT NULL, module_uid TEXT NOT NULL, scale_id INTEGER NOT NULL,
    code_number INTEGER NOT NULL, anonymisation_code TEXT NOT NULL,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL, national_id TEXT NOT NULL,
    answer BLOB NOT NULL DEFAULT x'',
    PRIMARY KEY (occasion_uid, student_uid));
CREATE INDEX IF NOT EXISTS registration_study_result ON registration (study_result_uid, module_uid);
-- walks a search's usual order (EFTERNAMN, FORNAMN, PERSONNUMMER ascending) without sorting
CREATE INDEX IF NOT EXISTS registration_by_name
    ON registration (occasion_uid, last_name, first_name, national_id, study_result_uid);
-- at most one draft (attested = 0) and one attested result per study result and module
CREATE TABLE IF NOT EXISTS result (
    uid TEXT PRIMARY KEY, study_result_uid TEXT NOT NULL, module_uid TEXT NOT NULL,
    grade_id INTEGER NOT NULL, scale_id INTEGER NOT NULL, exam_date TEXT NOT NULL,
    process_status INTEGER NOT NULL, version INTEGER NOT NULL, changed_at TEXT NOT NULL,
    attested INTEGER NOT NULL DEFAULT 0);
-- version: how many times the result was written (shown by /_sim/results);
-- changed_at: its SenasteResultatandring
CREATE UNIQUE INDEX IF NOT EXISTS result_slot ON result (study_result_uid, module_uid, attested);
"""
TABLES = (
    "meta",
    "course_round",
    "module",
    "occasion",
    "occasion_round",
    "student",
    "registration",
    "result",
    "idempotency",
)

ORDER_COLUMNS = {
    "EFTERNAMN": "r.last_name",
    "FORNAMN": "r.first_name",
    "PERSONNUMMER": "r.national_id",
    "ANONYMISERINGSKOD": "r.code_number",
}
SortKey = Literal[
    "EFTERNAMN_ASC",
    "EFTERNAMN_DESC",
    "FORNAMN_ASC",
    "FORNAMN_DESC",
    "PERSONNUMMER_ASC",
    "PERSONNUMMER_DESC",
    "ANONYMISERINGSKOD_ASC",
    "ANONYMISERINGSKOD_DESC",
]
StateName = Literal["OBEHANDLADE", "UTKAST", "KLARMARKERADE", "ATTESTERADE"]
STATE_SQL = {
    "OBEHANDLADE": "(d.uid IS NULL AND a.uid IS NULL)",
    "UTKAST": "d.process_status = 1",
    "KLARMARKERADE": "d.process_status = 2",
    "ATTESTERADE": "(d.uid IS NULL AND a.uid IS NOT NULL)",
}
REGISTRATION_COLUMNS = (
    "occasion_uid",
    "student_uid",
    "study_result_uid",
    "course_round_uid",
    "module_uid",
    "scale_id",
    "code_number",
    "anonymisation_code",
    "first_name",
    "last_name",
    "national_id",
)
INSERT_REGISTRATION = (
    f"INSERT INTO registration ({', '.join(REGISTRATION_COLUMNS)}, answer)"
    f" VALUES ({', '.join('?' * (len(REGISTRATION_COLUMNS) + 1))})"
)
# a registration as the control endpoints show it: all but its code number and national id
REGISTRATION_KEYS = tuple(c for c in REGISTRATION_COLUMNS if c not in ("code_number", "national_id"))
SEARCH_FROM = """
FROM registration r
LEFT JOIN result d
  ON d.study_result_uid = r.study_result_uid AND d.module_uid = r.module_uid AND d.attested = 0
LEFT JOIN result a
  ON a.study_result_uid = r.study_result_uid AND a.module_uid = r.module_uid AND a.attested = 1
WHERE {where}"""
SEARCH_SQL = (
    """SELECT r.answer, r.study_result_uid,
       EXISTS (SELECT 1 FROM result x WHERE x.study_result_uid = r.study_result_uid)"""
    + SEARCH_FROM
    + " ORDER BY {order} LIMIT ? OFFSET ?"
)
RESULTS_OF_SQL = """SELECT * FROM result WHERE study_result_uid IN ({uids})
ORDER BY study_result_uid, module_uid, attested"""
INSERT_RESULT = """INSERT INTO result
(uid, study_result_uid, module_uid, grade_id, scale_id, exam_date, process_status, version, changed_at, attested)
VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, 0)"""
COUNT_SQL = "SELECT COUNT(*)" + SEARCH_FROM
MEDIA_STUDENT = "application/vnd.ladok-studentinformation+json"


class LadokError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def ladok_json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_RESULTAT)


def error_body(code: str, message: str) -> dict[str, str]:
    return {"Detaljkod": code, "FelUID": str(uuid.uuid4()), "Meddelande": message}


def not_found(what: str, uid: str) -> LadokError:
    return LadokError(404, "commons.fel.grundfel.entitet.saknas", f"{what} {uid} does not exist")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchBody(Strict):
    Filtrering: list[StateName] = Field(default_factory=list, description="empty: every state")
    KurstillfallenUID: list[str] = Field(default_factory=list, description="empty: every round")
    OrderBy: list[SortKey] = Field(default_factory=list)
    Page: int = Field(1, ge=1)
    Limit: int = Field(400, ge=1, le=400)


class ResultBody(BaseModel):
    """A result as Ladok's public clients write it; other fields (Noteringar, Projekttitel) are
    ignored."""

    Betygsgrad: int
    BetygsskalaID: int
    Examinationsdatum: date


class UpdateBody(ResultBody):
    SenasteResultatandring: str


class RegistrationChange(Strict):
    """Register (or with `registered: false`, deregister) a student on an occasion."""

    occasion_uid: str
    student_uid: str
    registered: bool = True
    course_round_uid: str | None = Field(None, description="default: the occasion's first round")
    first_name: str | None = Field(None, description="creates the student when unknown")
    last_name: str | None = None


class Dates(Strict):
    """An occasion's `Datumperiod`: the days it takes place, first and last."""

    start_date: date
    end_date: date


class LadokStandIn:
    """The register's state and operations; routes in `create_app` only translate HTTP."""

    def __init__(self, state: StateFile, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults
        self._random = random.Random()
        _add_answers(state)
        _dates_not_times(state)

    # -- reading -------------------------------------------------------------------------------

    def occasion(self, uid: str) -> dict[str, Any]:
        rows = self.state.query("SELECT * FROM occasion WHERE uid = ?", (uid,))
        if not rows:
            raise not_found("aktivitetstillfälle", uid)
        occ = rows[0]
        activities = self.state.query(
            """SELECT DISTINCT o.module_uid, m.code AS module_code, c.instance_uid, c.code
               FROM occasion_round o JOIN course_round c ON c.uid = o.course_round_uid
               JOIN module m ON m.course_round_uid = o.course_round_uid AND m.uid = o.module_uid
               WHERE o.occasion_uid = ? ORDER BY o.position""",
            (uid,),
        )
        return {
            "Uid": uid,
            "Benamning": {"sv": occ["name"], "en": occ["name"]},
            "Datumperiod": {"Startdatum": occ["start_date"], "Slutdatum": occ["end_date"]},
            "Aktiviteter": [
                {
                    "Kursinstans": {"Uid": a["instance_uid"], "Utbildningskod": a["code"]},
                    "Utbildningsinstans": {"Uid": a["module_uid"], "Utbildningskod": a["module_code"]},
                }
                for a in activities
            ],
        }

    def occasion_rounds(self, uid: str) -> list[sqlite3.Row]:
        rows = self.state.query(
            """SELECT c.* FROM occasion_round o JOIN course_round c ON c.uid = o.course_round_uid
               WHERE o.occasion_uid = ? ORDER BY o.position""",
            (uid,),
        )
        if not rows and not self.state.query("SELECT 1 FROM occasion WHERE uid = ?", (uid,)):
            raise not_found("aktivitetstillfälle", uid)
        return rows

    def course_round(self, uid: str) -> dict[str, Any]:
        rows = self.state.query("SELECT * FROM course_round WHERE uid = ?", (uid,))
        if not rows:
            raise not_found("kurstillfälle", uid)
        cr = rows[0]
        modules = self.state.query(
            "SELECT * FROM module WHERE course_round_uid = ? ORDER BY position", (uid,)
        )
        return {
            "Uid": uid,
            "Utbildningskod": cr["code"],
            "Utbildningstillfalleskod": cr["round_code"],
            "Benamning": {"sv": cr["name_sv"], "en": cr["name_en"]},
            "Betygsskala": cr["scale_id"],
            "Versionsnummer": cr["version"],
            "UtbildningsinstansUID": cr["instance_uid"],
            "IngaendeMoment": [
                {
                    "UtbildningsinstansUID": m["uid"],
                    "Utbildningskod": m["code"],
                    "BetygsskalaID": m["scale_id"],
                    "Omfattning": m["credits"],
                    "ResultatrapporteringMojlig": bool(m["reportable"]),
                    "KravPaProjekttitel": False,
                    "Benamning": {"sv": m["name_sv"], "en": m["name_en"]},
                }
                for m in modules
            ],
        }

    def search(self, occasion_uid: str, body: SearchBody) -> dict[str, Any]:
        """One page of study results: rows come pre-rendered (`registration.answer`); only drafts
        and attested results are rendered per request. The total is counted by a second query
        only when the page cannot tell it (a full page, or none)."""
        where, params = _search_filter(occasion_uid, body)
        sql = SEARCH_SQL.format(where=where, order=_order_sql(body.OrderBy, body.Page))
        offset = (body.Page - 1) * body.Limit
        rows = self.state.query(sql, (*params, body.Limit, offset))
        if rows and len(rows) < body.Limit:
            total = offset + len(rows)
        else:
            total = self._count(occasion_uid, where, params, known=bool(rows))
        held = self._results_of([r[1] for r in rows if r[2]])
        page = b"[" + b",".join([_study_result(r[0], held.get(r[1])) for r in rows]) + b"]"
        return {"TotaltAntalPoster": total, "Resultat": orjson.Fragment(page)}

    def _results_of(self, study_result_uids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each study result's `ResultatPaUtbildningar`: an entry per module holding a result."""
        if not study_result_uids:
            return {}
        marks = ",".join("?" * len(study_result_uids))
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.state.query(RESULTS_OF_SQL.format(uids=marks), study_result_uids):
            on_module = found.setdefault(row["study_result_uid"], {}).setdefault(row["module_uid"], {})
            kind = "SenastAttesteradeResultat" if row["attested"] else "Arbetsunderlag"
            on_module[kind] = _result_json(row)
        return {uid: list(modules.values()) for uid, modules in found.items()}

    def _count(self, occasion_uid: str, where: str, params: list[Any], known: bool) -> int:
        """How many rows match; unless the occasion is `known` to exist, a 404 when it does not."""
        if not known and not self.state.query("SELECT 1 FROM occasion WHERE uid = ?", (occasion_uid,)):
            raise not_found("aktivitetstillfälle", occasion_uid)
        return int(self.state.query(COUNT_SQL.format(where=where), params)[0][0])

    def student(self, *, uid: str | None = None, national_id: str | None = None) -> dict[str, Any]:
        """A student by uid or by personnummer (any of its spellings: 10 or 12 digits, a dash)."""
        if uid is not None:
            rows = self.state.query("SELECT * FROM student WHERE uid = ?", (uid,))
        else:
            wanted = _digits(national_id or "")
            rows = self.state.query(
                """SELECT * FROM student WHERE replace(national_id, '-', '') = ?
                   OR (length(?) = 10 AND substr(replace(national_id, '-', ''), 3) = ?)""",
                (wanted, wanted, wanted),
            )
        if not rows:
            raise not_found("student", uid or "with that personnummer")
        row = rows[0]
        return {
            "Uid": row["uid"],
            "ExterntUID": row["uid"],
            "Personnummer": _digits(row["national_id"]),
            "Fornamn": row["first_name"],
            "Efternamn": row["last_name"],
        }

    # -- writing drafts ------------------------------------------------------------------------

    def create_draft(
        self, study_result_uid: str, module_uid: str, body: ResultBody, key: str | None
    ) -> dict[str, Any]:
        with self.state.transaction() as conn:
            if (replay := self.state.recall(key)) is not None:
                return replay
            scale = self._reportable_scale(conn, study_result_uid, module_uid)
            _check_grade(body, scale)
            existing = conn.execute(
                "SELECT uid FROM result WHERE study_result_uid = ? AND module_uid = ? AND attested = 0",
                (study_result_uid, module_uid),
            ).fetchone()
            if existing:
                raise LadokError(
                    409,
                    "commons.fel.grundfel.resultat.arbetsunderlag.finns.redan",
                    f"a draft already exists on module {module_uid} (ResultatUID {existing[0]})",
                )
            uid = str(uuid.uuid4())
            conn.execute(
                INSERT_RESULT,
                (
                    uid,
                    study_result_uid,
                    module_uid,
                    body.Betygsgrad,
                    body.BetygsskalaID,
                    body.Examinationsdatum.isoformat(),
                    _next_token(None),
                ),
            )
            answer = _draft_json(conn, uid)
            self.state.remember(conn, key, answer)
            return answer

    def _reportable_scale(self, conn: sqlite3.Connection, study_result_uid: str, module_uid: str) -> int:
        """The grade scale of a module of the study result's course round (any of its modules,
        not only the one an occasion examines)."""
        row = conn.execute(
            """SELECT m.scale_id, m.reportable FROM registration r JOIN module m
               ON m.course_round_uid = r.course_round_uid AND m.uid = ?
               WHERE r.study_result_uid = ? LIMIT 1""",
            (module_uid, study_result_uid),
        ).fetchone()
        if row is None:
            raise not_found("studieresultat on utbildningsinstans", f"{study_result_uid}/{module_uid}")
        if not row["reportable"]:
            raise LadokError(
                422,
                "commons.fel.grundfel.resultatrapportering.ej.mojlig",
                f"module {module_uid} does not allow reporting results (ResultatrapporteringMojlig false)",
            )
        return int(row["scale_id"])

    def update_draft(self, result_uid: str, body: UpdateBody, key: str | None) -> dict[str, Any]:
        with self.state.transaction() as conn:
            if (replay := self.state.recall(key)) is not None:
                return replay
            row = conn.execute("SELECT * FROM result WHERE uid = ?", (result_uid,)).fetchone()
            if row is None:
                raise not_found("resultat", result_uid)
            if row["attested"]:
                raise LadokError(
                    422,
                    "commons.fel.grundfel.resultat.attesterat",
                    f"result {result_uid} is attested and cannot change",
                )
            _check_grade(body, row["scale_id"])
            if body.SenasteResultatandring != row["changed_at"] or self.faults.conflict():
                raise LadokError(
                    409,
                    STALE,
                    f"SenasteResultatandring {body.SenasteResultatandring} is stale: "
                    f"result {result_uid} changed since it was read",
                )
            conn.execute(
                """UPDATE result SET grade_id = ?, exam_date = ?, version = version + 1,
                   changed_at = ? WHERE uid = ?""",
                (
                    body.Betygsgrad,
                    body.Examinationsdatum.isoformat(),
                    _next_token(row["changed_at"]),
                    result_uid,
                ),
            )
            answer = _draft_json(conn, result_uid)
            self.state.remember(conn, key, answer)
            return answer

    # -- control -------------------------------------------------------------------------------

    def load_term(self, term: Term) -> dict[str, Any]:
        with self.state.transaction() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")
            _insert_term(conn, term)
        return {
            "occasions": [o.uid for o in term.occasions],
            "course_rounds": len(term.course_rounds),
            "students": len(term.students),
            "registrations": len(term.registrations),
        }

    def change_registration(self, change: RegistrationChange) -> dict[str, Any]:
        with self.state.transaction() as conn:
            if not conn.execute("SELECT 1 FROM occasion WHERE uid = ?", (change.occasion_uid,)).fetchone():
                raise not_found("aktivitetstillfälle", change.occasion_uid)
            if not change.registered:
                conn.execute(
                    "DELETE FROM registration WHERE occasion_uid = ? AND student_uid = ?",
                    (change.occasion_uid, change.student_uid),
                )
                return {
                    "occasion_uid": change.occasion_uid,
                    "student_uid": change.student_uid,
                    "registered": False,
                }
            existing = _registration(conn, change.occasion_uid, change.student_uid)
            if existing is None:
                self._register(conn, change)
            registered = _registration(conn, change.occasion_uid, change.student_uid)
            assert registered is not None  # written just now
            return registered | {"registered": True}

    def _register(self, conn: sqlite3.Connection, change: RegistrationChange) -> None:
        student = _student(conn, change)
        rounds = conn.execute(
            """SELECT course_round_uid, module_uid FROM occasion_round
               WHERE occasion_uid = ? ORDER BY position""",
            (change.occasion_uid,),
        ).fetchall()
        chosen = change.course_round_uid or rounds[0][0]
        match = [r for r in rounds if r[0] == chosen]
        if not match:
            raise LadokError(
                422,
                "commons.fel.grundfel.valideringsfel",
                f"course_round_uid {chosen} is not a round of occasion {change.occasion_uid}",
            )
        module_uid = match[0][1]
        scale = conn.execute(
            "SELECT scale_id FROM module WHERE course_round_uid = ? AND uid = ?", (chosen, module_uid)
        ).fetchone()[0]
        known = conn.execute(
            """SELECT study_result_uid FROM registration
               WHERE student_uid = ? AND course_round_uid = ? LIMIT 1""",
            (student["uid"], chosen),
        ).fetchone()
        number = conn.execute("SELECT COALESCE(MAX(code_number), 0) + 1 FROM registration").fetchone()[0]
        prefix = (conn.execute("SELECT value FROM meta WHERE key = 'prefix'").fetchone() or ["EXAM"])[0]
        code = anonymisation_code(prefix, number, "".join(self._random.choices(LETTERS, k=3)))
        conn.execute(
            INSERT_REGISTRATION,
            _with_answer(
                (
                    change.occasion_uid,
                    student["uid"],
                    known[0] if known else str(uuid.uuid4()),
                    chosen,
                    module_uid,
                    scale,
                    number,
                    code,
                    student["first_name"],
                    student["last_name"],
                    student["national_id"],
                )
            ),
        )

    def set_ready(self, result_uid: str) -> dict[str, Any]:
        with self.state.transaction() as conn:
            row = self._draft_row(conn, result_uid)
            conn.execute(
                "UPDATE result SET process_status = 2, version = version + 1, changed_at = ? WHERE uid = ?",
                (_next_token(row["changed_at"]), result_uid),
            )
            return _draft_json(conn, result_uid)

    def attest(self, result_uid: str) -> dict[str, Any]:
        with self.state.transaction() as conn:
            row = self._draft_row(conn, result_uid)
            conn.execute(
                "DELETE FROM result WHERE study_result_uid = ? AND module_uid = ? AND attested = 1",
                (row["study_result_uid"], row["module_uid"]),
            )
            conn.execute(
                "UPDATE result SET attested = 1, process_status = 3, changed_at = ? WHERE uid = ?",
                (_next_token(row["changed_at"]), result_uid),
            )
            return _draft_json(conn, result_uid)

    def _draft_row(self, conn: sqlite3.Connection, result_uid: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM result WHERE uid = ?", (result_uid,)).fetchone()
        if row is None:
            raise not_found("resultat", result_uid)
        if row["attested"]:
            raise LadokError(
                409, "commons.fel.grundfel.resultat.attesterat", f"result {result_uid} is already attested"
            )
        return row

    def results(self, occasion_uid: str) -> list[dict[str, Any]]:
        self.occasion_rounds(occasion_uid)
        rows = self.state.query(
            """SELECT s.uid, s.study_result_uid, r.student_uid, s.module_uid, s.grade_id, s.scale_id,
                      s.exam_date, s.process_status, s.version, s.attested
               FROM registration r JOIN result s
               ON s.study_result_uid = r.study_result_uid AND s.module_uid = r.module_uid
               WHERE r.occasion_uid = ? ORDER BY r.code_number, s.attested""",
            (occasion_uid,),
        )
        return [
            {
                "result_uid": r["uid"],
                "study_result_uid": r["study_result_uid"],
                "student_uid": r["student_uid"],
                "module_uid": r["module_uid"],
                "grade_id": r["grade_id"],
                "grade_code": GRADE_CODES[r["grade_id"]],
                "scale_id": r["scale_id"],
                "exam_date": r["exam_date"],
                "process_status": r["process_status"],
                "version": r["version"],
                "attested": bool(r["attested"]),
            }
            for r in rows
        ]

    def registrations(self, occasion_uid: str) -> list[dict[str, Any]]:
        self.occasion_rounds(occasion_uid)
        rows = self.state.query(
            f"""SELECT {", ".join(REGISTRATION_KEYS)} FROM registration
                WHERE occasion_uid = ? ORDER BY code_number""",
            (occasion_uid,),
        )
        return [dict(zip(REGISTRATION_KEYS, r, strict=True)) for r in rows]

    def set_dates(self, occasion_uid: str, dates: Dates) -> dict[str, Any]:
        """Moves an occasion's `Datumperiod` (the demo's sample exam takes place today); a name
        that carries the old first day (the seeded term's do) carries the new one."""
        if dates.end_date < dates.start_date:
            raise LadokError(422, "commons.fel.grundfel.valideringsfel", "end_date is before start_date")
        with self.state.transaction() as conn:
            row = conn.execute(
                "SELECT name, start_date FROM occasion WHERE uid = ?", (occasion_uid,)
            ).fetchone()
            if not row:
                raise not_found("aktivitetstillfälle", occasion_uid)
            conn.execute(
                "UPDATE occasion SET name = ?, start_date = ?, end_date = ? WHERE uid = ?",
                (
                    row[0].replace(row[1], dates.start_date.isoformat()),
                    dates.start_date.isoformat(),
                    dates.end_date.isoformat(),
                    occasion_uid,
                ),
            )
        return self.occasion(occasion_uid)

    def occasion_uids(self) -> list[str]:
        return [r[0] for r in self.state.query("SELECT uid FROM occasion ORDER BY start_date, uid")]


def _next_token(previous: str | None) -> str:
    """A new `SenasteResultatandring`: the time of the change in Stockholm to the millisecond,
    always later than `previous` so that no two states of a result share a token."""
    now = datetime.now(STOCKHOLM).replace(tzinfo=None)
    if previous:
        try:
            now = max(now, datetime.fromisoformat(previous).replace(tzinfo=None) + timedelta(milliseconds=1))
        except ValueError:
            pass
    return now.isoformat(timespec="milliseconds")


def _order_sql(order_by: Sequence[str], page: int) -> str:
    if not order_by:
        return f"(r.rowid * {7919 * page + 104729}) % 1000003"
    terms = []
    for item in dict.fromkeys(order_by):
        column, direction = item.rsplit("_", 1)
        terms.append(f"{ORDER_COLUMNS[column]} {direction}")
    return ", ".join([*terms, "r.study_result_uid"])


def _check_grade(body: ResultBody, scale: int) -> None:
    if body.BetygsskalaID != scale:
        raise LadokError(
            422,
            "commons.fel.grundfel.betygsskala.felaktig",
            f"BetygsskalaID {body.BetygsskalaID} is not the module's grade scale ({scale})",
        )
    if not is_grade_on_scale(body.Betygsgrad, scale):
        raise LadokError(
            422,
            "commons.fel.grundfel.betygsgrad.felaktig",
            f"Betygsgrad {body.Betygsgrad} is not a grade on scale {scale}",
        )


def _result_json(row: sqlite3.Row) -> dict[str, Any]:
    """A result as Ladok shows it: a draft (`Arbetsunderlag`) with its process status and lock
    token, or an attested result (`SenastAttesteradeResultat`) without them."""
    answer: dict[str, Any] = {
        "Uid": row["uid"],
        "Betygsgrad": row["grade_id"],
        "Betygsgradsobjekt": {"ID": row["grade_id"], "Kod": GRADE_CODES[row["grade_id"]]},
        "BetygsskalaID": row["scale_id"],
        "Examinationsdatum": row["exam_date"],
        "StudieresultatUID": row["study_result_uid"],
        "UtbildningsinstansUID": row["module_uid"],
    }
    if not row["attested"]:
        answer |= {"ProcessStatus": row["process_status"], "SenasteResultatandring": row["changed_at"]}
    return answer


def _search_filter(occasion_uid: str, body: SearchBody) -> tuple[str, list[Any]]:
    """The WHERE clause of a search (over SEARCH_FROM) and its parameters."""
    where = ["r.occasion_uid = ?"]
    params: list[Any] = [occasion_uid]
    if body.KurstillfallenUID:
        where.append(f"r.course_round_uid IN ({','.join('?' * len(body.KurstillfallenUID))})")
        params.extend(body.KurstillfallenUID)
    if body.Filtrering:
        where.append("(" + " OR ".join(STATE_SQL[s] for s in dict.fromkeys(body.Filtrering)) + ")")
    return " AND ".join(where), params


def _answer(reg: dict[str, Any]) -> bytes:
    """A registration's search answer while its study result holds no result. Nothing in it
    changes with results (names are copied at registration), so it is rendered once, when the
    registration is written; it ends with the empty `ResultatPaUtbildningar`'s `[]}` (see
    _study_result)."""
    return orjson.dumps(
        {
            "Uid": reg["study_result_uid"],
            "Student": {
                "Uid": reg["student_uid"],
                "Fornamn": reg["first_name"],
                "Efternamn": reg["last_name"],
            },
            "Rapporteringskontext": {
                "UtbildningsinstansUID": reg["module_uid"],
                "BetygsskalaID": reg["scale_id"],
                "Anonymiseringskod": reg["anonymisation_code"],
                "KurstillfalleUID": reg["course_round_uid"],
            },
            "ResultatPaUtbildningar": [],
        }
    )


def _with_answer(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A registration row in REGISTRATION_COLUMNS order, its pre-rendered answer appended."""
    return (*values, _answer(dict(zip(REGISTRATION_COLUMNS, values, strict=True))))


def _add_answers(state: StateFile) -> None:
    """Brings a state file from before `registration.answer`, or from before its present shape, up
    to date (SCHEMA's CREATE TABLE IF NOT EXISTS leaves an old table as it is): adds the column
    where missing and renders every answer again."""
    has_column = any(column["name"] == "answer" for column in state.query("PRAGMA table_info(registration)"))
    if has_column:
        first = state.query("SELECT answer FROM registration LIMIT 1")
        if not first or bytes(first[0][0]).endswith(b"[]}"):
            return
    with state.transaction() as conn:
        if not has_column:
            conn.execute("ALTER TABLE registration ADD COLUMN answer BLOB NOT NULL DEFAULT x''")
        rows = conn.execute(f"SELECT rowid, {', '.join(REGISTRATION_COLUMNS)} FROM registration")
        conn.executemany(
            "UPDATE registration SET answer = ? WHERE rowid = ?",
            [(_answer(dict(zip(REGISTRATION_COLUMNS, row[1:], strict=True))), row[0]) for row in rows],
        )


def _dates_not_times(state: StateFile) -> None:
    """Brings a state file from when occasions held clock times (`starts_at`, `ends_at`) up to
    date: their Stockholm dates become the occasion's `Datumperiod`."""
    columns = {c["name"] for c in state.query("PRAGMA table_info(occasion)")}
    if "starts_at" not in columns:
        return
    with state.transaction() as conn:
        rows = conn.execute("SELECT uid, name, starts_at, ends_at FROM occasion").fetchall()
        conn.execute("DROP TABLE occasion")
        conn.execute(
            "CREATE TABLE occasion (uid TEXT PRIMARY KEY, name TEXT NOT NULL,"
            " start_date TEXT NOT NULL, end_date TEXT NOT NULL)"
        )
        conn.executemany(
            "INSERT INTO occasion VALUES (?, ?, ?, ?)",
            [(r[0], r[1], _local_day(r[2]), _local_day(r[3])) for r in rows],
        )


def _local_day(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(STOCKHOLM).date().isoformat()


def _study_result(answer: bytes, on_educations: list[dict[str, Any]] | None) -> bytes:
    """One search row as JSON: the pre-rendered answer, its empty `ResultatPaUtbildningar`
    (the closing `[]}`) filled with the study result's results where it has any."""
    if not on_educations:
        return answer
    return answer[:-3] + orjson.dumps(on_educations) + b"}"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _draft_json(conn: sqlite3.Connection, uid: str) -> dict[str, Any]:
    return _result_json(conn.execute("SELECT * FROM result WHERE uid = ?", (uid,)).fetchone())


def _registration(conn: sqlite3.Connection, occasion_uid: str, student_uid: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM registration WHERE occasion_uid = ? AND student_uid = ?", (occasion_uid, student_uid)
    ).fetchone()
    return None if row is None else {k: row[k] for k in REGISTRATION_KEYS}


def _student(conn: sqlite3.Connection, change: RegistrationChange) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM student WHERE uid = ?", (change.student_uid,)).fetchone()
    if row is not None:
        return row
    if not (change.first_name and change.last_name):
        raise LadokError(
            404,
            "commons.fel.grundfel.entitet.saknas",
            f"student {change.student_uid} does not exist (send first_name and last_name to create one)",
        )
    conn.execute(
        "INSERT INTO student VALUES (?, ?, ?, ?, ?)",
        (
            change.student_uid,
            change.first_name,
            change.last_name,
            f"19990101-{change.student_uid[:4]}",
            f"{change.student_uid}@student.example.se",
        ),
    )
    return conn.execute("SELECT * FROM student WHERE uid = ?", (change.student_uid,)).fetchone()


def _insert_term(conn: sqlite3.Connection, term: Term) -> None:
    conn.execute("INSERT INTO meta VALUES ('prefix', ?)", (term.spec.prefix,))
    conn.executemany(
        "INSERT INTO course_round VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (c.uid, c.code, c.round_code, c.instance_uid, c.version, c.name_sv, c.name_en, c.scale_id)
            for c in term.course_rounds
        ],
    )
    conn.executemany(
        "INSERT INTO module VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (c.uid, m.uid, i, m.code, m.name_sv, m.name_en, m.credits, m.scale_id, int(m.reportable))
            for c in term.course_rounds
            for i, m in enumerate(c.modules)
        ],
    )
    module_of = {c.uid: c.modules[0].uid for c in term.course_rounds}
    conn.executemany(
        "INSERT INTO occasion VALUES (?, ?, ?, ?)",
        [(o.uid, o.name, o.day.isoformat(), o.day.isoformat()) for o in term.occasions],
    )
    conn.executemany(
        "INSERT INTO occasion_round VALUES (?, ?, ?, ?)",
        [(o.uid, i, cr, module_of[cr]) for o in term.occasions for i, cr in enumerate(o.course_round_uids)],
    )
    students = {s.uid: s for s in term.students}
    conn.executemany(
        "INSERT INTO student VALUES (?, ?, ?, ?, ?)",
        [(s.uid, s.first_name, s.last_name, s.national_id, s.email) for s in term.students],
    )
    conn.executemany(
        INSERT_REGISTRATION,
        [
            _with_answer(
                (
                    r.occasion_uid,
                    r.student_uid,
                    r.study_result_uid,
                    r.course_round_uid,
                    r.module_uid,
                    r.scale_id,
                    int(r.anonymisation_code.split("-")[-2]),
                    r.anonymisation_code,
                    students[r.student_uid].first_name,
                    students[r.student_uid].last_name,
                    students[r.student_uid].national_id,
                )
            )
            for r in term.registrations
        ],
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts)


def create_app(state_path: Path) -> FastAPI:
    # FastAPI's native OpenTelemetry looks up the global providers on every request; the stand-in
    # reports to none, and the lookup is a measurable share of a sync request's server CPU
    app = FastAPI(title="Ladok stand-in", telemetry={"tracing": False, "metrics": False, "logs": False})
    faults = install_faults(app)
    ladok = LadokStandIn(StateFile(state_path, SCHEMA), faults)
    app.state.ladok = ladok

    @app.exception_handler(LadokError)
    async def ladok_error(request: Request, exc: LadokError) -> Response:
        return ladok_json(error_body(exc.code, exc.message), exc.status)

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        return ladok_json(error_body("commons.fel.grundfel.valideringsfel", _validation_message(exc)), 400)

    _add_sync_routes(app, ladok)
    _add_register_routes(app, ladok)
    _add_control_routes(app, ladok)
    return app


def _add_sync_routes(app: FastAPI, ladok: LadokStandIn) -> None:
    """The registration sync's two requests per occasion, as plain Starlette routes matched first.

    A FastAPI route's dependency solving, and matching past the routes before it, cost more server
    CPU than the answer itself; the sync's stand-in shares its machine with the client. Errors
    still pass through the app's exception handlers, and faults through its middleware."""

    async def rounds_on_occasion(request: Request) -> Response:
        return ladok_json(_rounds_json(ladok.occasion_rounds(request.path_params["uid"])))

    async def search(request: Request) -> Response:
        body = read_body(SearchBody, await request.body(), request.headers.get("content-type"))
        return ladok_json(ladok.search(request.path_params["uid"], body))

    app.router.routes[:0] = [
        Route(
            "/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{uid}",
            rounds_on_occasion,
            methods=["GET"],
        ),
        Route("/resultat/studieresultat/rapportera/aktivitetstillfalle/{uid}/sok", search, methods=["PUT"]),
    ]


def _rounds_json(rounds: list[sqlite3.Row]) -> dict[str, Any]:
    return {
        "Utbildningstillfalle": [
            {"Uid": r["uid"], "Utbildningskod": r["code"], "Utbildningstillfalleskod": r["round_code"]}
            for r in rounds
        ]
    }


def read_body(model: type[M], raw: bytes, content_type: str | None) -> M:
    """`model` read from a request body as FastAPI reads a body parameter, its 400s included.

    A JSON body is validated straight from bytes; a failure takes FastAPI's own steps
    (fastapi.routing.get_request_handler) so that its error names the same fields with the same
    messages, and so do no body, a JSON `null` and another media type."""
    if not raw:
        raise _missing_body()
    if not _is_json(content_type):
        return _validated(model, raw)  # FastAPI hands the bytes themselves to the model
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        pass  # named below, as FastAPI names it
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
        raise RequestValidationError([error | {"input": {}, "ctx": {"error": exc.msg}}]) from exc
    except ValueError as exc:  # not UTF-8, say: FastAPI answers so
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
    if body is None:
        raise _missing_body()
    return _validated(model, body)


def _validated(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body, from_attributes=True)  # as FastAPI's TypeAdapter does
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([e | {"loc": ("body", *e["loc"])} for e in errors]) from exc


def _missing_body() -> RequestValidationError:
    return RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])


def _is_json(content_type: str | None) -> bool:
    """FastAPI's test of a body's media type: application/json or application/*+json."""
    main_type, _, subtype = (content_type or "").partition(";")[0].strip().lower().partition("/")
    return main_type == "application" and (subtype == "json" or subtype.endswith("+json"))


def _student_json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=MEDIA_STUDENT)


def _add_register_routes(app: FastAPI, ladok: LadokStandIn) -> None:
    @app.get("/resultat/aktivitetstillfalle/{uid}")
    async def get_occasion(uid: str) -> Response:
        return ladok_json(ladok.occasion(uid))

    @app.get("/studentinformation/student/personnummer/{national_id}")
    async def student_by_national_id(national_id: str) -> Response:
        return _student_json(ladok.student(national_id=national_id))

    @app.get("/studentinformation/student/{uid}")
    async def student_by_uid(uid: str) -> Response:
        return _student_json(ladok.student(uid=uid))

    @app.get("/resultat/kurstillfalle/{uid}/moment")
    async def get_course_round(uid: str) -> Response:
        return ladok_json(ladok.course_round(uid))

    @app.post("/resultat/studieresultat/{study_result_uid}/utbildning/{module_uid}/resultat")
    async def create_draft(
        study_result_uid: str,
        module_uid: str,
        body: ResultBody,
        idempotency_key: str | None = Header(None),
    ) -> Response:
        key = idempotency_key and f"create:{study_result_uid}:{module_uid}:{idempotency_key}"
        return ladok_json(ladok.create_draft(study_result_uid, module_uid, body, key))

    @app.put("/resultat/studieresultat/resultat/{result_uid}/")
    async def update_draft(
        result_uid: str, body: UpdateBody, idempotency_key: str | None = Header(None)
    ) -> Response:
        key = idempotency_key and f"update:{result_uid}:{idempotency_key}"
        return ladok_json(ladok.update_draft(result_uid, body, key))


def _add_control_routes(app: FastAPI, ladok: LadokStandIn) -> None:
    @app.post("/_sim/term")
    def load_term(spec: TermSpec) -> Response:
        return ladok_json(ladok.load_term(generate_term(spec)))

    @app.post("/_sim/registrations")
    def change_registration(change: RegistrationChange) -> Response:
        return ladok_json(ladok.change_registration(change))

    @app.get("/_sim/registrations")
    def list_registrations(occasion: str) -> Response:
        return ladok_json(ladok.registrations(occasion))

    @app.post("/_sim/ready/{result_uid}")
    def mark_ready(result_uid: str) -> Response:
        return ladok_json(ladok.set_ready(result_uid))

    @app.post("/_sim/attest/{result_uid}")
    def attest(result_uid: str) -> Response:
        return ladok_json(ladok.attest(result_uid))

    @app.get("/_sim/results")
    def list_results(occasion: str) -> Response:
        return ladok_json(ladok.results(occasion))

    @app.post("/_sim/occasions/{uid}/dates")
    def set_dates(uid: str, dates: Dates) -> Response:
        return ladok_json(ladok.set_dates(uid, dates))

    @app.get("/_sim/occasions")
    def list_occasions() -> Response:
        return ladok_json({"occasions": ladok.occasion_uids()})


if __name__ == "__main__":
    main(LADOK, create_app)
