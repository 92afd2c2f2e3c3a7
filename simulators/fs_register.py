"""The FS stand-in's register of exams: assessment units, registrations, accommodations and the
student events, in the shape of FS's published GraphQL schema (a subset of its types and fields,
each spelled as FS spells it; tests/contracts/fs/README.md names the sources).

- `vurderingsenheter(eierOrganisasjonskode, termin, emnekoder, first, after)` (Relay paged) and
  `node(id)` / `nodes(ids)` read units (`Vurderingsenhet`: `emne`, `vurderingsvarighet` with
  `eksamensdatoer` and `innleveringsfrist`, `vurderingsmeldinger`);
- a registration (`Vurderingsmelding`) names its student (`studentVedLarested`) and carries the
  candidate number FS gave (`kandidatinformasjon[].kandidatnummer`);
- `StudentVedLarested.eksamenstilpasningssoknader`: applications for accommodations (`innvilget`,
  `ekstratid` as an ISO 8601 duration, `eksamensrom`, `utstyr`);
- `studenterGittStudentnumre` / `studenterGittFodselsnumre` look students up;
- `studenthendelser(filter: {eierOrganisasjonskode, hendelsestype}, first, after)`: the events
  `VURDERINGSMELDT` and `VURDERINGSMELDING_SLETTET`, oldest first.

Every field here is experimental in FS: without `Feature-Flags: experimental` the queries answer
null or an empty page. Ids are opaque base64 strings, as FS's are (their text is modelled).
- `Vurderingsenhet.resultater`: the recorded results (`Resultat`: `kandidatnummer` an Int,
  `karakter.navn.nob`, `gyldig`), as the platform's transfer or an imported protocol left them.

`/_sim/vurderingsenheter/{id}` (PUT) seeds a unit with its registrations, `/_sim/.../vurderingsmeldinger`
(POST) registers one more and `/_sim/vurderingsmeldinger/{id}` (DELETE) withdraws one; both are
recorded as student events. `/_sim/vurderingsenheter/{id}/resultater` (POST) records results as FS's
own imports do (from the exam platform, or a protocol file the exam office imports: FS's import is
not public API); a result replaced for a candidate number stays, no longer valid, and a candidate
number not registered on the unit is refused (answered in `refused`).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from pydantic import BaseModel, ConfigDict, Field

from simulators.statefile import StateFile

SDL = """
scalar DateTime
scalar Time
scalar Duration
scalar BigDecimal

interface Node { id: ID! }

enum Termintype { VAR SOM HOST }
enum Studenthendelsestype { VURDERINGSMELDT VURDERINGSMELDING_SLETTET }

input TerminInput { arstall: Int! termintype: Termintype! }
input EmnekodeInput { emnekode: String! versjonskode: String! }
input StudenthendelseFilter { eierOrganisasjonskode: String! hendelsestype: [Studenthendelsestype!]! }

type EmnenavnAlleSprak { en: String nb: String! nn: String }
type EmneVekting { verdi: BigDecimal }
type EmneVektingsinformasjon { emnevekting: EmneVekting }
type Emne implements Node {
  id: ID!
  kode: String
  versjonskode: String
  navnAlleSprak: EmnenavnAlleSprak
  vekting: EmneVektingsinformasjon
}

type Eksamensdatoer { startDato: Date sluttDato: Date }
type Innleveringsfrist { dato: Date klokkeslett: Time }
type Vurderingsvarighet {
  eksamensdatoer: Eksamensdatoer
  startklokkeslett: Time
  innleveringsfrist: Innleveringsfrist
}

