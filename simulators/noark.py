"""The Noark 5 v5 service interface's entities as the archive stand-in serves them: the hierarchy
arkiv → arkivdel → saksmappe → journalpost → dokumentbeskrivelse → dokumentobjekt, which fields a
POST must carry, the code lists (kode/kodenavn) a coded field takes, what the server fills in, and
the relation links (`_links` keyed by relation URIs) of each entity.

Taken from Arkivverket's specification (github.com/arkivverket/noark5-tjenestegrensesnitt-standard,
chapters 6 and 7): the attribute tables give the required fields ([1..1]), the code lists give the
codes; a field marked [0..1] [1..1] there is filled by the server when a client leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

REL = "https://rel.arkivverket.no/noark5/v5/api/"
MEDIA_TYPE = "application/vnd.noark5+json"
MERGE_PATCH = "application/merge-patch+json"
SHA256 = "SHA-256"

CODES: dict[str, dict[str, str]] = {
    "arkivstatus": {"O": "Opprettet", "A": "Avsluttet"},
    "arkivdelstatus": {
        "A": "Aktiv periode",
        "O": "Overlappingsperiode",
        "P": "Avsluttet periode",
        "U": "Uaktuelle mapper",
    },
    "dokumentmedium": {"E": "Elektronisk arkiv", "F": "Fysisk arkiv", "B": "Fysisk og elektronisk arkiv"},
    "saksstatus": {
        "B": "Under behandling",
        "A": "Avsluttet",
        "U": "Utgår",
        "R": "Opprettet av saksbehandler",
    },
    "journalposttype": {
        "I": "Inngående dokument",
        "U": "Utgående dokument",
        "N": "Organinternt dokument for oppfølging",
        "X": "Organinternt dokument uten oppfølging",
        "S": "Saksframlegg",
    },
    "journalstatus": {
        "J": "Journalført",
        "F": "Ferdigstilt fra saksbehandler",
        "G": "Godkjent av leder",
        "E": "Ekspedert",
        "A": "Arkivert",
        "U": "Utgår",
        "M": "Midlertidig registrering av innkommet dokument",
        "S": "Saksbehandler har registrert innkommet dokument",
        "R": "Reservert dokument",
    },
    "dokumentstatus": {"B": "Dokumentet er under redigering", "F": "Dokumentet er ferdigstilt"},
    "tilknyttetRegistreringSom": {"H": "Hoveddokument", "V": "Vedlegg"},
    "variantformat": {
        "P": "Produksjonsformat",
        "A": "Arkivformat",
        "O": "Dokument hvor deler av innholdet er skjermet",
    },
}
# coded fields whose lists an institution extends (the specification's values are examples)
OPEN_CODES = frozenset({"dokumenttype", "format"})
# what a file's media type is recorded as (PRONOM codes; "av/0" when the format is not known)
FORMATS = {
    "application/pdf": ("fmt/276", "PDF 1.7"),
    "application/json": ("fmt/817", "JSON Data Interchange Format"),
    "text/csv": ("x-fmt/18", "Comma Separated Values"),
    "text/plain": ("x-fmt/111", "Ren tekst"),
    "image/jpeg": ("fmt/43", "JPEG"),
    "image/png": ("fmt/13", "PNG"),
}
UNKNOWN_FORMAT = ("av/0", "Ukjent format")


@dataclass(frozen=True)
class Kind:
    """One entity type: where it sits, what a POST must carry, what the server fills in."""

    name: str
    module: str
    parent: str | None
    child: str | None
    required: tuple[str, ...]
    defaults: dict[str, str] = field(default_factory=dict)  # coded field → code filled in when absent
    patchable: frozenset[str] = frozenset()


KINDS = {
    k.name: k
    for k in (
        Kind(
            "arkiv",
            "arkivstruktur",
            None,
            "arkivdel",
            ("tittel",),
            {"arkivstatus": "O", "dokumentmedium": "E"},
        ),
        Kind("arkivdel", "arkivstruktur", "arkiv", "saksmappe", ("tittel",), {"arkivdelstatus": "A"}),
        Kind(
            "saksmappe",
            "sakarkiv",
            "arkivdel",
            "journalpost",
            ("tittel", "saksansvarlig"),
            {"saksstatus": "B"},
            frozenset({"tittel", "beskrivelse", "saksstatus", "saksansvarlig"}),
        ),
        Kind(
            "journalpost",
            "sakarkiv",
            "saksmappe",
            "dokumentbeskrivelse",
            ("tittel", "journalposttype", "journalstatus"),
            patchable=frozenset({"tittel", "beskrivelse", "journalstatus"}),
        ),
        Kind(
            "dokumentbeskrivelse",
            "arkivstruktur",
            "journalpost",
            "dokumentobjekt",
            ("tittel", "dokumentstatus", "tilknyttetRegistreringSom"),
            patchable=frozenset({"tittel", "beskrivelse", "dokumentstatus"}),
        ),
        Kind(
            "dokumentobjekt",
            "arkivstruktur",
            "dokumentbeskrivelse",
            None,
            ("versjonsnummer", "variantformat"),
        ),
    )
}
# what the server sets: never taken from a client's body
SERVER_FIELDS = frozenset(
    {
        "systemID",
        "opprettetDato",
        "opprettetAv",
        "endretDato",
        "endretAv",
        "mappeID",
        "saksaar",
        "sakssekvensnummer",
        "journalaar",
        "journalsekvensnummer",
        "journalpostnummer",
        "registreringsID",
        "dokumentnummer",
        "tilknyttetDato",
        "tilknyttetAv",
        "referanseDokumentfil",
        "_links",
    }
)


class Refused(Exception):
    """A request the archive refuses: the HTTP status and what to tell the client."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def code(field_name: str, value: Any) -> dict[str, str]:
    """A coded field as stored: `{"kode", "kodenavn"}`, from a bare code or a code object."""
    kode = value.get("kode") if isinstance(value, dict) else value
    if not isinstance(kode, str) or not kode:
        raise Refused(400, f"{field_name} must be a code object with a kode")
    if field_name in OPEN_CODES:
        return {
            "kode": kode,
            "kodenavn": str(value.get("kodenavn") or kode) if isinstance(value, dict) else kode,
        }
    names = CODES[field_name]
    if kode not in names:
        raise Refused(400, f"{field_name} {kode} is not one of {', '.join(names)}")
    return {"kode": kode, "kodenavn": names[kode]}


