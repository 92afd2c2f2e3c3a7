"""The FS stand-in's record of appeals and justifications the faculty registers (part of
`simulators/fs.py`'s schema and state).

Modelled, **unverified**: FS's published schema has no mutation for a klage or a begrunnelse and no
field saying a result is under appeal (`Resultat` has `vurderingsresultatstatus` and `gyldig`, none
of them for an appeal). Named in FS's style (plural mutations over a list of inputs, a payload
returning what changed; errors as FS's `UgyldigId`/`UgyldigInput`), all experimental:

- `registrerKlager(input: [{vurderingsenhetId, kandidatnummer, mottattDato}])`: the appeal
  registered on the unit (the one FS already holds for the candidate is kept), its old result
  marked under appeal: `Klage.status` `UNDER_BEHANDLING`, `Klage.resultatSperret` true;
- `avsluttKlager(input: [{id}])`: the new grading registered, `AVGJORT`, the mark lifted;
- `registrerBegrunnelser(input: [{vurderingsenhetId, kandidatnummer, mottattDato, gittDato}])`: a
  justification registered as given (`Begrunnelsesforesporsel.gittDato`).
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from simulators.statefile import StateFile

UNDER_APPEAL, DECIDED = "UNDER_BEHANDLING", "AVGJORT"

SDL = """
enum Klagestatus { UNDER_BEHANDLING AVGJORT }

extend type Klage {
  status: Klagestatus!
  resultatSperret: Boolean!
}

extend type Begrunnelsesforesporsel {
  gittDato: Date
}

input RegistrerKlagerInput { vurderingsenhetId: ID! kandidatnummer: String! mottattDato: Date! }
input AvsluttKlagerInput { id: ID! }
input RegistrerBegrunnelserInput {
  vurderingsenhetId: ID!
  kandidatnummer: String!
  mottattDato: Date!
  gittDato: Date!
}

type RegistrerKlagerPayload { klager: [Klage!]! }
type AvsluttKlagerPayload { klager: [Klage!]! }
type RegistrerBegrunnelserPayload { begrunnelsesforesporsler: [Begrunnelsesforesporsel!]! }

type Mutation {
  registrerKlager(input: [RegistrerKlagerInput!]!): RegistrerKlagerPayload!
  avsluttKlager(input: [AvsluttKlagerInput!]!): AvsluttKlagerPayload!
  registrerBegrunnelser(input: [RegistrerBegrunnelserInput!]!): RegistrerBegrunnelserPayload!
}
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS klage_avgjort (
    klage_id TEXT PRIMARY KEY REFERENCES foresporsel(id), avgjort TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS begrunnelse_gitt (
    foresporsel_id TEXT PRIMARY KEY REFERENCES foresporsel(id), gitt_dato TEXT NOT NULL);
"""


class Appeals:
    """The mutations' behaviour over the stand-in's state; `node` makes a request row a node."""

    def __init__(self, state: StateFile, node: Any) -> None:
        self.state, self.node = state, node

    def register_appeals(
        self, _root: Any, info: GraphQLResolveInfo, input: list[dict[str, Any]]
    ) -> dict[str, Any]:
        _experimental(info, "registrerKlager")
        return {"klager": [self._held_or_new(i, "klage") for i in input]}

    def close_appeals(
        self, _root: Any, info: GraphQLResolveInfo, input: list[dict[str, Any]]
    ) -> dict[str, Any]:
        _experimental(info, "avsluttKlager")
        closed = []
        with self.state.transaction() as conn:
            for item in input:
                row = conn.execute(
                    "SELECT * FROM foresporsel WHERE id = ? AND art = 'klage'", (item["id"],)
                ).fetchone()
                if row is None:
                    raise GraphQLError(
                        f"fant ingen klage med id {item['id']!r}", extensions={"code": "UgyldigId"}
                    )
                conn.execute("INSERT OR IGNORE INTO klage_avgjort VALUES (?, datetime('now'))", (row["id"],))
                closed.append(row)
        return {"klager": [self.node(r) for r in closed]}

    def register_justifications(
        self, _root: Any, info: GraphQLResolveInfo, input: list[dict[str, Any]]
    ) -> dict[str, Any]:
        _experimental(info, "registrerBegrunnelser")
        given = []
        for item in input:
            node = self._held_or_new(item, "begrunnelse")
            with self.state.transaction() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO begrunnelse_gitt VALUES (?, ?)", (node["id"], item["gittDato"])
                )
            given.append(node)
        return {"begrunnelsesforesporsler": given}

    def _held_or_new(self, item: dict[str, Any], kind: str) -> dict[str, Any]:
        """The unit's request of `kind` for the candidate, registered first when FS holds none."""
        unit, candidate = item["vurderingsenhetId"], item["kandidatnummer"].strip()
        if not candidate:
            raise GraphQLError("kandidatnummer kan ikke være tomt", extensions={"code": "UgyldigInput"})
        with self.state.transaction() as conn:
            if conn.execute("SELECT 1 FROM vurderingsenhet WHERE id = ?", (unit,)).fetchone() is None:
                raise GraphQLError(
                    f"fant ingen vurderingsenhet med id {unit!r}", extensions={"code": "UgyldigId"}
                )
            query = (
                "SELECT * FROM foresporsel WHERE vurderingsenhet_id = ? AND art = ? AND kandidatnummer = ?"
            )
            row = conn.execute(query, (unit, kind, candidate)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO foresporsel (id, vurderingsenhet_id, art, kandidatnummer, mottatt_dato) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (str(uuid.uuid4()), unit, kind, candidate, item["mottattDato"]),
                )
                row = conn.execute(query, (unit, kind, candidate)).fetchone()
        return cast(dict[str, Any], self.node(row))

    def status(self, klage: dict[str, Any], _info: GraphQLResolveInfo) -> str:
        held = self.state.query("SELECT 1 FROM klage_avgjort WHERE klage_id = ?", (klage["id"],))
        return DECIDED if held else UNDER_APPEAL

    def given_on(self, request: dict[str, Any], _info: GraphQLResolveInfo) -> str | None:
        rows = self.state.query(
            "SELECT gitt_dato FROM begrunnelse_gitt WHERE foresporsel_id = ?", (request["id"],)
        )
        return rows[0]["gitt_dato"] if rows else None


def attach(schema: GraphQLSchema, appeals: Appeals) -> None:
    mutation = cast(GraphQLObjectType, schema.mutation_type).fields
    mutation["registrerKlager"].resolve = appeals.register_appeals
    mutation["avsluttKlager"].resolve = appeals.close_appeals
    mutation["registrerBegrunnelser"].resolve = appeals.register_justifications
    klage = cast(GraphQLObjectType, schema.type_map["Klage"]).fields
    klage["status"].resolve = appeals.status
    klage["resultatSperret"].resolve = lambda k, info: appeals.status(k, info) == UNDER_APPEAL
    request = cast(GraphQLObjectType, schema.type_map["Begrunnelsesforesporsel"]).fields
    request["gittDato"].resolve = appeals.given_on


def _experimental(info: GraphQLResolveInfo, field: str) -> None:
    if not info.context.experimental:
        raise GraphQLError(
            f"{field} is experimental: send the header Feature-Flags: beta, experimental",
            extensions={"code": "UgyldigInput"},
        )