type Personnavn { fornavn: String etternavn: String }
type PersonProfil implements Node { id: ID! navn: Personnavn fodselsnummer: String }
type Romnavn { und: String! }
type Rom implements Node { id: ID! kode: String! navn: Romnavn }
type Romutstyrtypenavn { nob: String! nno: String eng: String }
type Romutstyrtype implements Node { id: ID! navn: Romutstyrtypenavn! felleskode: Boolean! }
type Eksamenstilpasningsutstyr implements Node { id: ID! typeUtstyr: Romutstyrtype! }
type Eksamenstilpasningssoknad implements Node {
  id: ID!
  vurderingsmelding: Vurderingsmelding!
  soknadsdato: Date
  utstyr: [Eksamenstilpasningsutstyr!]!
  innvilget: Boolean
  eksamensrom: Rom
  ekstratid: Duration
}
type StudentVedLarested implements Node {
  id: ID!
  studentnummer: String!
  navn: Personnavn
  personProfil: PersonProfil
  vurderingsmeldinger: [Vurderingsmelding!]!
  eksamenstilpasningssoknader: [Eksamenstilpasningssoknad!]!
}
type Kandidatinformasjon { id: ID! kandidatnummer: String student: StudentVedLarested }
type Vurderingsmelding implements Node {
  id: ID!
  vurderingsenhet: Vurderingsenhet!
  emne: Emne!
  studentVedLarested: StudentVedLarested!
  kandidatinformasjon: [Kandidatinformasjon!]!
}

type QueryVurderingsenheterConnectionEdge { cursor: String node: Vurderingsenhet }
type QueryVurderingsenheterConnection {
  edges: [QueryVurderingsenheterConnectionEdge]
  pageInfo: PageInfo
  nodes: [Vurderingsenhet]
  totalCount: Int
}

interface Studenthendelse { id: ID! hendelsestype: String tidspunkt: DateTime student: StudentVedLarested }
type StudentVurderingsmeldt implements Studenthendelse {
  id: ID! hendelsestype: String tidspunkt: DateTime student: StudentVedLarested
  vurderingsmelding: Vurderingsmelding
}
type StudentVurderingsmeldingSlettet implements Studenthendelse {
  id: ID! hendelsestype: String tidspunkt: DateTime student: StudentVedLarested
  vurderingsmeldingId: ID
}
type QueryStudenthendelserConnectionEdge { cursor: String node: Studenthendelse }
type QueryStudenthendelserConnection {
  edges: [QueryStudenthendelserConnectionEdge]
  pageInfo: PageInfo
  nodes: [Studenthendelse]
  totalCount: Int
}

extend type Query {
  node(id: ID!): Node
  nodes(ids: [ID!]): [Node]
  vurderingsenheter(
    eierOrganisasjonskode: String!, termin: TerminInput, emnekoder: [EmnekodeInput!], first: Int = 100, after: String
  ): QueryVurderingsenheterConnection
  studenterGittStudentnumre(eierOrganisasjonskode: String!, studentnumre: [String!]!): [StudentVedLarested]
  studenterGittFodselsnumre(eierOrganisasjonskode: String!, fodselsnumre: [String!]!): [StudentVedLarested]
  studenthendelser(filter: StudenthendelseFilter!, first: Int = 100, after: String): QueryStudenthendelserConnection
}

type Karakternavn { eng: String nob: String! nno: String }
type KarakterResultat { bokstavEllerUgradert: Boolean navn: Karakternavn tall: BigDecimal }
type Resultat implements Node {
  id: ID!
  emne: Emne!
  kandidatnummer: Int
  vurderingsenhet: Vurderingsenhet
  karakter: KarakterResultat
  gyldig: Boolean!
  erKunngjort: Boolean
  tidspunktOpprettet: DateTime
  vurderingsoppbygningsdelskode: String!
}

extend type Vurderingsenhet implements Node {
  emne: Emne!
  vurderingsvarighet: Vurderingsvarighet
  vurderingsmeldinger: [Vurderingsmelding!]!
  antallKandidater: Int
  resultater: [Resultat]
}
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS fs_enhet (
    id TEXT PRIMARY KEY, eier TEXT NOT NULL, emne_id TEXT NOT NULL, emnekode TEXT NOT NULL,
    versjonskode TEXT NOT NULL, emnenavn TEXT NOT NULL, studiepoeng REAL, arstall INTEGER NOT NULL,
    termintype TEXT NOT NULL, start_dato TEXT, slutt_dato TEXT, frist_dato TEXT, frist_klokkeslett TEXT);
CREATE TABLE IF NOT EXISTS fs_student (
    studentnummer TEXT PRIMARY KEY, fornavn TEXT NOT NULL, etternavn TEXT NOT NULL, fodselsnummer TEXT);
