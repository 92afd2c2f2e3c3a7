"""An FS-style student register (Norway) on loopback: one GraphQL endpoint, `POST /graphql/`.

As docs/integrations.md ("FS") describes FS's API: Basic auth with an API user (anything else is answered 401),
the `Feature-Flags: beta, experimental` header without which the experimental exam fields come
back empty, Relay-style forward paging (`first`, `after` → `edges{cursor, node}`, `nodes`,
`pageInfo{hasNextPage, endCursor}`, `totalCount`) and errors in GraphQL's `errors` shape, with
FS's error types (`UgyldigId`, `UgyldigInput`) under `extensions.code`. The schema below is
parsed and executed by graphql-core, so a query is checked as a GraphQL server checks it.

Unverified: FS publishes no fields carrying requests for a justification (begrunnelse) or
appeals (klage). These are modelled on FS's naming, and all of them are experimental here:

- `vurderingsenhet(id)` reads one assessment unit (the public query is `vurderingsenheter` by
  organisation, term and course); its id is the occasion uid examflow plans the exam under;
- `sensurinformasjon` in FS's published shape (systems as `Vurderingssystem`, the deadline and the
  announcement as `DateTime`, `kommisjoner` with each grader's `sensoroppdrag`); the role codes
  `INTERN` and `EKSTERN` are modelled;
- `begrunnelsesforesporsler(first, after)` and `klager(first, after)`: nodes with `id`,
  `kandidatnummer` (the anonymous candidate number, examflow's anonymisation code) and
  `mottattDato`; a klage also says whether a begrunnelse was asked first
  (`begrunnelseForespurt`);
- a cursor is opaque (base64 of a sequence number); `first` is 1..100, 100 when left out;
- the appeal and the justification the faculty registers, and the old result marked under appeal
  until the new grading is registered: `simulators/fs_appeals.py`.

`/_sim/...` seeds an assessment unit's grading information and requests (and the shared faults).
State lives in a SQLite StateFile and survives a restart.

    python -m simulators.fs --port 8750 --state FILE
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, build_schema, graphql_sync
from pydantic import BaseModel, ConfigDict, Field

from models.settings import settings_from_env
from models.systems import FS
from simulators import fs_appeals, fs_register
from simulators.faults import install_faults
from simulators.server import main
from simulators.statefile import StateFile

GRAPHQL = "/graphql/"
MAX_PAGE = 100
EXPERIMENTAL = "experimental"
Kind = Literal["begrunnelse", "klage"]

SDL = """
scalar Date

type Query {
  vurderingsenhet(id: ID!): Vurderingsenhet
}

type Vurderingsenhet {
  id: ID!
  sensurinformasjon: Sensurinformasjon
  begrunnelsesforesporsler(first: Int, after: String): BegrunnelsesforesporselConnection!
  klager(first: Int, after: String): KlageConnection!
}

type Vurderingssystemnavn { eng: String nob: String! nno: String }
type Vurderingssystem { id: ID! kode: String! navn: Vurderingssystemnavn! }
type Sensorrolle { id: ID! rollekode: String! }
type FagpersonVedLarested { id: ID! feideBruker: String navn: Personnavn }
type Sensoroppdrag { id: ID! fagperson: FagpersonVedLarested sensorrolle: Sensorrolle! }
type Kommisjon { id: ID! kommisjonsnummer: String! kommisjonsnavn: String! sensoroppdrag: [Sensoroppdrag!]! }
type Sensurinformasjon {
  sensursystem: Vurderingssystem
  klagesystem: Vurderingssystem
  begrunnelsesystem: Vurderingssystem
  sensurfrist: DateTime
  kunngjoringsdato: DateTime
  kommisjoner: [Kommisjon!]!
}

type Begrunnelsesforesporsel {
  id: ID!
  kandidatnummer: String!
  mottattDato: Date!
}

type Klage {
  id: ID!
  kandidatnummer: String!
  mottattDato: Date!
  begrunnelseForespurt: Boolean!
}

type PageInfo {
  hasPreviousPage: Boolean!
  hasNextPage: Boolean!
  startCursor: String
  endCursor: String
}

type BegrunnelsesforesporselEdge {
  cursor: String!
  node: Begrunnelsesforesporsel!
}

type BegrunnelsesforesporselConnection {
  edges: [BegrunnelsesforesporselEdge!]!
  nodes: [Begrunnelsesforesporsel!]!
  pageInfo: PageInfo!
  totalCount: Int!
}