def checked(kind: Kind, body: Any) -> dict[str, Any]:
    """A POST body for a new entity of `kind`, with required fields present and codes legal; server
    fields are dropped, coded fields normalised, defaults filled in."""
    if not isinstance(body, dict):
        raise Refused(400, f"a new {kind.name} must be a JSON object")
    fields = {k: v for k, v in body.items() if k not in SERVER_FIELDS and v is not None}
    missing = [name for name in kind.required if fields.get(name) in (None, "")]
    if missing:
        raise Refused(400, f"a new {kind.name} lacks {', '.join(missing)}")
    for name, default in kind.defaults.items():
        fields.setdefault(name, default)
    for name in list(fields):
        if name in CODES or name in OPEN_CODES:
            fields[name] = code(name, fields[name])
    if kind.name == "dokumentobjekt":
        _check_file_facts(fields)
    return fields


def _check_file_facts(fields: dict[str, Any]) -> None:
    if not isinstance(fields["versjonsnummer"], int) or fields["versjonsnummer"] < 1:
        raise Refused(400, "versjonsnummer must be a whole number from 1")
    size = fields.get("filstoerrelse")
    if size is not None and (not isinstance(size, int) or size < 0):
        raise Refused(400, "filstoerrelse must be a whole number of bytes (a JSON number)")
    if "sjekksum" in fields and fields.get("sjekksumAlgoritme") != SHA256:
        raise Refused(400, f"sjekksumAlgoritme must be {SHA256} when sjekksum is given")


def patched(kind: Kind, body: Any) -> dict[str, Any]:
    """The fields a JSON merge patch may change on an entity of `kind`."""
    if not isinstance(body, dict) or not body:
        raise Refused(400, "a merge patch must be a non-empty JSON object")
    refused = sorted(set(body) - kind.patchable)
    if refused:
        raise Refused(400, f"{', '.join(refused)} of a {kind.name} cannot be changed here")
    return {k: code(k, v) if k in CODES else v for k, v in body.items()}


def links(base: str, kind: Kind, system_id: str, parent: tuple[str, str] | None) -> dict[str, Any]:
    """The entity's `_links`: itself, its parent, its children and the template for a new child; a
    document object also its file (`fil`), to which bytes are POSTed and from which they are read."""
    href = entity_href(base, kind, system_id)
    found: dict[str, Any] = {"self": {"href": href}, f"{REL}{kind.module}/{kind.name}/": {"href": href}}
    if parent is not None:
        parent_kind = KINDS[parent[0]]
        found[f"{REL}{parent_kind.module}/{parent_kind.name}/"] = {
            "href": entity_href(base, parent_kind, parent[1])
        }
    if kind.child is not None:
        child = KINDS[kind.child]
        found[f"{REL}{child.module}/{child.name}/"] = {"href": f"{href}/{child.name}/"}
        found[f"{REL}{child.module}/ny-{child.name}/"] = {"href": f"{href}/ny-{child.name}"}
    if kind.name == "dokumentobjekt":
        found[f"{REL}arkivstruktur/fil/"] = {"href": f"{href}/referanseFil"}
    return found


def entity_href(base: str, kind: Kind, system_id: str) -> str:
    return f"{base}/api/{kind.module}/{kind.name}/{system_id}"


def template(kind: Kind) -> dict[str, Any]:
    """What `GET ny-<kind>` answers: a legal start for the POST with the defaults filled in; it names
    no entity, so it has no `self` link."""
    body: dict[str, Any] = {name: code(name, value) for name, value in kind.defaults.items()}
    if kind.name == "dokumentobjekt":
        body |= {
            "versjonsnummer": 1,
            "variantformat": code("variantformat", "A"),
            "sjekksumAlgoritme": SHA256,
        }
    if kind.name == "dokumentbeskrivelse":
        body |= {
            "dokumentstatus": code("dokumentstatus", "B"),
            "tilknyttetRegistreringSom": code("tilknyttetRegistreringSom", "H"),
        }
    return body | {"_links": {}}


def file_format(mime_type: str) -> dict[str, str]:
    kode, name = FORMATS.get(mime_type.split(";")[0].strip().lower(), UNKNOWN_FORMAT)
    return {"kode": kode, "kodenavn": name}