CREATE TABLE IF NOT EXISTS fs_melding (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, enhet_id TEXT NOT NULL,
    studentnummer TEXT NOT NULL, kandidatnummer TEXT);
CREATE TABLE IF NOT EXISTS fs_tilpasning (
    id TEXT PRIMARY KEY, melding_id TEXT NOT NULL, innvilget INTEGER, ekstratid TEXT, rom TEXT,
    utstyr TEXT NOT NULL DEFAULT '[]', soknadsdato TEXT);
CREATE TABLE IF NOT EXISTS fs_resultat (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, enhet_id TEXT NOT NULL,
    kandidatnummer INTEGER NOT NULL, karakter TEXT NOT NULL, gyldig INTEGER NOT NULL,
    tidspunkt TEXT NOT NULL, kilde TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fs_hendelse (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, eier TEXT NOT NULL, hendelsestype TEXT NOT NULL,
    tidspunkt TEXT NOT NULL, studentnummer TEXT NOT NULL, melding_id TEXT NOT NULL);
"""
MAX_PAGE = 100


def opaque(kind: str, key: str) -> str:
    """An id in FS's manner: base64 of the type and its key (the text is modelled)."""
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


class Tilpasning(BaseModel):
    model_config = ConfigDict(extra="forbid")

    innvilget: bool | None = True
    ekstratid: str | None = Field(None, pattern=r"^PT(\d+H)?(\d+M)?$", description="ISO 8601, e.g. PT30M")
    eksamensrom: str | None = None
    utstyr: list[str] = []
    soknadsdato: date | None = None


class NyMelding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    studentnummer: str = Field(min_length=1, max_length=32)
    fornavn: str = ""
    etternavn: str = ""
    fodselsnummer: str | None = None
    kandidatnummer: str | None = Field(None, description="left out: the registration has none yet")
    tilpasning: Tilpasning | None = None


class Emnedata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kode: str = Field(min_length=1)
    versjonskode: str = "1"
    navn: str = ""
    studiepoeng: float | None = None


class Enhet(BaseModel):
    """What `PUT /_sim/vurderingsenheter/{id}` sets: the unit, and registrations to add."""

    model_config = ConfigDict(extra="forbid")

    eier: str = "186"
    emne: Emnedata
    arstall: int
    termintype: Literal["VAR", "SOM", "HOST"]
    startDato: date
    sluttDato: date | None = None
    innleveringsfristDato: date | None = None
    innleveringsfristKlokkeslett: time | None = None
    vurderingsmeldinger: list[NyMelding] = []


class NyttResultat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kandidatnummer: int = Field(ge=1, description="FS's candidate number: an Int on `Resultat`")
    karakter: str = Field(min_length=1, max_length=32, description="the grade's name, e.g. B or Bestått")


class Resultater(BaseModel):
    """What `POST /_sim/vurderingsenheter/{id}/resultater` records: results delivered by the exam
    platform's transfer (`kilde` sensursystem) or imported by the exam office (protokoll)."""

    model_config = ConfigDict(extra="forbid")

    kilde: Literal["sensursystem", "protokoll"] = "sensursystem"
    resultater: list[NyttResultat]


class Register:
    """The register's behaviour over the FS stand-in's state; the resolvers only translate."""

    def __init__(self, state: StateFile, experimental: Any) -> None:
        self.state = state
        self.experimental = experimental  # info → bool: did the caller switch experimental on

    # --- seeding -----------------------------------------------------------------------------
    def put_unit(self, unit_id: str, enhet: Enhet) -> dict[str, Any]:
        emne_id = opaque("Emne", f"{enhet.eier},{enhet.emne.kode},{enhet.emne.versjonskode}")
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO vurderingsenhet (id, klagesystem, begrunnelsesystem) VALUES (?, 'FS', 'FS')",
                (unit_id,),
            )
            conn.execute(
                "INSERT OR REPLACE INTO fs_enhet VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    unit_id, enhet.eier, emne_id, enhet.emne.kode, enhet.emne.versjonskode,
                    enhet.emne.navn, enhet.emne.studiepoeng, enhet.arstall, enhet.termintype,
                    enhet.startDato.isoformat(), _iso(enhet.sluttDato), _iso(enhet.innleveringsfristDato),
                    _iso(enhet.innleveringsfristKlokkeslett),
                ),
            )  # fmt: skip
            ids = [self._add(conn, unit_id, enhet.eier, melding) for melding in enhet.vurderingsmeldinger]
        return {"id": unit_id, "emne": emne_id, "vurderingsmeldinger": ids}

    def add_registration(self, unit_id: str, melding: NyMelding) -> str | None:
        rows = self.state.query("SELECT eier FROM fs_enhet WHERE id = ?", (unit_id,))
        if not rows:
            return None
        with self.state.transaction() as conn:
            return self._add(conn, unit_id, rows[0]["eier"], melding)

    def withdraw(self, melding_id: str) -> bool:
        rows = self.state.query(
            "SELECT m.studentnummer, e.eier FROM fs_melding m JOIN fs_enhet e ON e.id = m.enhet_id WHERE m.id = ?",
            (melding_id,),
        )
        if not rows:
            return False
        with self.state.transaction() as conn:
            conn.execute("DELETE FROM fs_tilpasning WHERE melding_id = ?", (melding_id,))
            conn.execute("DELETE FROM fs_melding WHERE id = ?", (melding_id,))
            _event(conn, rows[0]["eier"], "VURDERINGSMELDING_SLETTET", rows[0]["studentnummer"], melding_id)
        return True

    def _add(self, conn: Any, unit_id: str, owner: str, melding: NyMelding) -> str:
        conn.execute(
            "INSERT INTO fs_student VALUES (?, ?, ?, ?) ON CONFLICT (studentnummer) DO UPDATE SET "
            "fornavn = excluded.fornavn, etternavn = excluded.etternavn, fodselsnummer = excluded.fodselsnummer",
            (melding.studentnummer, melding.fornavn, melding.etternavn, melding.fodselsnummer),
        )
        melding_id = opaque("Vurderingsmelding", str(uuid.uuid4()))
        conn.execute(
            "INSERT INTO fs_melding (id, enhet_id, studentnummer, kandidatnummer) VALUES (?, ?, ?, ?)",
            (melding_id, unit_id, melding.studentnummer, melding.kandidatnummer),
        )
        if (t := melding.tilpasning) is not None:
            conn.execute(
                "INSERT INTO fs_tilpasning VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    opaque("Eksamenstilpasningssoknad", str(uuid.uuid4())), melding_id,
                    None if t.innvilget is None else int(t.innvilget), t.ekstratid, t.eksamensrom,
                    json.dumps(t.utstyr), _iso(t.soknadsdato),
                ),
            )  # fmt: skip
        _event(conn, owner, "VURDERINGSMELDT", melding.studentnummer, melding_id)
        return melding_id

    def record_results(self, unit_id: str, body: Resultater) -> dict[str, list[Any]] | None:
        """Records each result as the unit's valid one for its candidate number, the one it
        replaces kept as no longer valid; a number not registered on the unit is refused. None for
        a unit FS does not hold."""
        if not self.state.query("SELECT 1 FROM fs_enhet WHERE id = ?", (unit_id,)):
            return None
        rows = self.state.query("SELECT kandidatnummer FROM fs_melding WHERE enhet_id = ?", (unit_id,))
        registered = {int(r["kandidatnummer"]) for r in rows if (r["kandidatnummer"] or "").isdigit()}
        at = datetime.now(UTC).isoformat(timespec="milliseconds")
        ids, refused = [], []
        with self.state.transaction() as conn:
            for r in body.resultater:
                if r.kandidatnummer not in registered:
                    refused.append(r.kandidatnummer)
                    continue
                conn.execute(
                    "UPDATE fs_resultat SET gyldig = 0 WHERE enhet_id = ? AND kandidatnummer = ?",
                    (unit_id, r.kandidatnummer),
                )
                result_id = opaque("Resultat", str(uuid.uuid4()))
                conn.execute(
                    "INSERT INTO fs_resultat (id, enhet_id, kandidatnummer, karakter, gyldig, tidspunkt, kilde) "
                    "VALUES (?, ?, ?, ?, 1, ?, ?)",
                    (result_id, unit_id, r.kandidatnummer, r.karakter, at, body.kilde),
                )
                ids.append(result_id)
        return {"ids": ids, "refused": refused}

    # --- reading -----------------------------------------------------------------------------
    def node(self, _root: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        if not self.experimental(info):
            return None
        return self._unit(id) or self._emne(id) or self._melding(id)

    def nodes(self, _root: Any, info: GraphQLResolveInfo, ids: list[str] | None = None) -> list[Any]:
        return [self.node(None, info, i) for i in ids or []]

    def units(
        self,
        _root: Any,
        info: GraphQLResolveInfo,
        eierOrganisasjonskode: str,
        termin: dict[str, Any] | None = None,
        emnekoder: list[dict[str, str]] | None = None,
        first: int = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any] | None:
        if not self.experimental(info):
            return _page([], 0, first)
        where, args = ["eier = ?"], [eierOrganisasjonskode]
        if termin:
            where.append("arstall = ? AND termintype = ?")
            args += [termin["arstall"], termin["termintype"]]
        if emnekoder:
            pairs = " OR ".join("(emnekode = ? AND versjonskode = ?)" for _ in emnekoder)
            where.append(f"({pairs})")
            args += [v for e in emnekoder for v in (e["emnekode"], e["versjonskode"])]
        rows = self.state.query(
            f"SELECT rowid AS seq, id FROM fs_enhet WHERE {' AND '.join(where)} ORDER BY rowid", args
        )
        start = _after(after, "enhet")
        chosen = [r for r in rows if r["seq"] > start]
        edges = [{"cursor": _cursor("enhet", r["seq"]), "node": self._unit(r["id"])} for r in chosen[:first]]
        return _page(edges, len(rows), first, more=len(chosen) > first)

    def students(
        self, _root: Any, info: GraphQLResolveInfo, eierOrganisasjonskode: str, **asked: list[str]
    ) -> list[Any]:
        if not self.experimental(info):
            return []
        column, values = (
            ("studentnummer", asked["studentnumre"])
            if "studentnumre" in asked
            else ("fodselsnummer", asked["fodselsnumre"])
        )
        marks = ",".join("?" for _ in values) or "NULL"
        rows = self.state.query(f"SELECT * FROM fs_student WHERE {column} IN ({marks})", values)
        return [_student(r) for r in rows]

    def events(
        self,
        _root: Any,
        info: GraphQLResolveInfo,
        filter: dict[str, Any],
        first: int = MAX_PAGE,
        after: str | None = None,
    ) -> dict[str, Any] | None:
        if not self.experimental(info):
            return None
        _check_first(first)
        kinds = filter["hendelsestype"] or ["-"]
        where = f"eier = ? AND hendelsestype IN ({','.join('?' for _ in kinds)})"
        args = [filter["eierOrganisasjonskode"], *kinds]
        total = self.state.query(f"SELECT COUNT(*) AS n FROM fs_hendelse WHERE {where}", args)[0]["n"]
        rows = self.state.query(
            f"SELECT * FROM fs_hendelse WHERE {where} AND seq > ? ORDER BY seq LIMIT ?",
            [*args, _after(after, "hendelse"), first + 1],
        )
        edges = [{"cursor": _cursor("hendelse", r["seq"]), "node": self._event(r)} for r in rows[:first]]
        return _page(edges, total, first, more=len(rows) > first)

    def registrations(self, unit: dict[str, Any], _info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        rows = self.state.query("SELECT id FROM fs_melding WHERE enhet_id = ? ORDER BY seq", (unit["id"],))
        return [m for r in rows if (m := self._melding(r["id"])) is not None]

    def results(self, unit: dict[str, Any], _info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        rows = self.state.query("SELECT * FROM fs_resultat WHERE enhet_id = ? ORDER BY seq", (unit["id"],))
        return [self._result(unit, r) for r in rows]

    def _result(self, unit: dict[str, Any], r: Any) -> dict[str, Any]:
        grade = r["karakter"]
        return {
            "__typename": "Resultat",
            "id": r["id"],
            "emne": unit["emne"],
            "kandidatnummer": r["kandidatnummer"],
            "vurderingsenhet": unit,
            "karakter": {
                "bokstavEllerUgradert": True,
                "navn": {"nob": grade, "eng": None, "nno": None},
                "tall": None,
            },
            "gyldig": bool(r["gyldig"]),
            "erKunngjort": False,
            "tidspunktOpprettet": r["tidspunkt"],
            "vurderingsoppbygningsdelskode": "EKS",
        }

    def applications(self, student: dict[str, Any], _info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        rows = self.state.query(
            "SELECT t.* FROM fs_tilpasning t JOIN fs_melding m ON m.id = t.melding_id "
            "WHERE m.studentnummer = ? ORDER BY t.rowid",
            (student["studentnummer"],),
        )
        return [self._application(r) for r in rows]

    def unit_of(self, melding: dict[str, Any], _info: GraphQLResolveInfo) -> dict[str, Any] | None:
        return self._unit(melding["_enhet"])

    def _unit(self, unit_id: str) -> dict[str, Any] | None:
        rows = self.state.query(
            "SELECT e.*, v.sensurfrist, v.kunngjoringsdato, v.klagesystem, v.begrunnelsesystem, "
            "(SELECT COUNT(*) FROM fs_melding m WHERE m.enhet_id = e.id) AS antall "
            "FROM fs_enhet e JOIN vurderingsenhet v ON v.id = e.id WHERE e.id = ?",
            (unit_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "__typename": "Vurderingsenhet",
            "id": r["id"],
            "emne": _emne(r),
            "vurderingsvarighet": {
                "eksamensdatoer": {"startDato": r["start_dato"], "sluttDato": r["slutt_dato"]},
                "startklokkeslett": None,
                "innleveringsfrist": {"dato": r["frist_dato"], "klokkeslett": r["frist_klokkeslett"]}
                if r["frist_dato"]
                else None,
            },
            "antallKandidater": r["antall"],
            **{k: r[k] for k in ("sensurfrist", "kunngjoringsdato", "klagesystem", "begrunnelsesystem")},
        }

    def _emne(self, emne_id: str) -> dict[str, Any] | None:
        rows = self.state.query("SELECT * FROM fs_enhet WHERE emne_id = ? LIMIT 1", (emne_id,))
        return _emne(rows[0]) if rows else None

    def _melding(self, melding_id: str) -> dict[str, Any] | None:
        rows = self.state.query(
            "SELECT m.*, e.emne_id, e.emnekode, e.versjonskode, e.emnenavn, e.studiepoeng, s.fornavn, "
            "s.etternavn, s.fodselsnummer FROM fs_melding m JOIN fs_enhet e ON e.id = m.enhet_id "
            "JOIN fs_student s ON s.studentnummer = m.studentnummer WHERE m.id = ?",
            (melding_id,),
        )
        if not rows:
            return None
        r = rows[0]
        student = _student(r)
        numbers = [r["kandidatnummer"]] if r["kandidatnummer"] else []
        return {
            "__typename": "Vurderingsmelding",
            "id": r["id"],
            "_enhet": r["enhet_id"],
            "emne": _emne(r),
            "studentVedLarested": student,
            "kandidatinformasjon": [
                {"id": opaque("Kandidatinformasjon", r["id"]), "kandidatnummer": n, "student": student}
                for n in numbers
            ],
        }

    def _application(self, r: Any) -> dict[str, Any]:
        return {
            "__typename": "Eksamenstilpasningssoknad",
            "id": r["id"],
            "vurderingsmelding": self._melding(r["melding_id"]),
            "soknadsdato": r["soknadsdato"],
            "innvilget": None if r["innvilget"] is None else bool(r["innvilget"]),
            "ekstratid": r["ekstratid"],
            "eksamensrom": {"id": opaque("Rom", r["rom"]), "kode": r["rom"], "navn": {"und": r["rom"]}}
            if r["rom"]
            else None,
            "utstyr": [
                {
                    "id": opaque("Eksamenstilpasningsutstyr", f"{r['id']}:{name}"),
                    "typeUtstyr": {
                        "id": opaque("Romutstyrtype", name),
                        "navn": {"nob": name},
                        "felleskode": False,
                    },
                }
                for name in json.loads(r["utstyr"])
            ],
        }

    def _event(self, r: Any) -> dict[str, Any]:
        rows = self.state.query("SELECT * FROM fs_student WHERE studentnummer = ?", (r["studentnummer"],))
        event: dict[str, Any] = {
            "id": opaque("Studenthendelse", str(r["seq"])),
            "hendelsestype": r["hendelsestype"],
            "tidspunkt": r["tidspunkt"],
            "student": _student(rows[0]) if rows else None,
        }
        if r["hendelsestype"] == "VURDERINGSMELDT":
            return {
                **event,
                "__typename": "StudentVurderingsmeldt",
                "vurderingsmelding": self._melding(r["melding_id"]),
            }
        return {
            **event,
            "__typename": "StudentVurderingsmeldingSlettet",
            "vurderingsmeldingId": r["melding_id"],
        }


def attach(schema: GraphQLSchema, register: Register) -> None:
    """The register's resolvers on the stand-in's schema; other fields read their dict key."""
    query = schema.query_type
    assert query is not None
    query.fields["node"].resolve = register.node
    query.fields["nodes"].resolve = register.nodes
    query.fields["vurderingsenheter"].resolve = register.units
    query.fields["studenterGittStudentnumre"].resolve = register.students
    query.fields["studenterGittFodselsnumre"].resolve = register.students
    query.fields["studenthendelser"].resolve = register.events
    _type(schema, "Vurderingsenhet").fields["vurderingsmeldinger"].resolve = register.registrations
    _type(schema, "Vurderingsenhet").fields["resultater"].resolve = register.results
    _type(schema, "StudentVedLarested").fields["eksamenstilpasningssoknader"].resolve = register.applications
    _type(schema, "StudentVedLarested").fields["vurderingsmeldinger"].resolve = lambda s, i: []
    _type(schema, "Vurderingsmelding").fields["vurderingsenhet"].resolve = register.unit_of


def _type(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


def _event(conn: Any, owner: str, kind: str, student: str, melding_id: str) -> None:
    conn.execute(
        "INSERT INTO fs_hendelse (eier, hendelsestype, tidspunkt, studentnummer, melding_id) VALUES (?, ?, ?, ?, ?)",
        (owner, kind, datetime.now(UTC).isoformat(timespec="milliseconds"), student, melding_id),
    )


def _emne(r: Any) -> dict[str, Any]:
    return {
        "__typename": "Emne",
        "id": r["emne_id"],
        "kode": r["emnekode"],
        "versjonskode": r["versjonskode"],
        "navnAlleSprak": {"nb": r["emnenavn"], "en": None, "nn": None},
        "vekting": {"emnevekting": {"verdi": r["studiepoeng"]}},
    }


def _student(r: Any) -> dict[str, Any]:
    navn = {"fornavn": r["fornavn"], "etternavn": r["etternavn"]}
    return {
        "__typename": "StudentVedLarested",
        "id": opaque("StudentVedLarested", r["studentnummer"]),
        "studentnummer": r["studentnummer"],
        "navn": navn,
        "personProfil": {
            "id": opaque("PersonProfil", r["studentnummer"]),
            "navn": navn,
            "fodselsnummer": r["fodselsnummer"],
        },
    }


def _page(edges: list[dict[str, Any]], total: int, first: int, *, more: bool = False) -> dict[str, Any]:
    _check_first(first)
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": more,
            "hasPreviousPage": False,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "totalCount": total,
    }


def _check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise GraphQLError(f"first must be 1 to {MAX_PAGE}, not {first}", extensions={"code": "UgyldigInput"})


def _cursor(kind: str, seq: int) -> str:
    return base64.b64encode(f"{kind}:{seq}".encode()).decode()


def _after(after: str | None, kind: str) -> int:
    if after is None:
        return 0
    try:
        prefix, _, seq = base64.b64decode(after, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        prefix, seq = "", ""
    if prefix != kind or not seq.isdigit():
        raise GraphQLError(
            f"the cursor {after!r} is not one this server gave", extensions={"code": "UgyldigInput"}
        )
    return int(seq)


def _iso(value: date | time | None) -> str | None:
    return None if value is None else value.isoformat()