type KlageEdge {
  cursor: String!
  node: Klage!
}

type KlageConnection {
  edges: [KlageEdge!]!
  nodes: [Klage!]!
  pageInfo: PageInfo!
  totalCount: Int!
}
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS vurderingsenhet (
    id TEXT PRIMARY KEY, sensurfrist TEXT, kunngjoringsdato TEXT,
    klagesystem TEXT NOT NULL, begrunnelsesystem TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS foresporsel (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    vurderingsenhet_id TEXT NOT NULL REFERENCES vurderingsenhet(id), art TEXT NOT NULL,
    kandidatnummer TEXT NOT NULL, mottatt_dato TEXT NOT NULL,
    begrunnelse_forespurt INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS fs_kommisjoner (
    vurderingsenhet_id TEXT PRIMARY KEY, kommisjoner TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS foresporsel_page ON foresporsel (vurderingsenhet_id, art, seq);
"""
EMPTY_PAGE: dict[str, Any] = {
    "edges": [],
    "nodes": [],
    "pageInfo": {"hasPreviousPage": False, "hasNextPage": False, "startCursor": None, "endCursor": None},
    "totalCount": 0,
}


class Sensor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feideBruker: str | None = None
    fornavn: str = ""
    etternavn: str = ""
    rollekode: str = Field("INTERN", description="INTERN or EKSTERN (modelled)")


class Kommisjon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kommisjonsnummer: str
    kommisjonsnavn: str = ""
    sensorer: list[Sensor] = []


class Sensurinformasjon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sensurfrist: datetime | None = None
    kunngjoringsdato: datetime | None = None
    klagesystem: str = "FS"
    begrunnelsesystem: str = "FS"
    kommisjoner: list[Kommisjon] = []


class NewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, min_length=1, max_length=64, description="FS's id; a new one if left out")
    kandidatnummer: str = Field(min_length=1, max_length=32)
    mottattDato: date
    begrunnelseForespurt: bool = False


class Seed(BaseModel):
    """What `/_sim/vurderingsenheter/{id}/requests` adds to an assessment unit (made if missing)."""

    model_config = ConfigDict(extra="forbid")

    sensurinformasjon: Sensurinformasjon | None = None
    begrunnelser: list[NewRequest] = []
    klager: list[NewRequest] = []


@dataclass(frozen=True)
class Context:
    """Per request: whether the caller switched the experimental fields on."""

    experimental: bool


def feature_flags(header: str | None) -> set[str]:
    return {flag.strip().lower() for flag in (header or "").split(",") if flag.strip()}


def cursor(seq: int) -> str:
    return base64.b64encode(f"foresporsel:{seq}".encode()).decode()


def seq_after(after: str | None) -> int:
    if after is None:
        return 0
    try:
        prefix, _, seq = base64.b64decode(after, validate=True).decode().partition(":")
        if prefix == "foresporsel" and seq.isdigit():
            return int(seq)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise GraphQLError(
        f"the cursor {after!r} is not one this server gave", extensions={"code": "UgyldigInput"}
    )


class Fs:
    """The register's behaviour over its state; the resolvers and routes only translate."""

    def __init__(self, state: StateFile) -> None:
        self.state = state

    def unit(self, _root: Any, _info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        rows = self.state.query("SELECT * FROM vurderingsenhet WHERE id = ?", (id,))
        if not rows:
            raise GraphQLError(f"fant ingen vurderingsenhet med id {id!r}", extensions={"code": "UgyldigId"})
        return dict(rows[0])

    def grading_information(self, unit: dict[str, Any], info: GraphQLResolveInfo) -> dict[str, Any] | None:
        if not info.context.experimental:
            return None
        rows = self.state.query(
            "SELECT kommisjoner FROM fs_kommisjoner WHERE vurderingsenhet_id = ?", (unit["id"],)
        )
        commissions = (
            [Kommisjon.model_validate(k) for k in json.loads(rows[0]["kommisjoner"])] if rows else []
        )
        return {
            "sensursystem": _system("FS"),
            "klagesystem": _system(unit["klagesystem"]),
            "begrunnelsesystem": _system(unit["begrunnelsesystem"]),
            "sensurfrist": unit["sensurfrist"],
            "kunngjoringsdato": unit["kunngjoringsdato"],
            "kommisjoner": [_commission(unit["id"], k) for k in commissions],
        }

    def page(
        self, unit: dict[str, Any], info: GraphQLResolveInfo, kind: Kind, first: int | None, after: str | None
    ) -> dict[str, Any]:
        """One forward page of the unit's requests of one kind, in the order FS received them."""
        if not info.context.experimental:
            return EMPTY_PAGE
        first = MAX_PAGE if first is None else first
        if not 1 <= first <= MAX_PAGE:
            raise GraphQLError(
                f"first must be 1 to {MAX_PAGE}, not {first}", extensions={"code": "UgyldigInput"}
            )
        where = "vurderingsenhet_id = ? AND art = ?"
        rows = self.state.query(
            f"SELECT * FROM foresporsel WHERE {where} AND seq > ? ORDER BY seq LIMIT ?",
            (unit["id"], kind, seq_after(after), first + 1),
        )
        total = self.state.query(f"SELECT COUNT(*) AS n FROM foresporsel WHERE {where}", (unit["id"], kind))
        edges = [{"cursor": cursor(r["seq"]), "node": _node(r)} for r in rows[:first]]
        return {
            "edges": edges,
            "nodes": [e["node"] for e in edges],
            "pageInfo": {
                "hasPreviousPage": False,
                "hasNextPage": len(rows) > first,
                "startCursor": edges[0]["cursor"] if edges else None,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "totalCount": total[0]["n"],
        }

    def seed(self, unit_id: str, seed: Seed) -> dict[str, list[str]]:
        """Adds the unit if missing (its grading information replaced when given) and the requests."""
        info = seed.sensurinformasjon
        added: dict[str, list[str]] = {"begrunnelser": [], "klager": []}
        with self.state.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO vurderingsenhet (id, klagesystem, begrunnelsesystem) VALUES (?, 'FS', 'FS')",
                (unit_id,),
            )
            if info is not None:
                conn.execute(
                    "UPDATE vurderingsenhet SET sensurfrist = ?, kunngjoringsdato = ?, klagesystem = ?, "
                    "begrunnelsesystem = ? WHERE id = ?",
                    (
                        _iso(info.sensurfrist),
                        _iso(info.kunngjoringsdato),
                        info.klagesystem,
                        info.begrunnelsesystem,
                        unit_id,
                    ),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO fs_kommisjoner VALUES (?, ?)",
                    (unit_id, json.dumps([k.model_dump() for k in info.kommisjoner])),
                )
            for kind, key in (("begrunnelse", "begrunnelser"), ("klage", "klager")):
                for new in getattr(seed, key):
                    request_id = new.id or str(uuid.uuid4())
                    conn.execute(
                        "INSERT INTO foresporsel (id, vurderingsenhet_id, art, kandidatnummer, mottatt_dato, "
                        "begrunnelse_forespurt) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            request_id,
                            unit_id,
                            kind,
                            new.kandidatnummer,
                            new.mottattDato.isoformat(),
                            int(new.begrunnelseForespurt),
                        ),
                    )
                    added[key].append(request_id)
        return added


def _iso(day: date | datetime | None) -> str | None:
    return None if day is None else day.isoformat()


def _system(code: str) -> dict[str, Any]:
    return {
        "id": base64.b64encode(f"Vurderingssystem:{code}".encode()).decode(),
        "kode": code,
        "navn": {"nob": code},
    }


def _commission(unit_id: str, k: Kommisjon) -> dict[str, Any]:
    key = f"{unit_id}:{k.kommisjonsnummer}"
    return {
        "id": base64.b64encode(f"Kommisjon:{key}".encode()).decode(),
        "kommisjonsnummer": k.kommisjonsnummer,
        "kommisjonsnavn": k.kommisjonsnavn or f"Kommisjon {k.kommisjonsnummer}",
        "sensoroppdrag": [
            {
                "id": base64.b64encode(f"Sensoroppdrag:{key}:{i}".encode()).decode(),
                "fagperson": {
                    "id": base64.b64encode(f"Fagperson:{s.feideBruker or i}".encode()).decode(),
                    "feideBruker": s.feideBruker,
                    "navn": {"fornavn": s.fornavn, "etternavn": s.etternavn},
                },
                "sensorrolle": {
                    "id": base64.b64encode(s.rollekode.encode()).decode(),
                    "rollekode": s.rollekode,
                },
            }
            for i, s in enumerate(k.sensorer)
        ],
    }


def _node(row: Any) -> dict[str, Any]:
    node = {"id": row["id"], "kandidatnummer": row["kandidatnummer"], "mottattDato": row["mottatt_dato"]}
    if row["art"] == "klage":
        node["begrunnelseForespurt"] = bool(row["begrunnelse_forespurt"])
    return node


def executable_schema(
    fs: Fs, register: fs_register.Register | None = None, appeals: fs_appeals.Appeals | None = None
) -> Any:
    """The SDL with the register's resolvers attached; every other field reads its dict key."""
    schema = build_schema(SDL + fs_register.SDL + fs_appeals.SDL)
    # the SDL declares both as object types; graphql-core types the lookups as any named type
    cast(GraphQLObjectType, schema.query_type).fields["vurderingsenhet"].resolve = fs.unit
    unit = cast(GraphQLObjectType, schema.type_map["Vurderingsenhet"]).fields
    unit["sensurinformasjon"].resolve = fs.grading_information
    unit["begrunnelsesforesporsler"].resolve = lambda u, info, first=None, after=None: fs.page(
        u, info, "begrunnelse", first, after
    )
    unit["klager"].resolve = lambda u, info, first=None, after=None: fs.page(u, info, "klage", first, after)
    if register is not None:
        fs_register.attach(schema, register)
    if appeals is not None:
        fs_appeals.attach(schema, appeals)
    return schema


def authorised(header: str | None, users: Mapping[str, str]) -> bool:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user in users and hmac.compare_digest(password.encode(), users[user].encode())


def _errors(message: str, status: int, code: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="FS"'} if status == 401 else None
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers=headers
    )


def create_app(state_path: Path, *, users: Mapping[str, str] | None = None) -> FastAPI:
    """`users` are the API users (name → password) Basic auth accepts; by default the settings' one."""
    if users is None:
        settings = settings_from_env()
        users = {settings.fs_user: settings.fs_password.get_secret_value()}
    state = StateFile(state_path, SCHEMA + fs_register.SCHEMA + fs_appeals.SCHEMA)
    fs = Fs(state)
    register = fs_register.Register(state, lambda info: info.context.experimental)
    schema = executable_schema(fs, register, fs_appeals.Appeals(state, _node))
    app = FastAPI(title="FS stand-in (GraphQL)")
    install_faults(app)

    @app.post(GRAPHQL)
    async def graphql(request: Request) -> JSONResponse:
        if not authorised(request.headers.get("Authorization"), users):
            return _errors("an API user's Basic credentials are required", 401, "IkkeAutentisert")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors('the body must be JSON: {"query": "...", "variables": {...}}', 400, "UgyldigInput")
        context = Context(EXPERIMENTAL in feature_flags(request.headers.get("Feature-Flags")))
        result = graphql_sync(
            schema,
            body["query"],
            context_value=context,
            variable_values=body.get("variables"),
            operation_name=body.get("operationName"),
        )
        return JSONResponse(result.formatted)

    @app.post("/_sim/vurderingsenheter/{unit_id}/requests")
    def seed(unit_id: str, body: Seed) -> dict[str, list[str]]:
        return fs.seed(unit_id, body)

    @app.put("/_sim/vurderingsenheter/{unit_id}")
    def put_unit(unit_id: str, body: fs_register.Enhet) -> dict[str, Any]:
        return register.put_unit(unit_id, body)

    @app.post("/_sim/vurderingsenheter/{unit_id}/vurderingsmeldinger")
    def add_registration(unit_id: str, body: fs_register.NyMelding) -> dict[str, str]:
        melding_id = register.add_registration(unit_id, body)
        if melding_id is None:
            raise HTTPException(404, f"no vurderingsenhet {unit_id}")
        return {"id": melding_id}

    @app.post("/_sim/vurderingsenheter/{unit_id}/resultater")
    def record_results(unit_id: str, body: fs_register.Resultater) -> dict[str, list[Any]]:
        recorded = register.record_results(unit_id, body)
        if recorded is None:
            raise HTTPException(404, f"no vurderingsenhet {unit_id}")
        return recorded

    @app.delete("/_sim/vurderingsmeldinger/{melding_id}", status_code=204)
    def withdraw(melding_id: str) -> None:
        if not register.withdraw(melding_id):
            raise HTTPException(404, f"no vurderingsmelding {melding_id}")

    return app


if __name__ == "__main__":
    main(FS, create_app)
