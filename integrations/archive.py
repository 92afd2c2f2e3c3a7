"""The records archive's client (ePhorte): the Noark 5 v5 service interface, over one pooled client.

Meets `integrations.protocols.RecordsArchive`. Nothing but `{base}/api` is assumed: every other
address is found by following relation links (`_links` keyed by relation URIs). The exam series
(arkivdel) is looked up by its title; an exam's case file (saksmappe) by its title in the series,
made from the series' `ny-saksmappe` template when there is none. Each document is filed as a new
registry entry (journalpost) of its kind's type, with one main document description
(dokumentbeskrivelse) and one document object (dokumentobjekt) declaring the file's name, media
type, size and SHA-256, to whose `fil` link the bytes are then POSTed; the archive checks them
against what was declared and never overwrites a file. The entry is then marked archived (A) by a
merge patch carrying the version read (If-Match); a stale version is re-read once.

Noark 5 has no idempotency key: a write whose answer was lost may have landed. An upload refused
because the object already holds a file is accepted when that file has our checksum; an entry
left without its file is completed, not duplicated, when `documents` has listed the case first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx

from integrations.http import ApiClient, ApiError, RetryPolicy
from integrations.payload import required
from models.domain import ArchivedDocument

SYSTEM = "archive"
MEDIA_TYPE = "application/vnd.noark5+json"
MERGE_PATCH = "application/merge-patch+json"
REL = "https://rel.arkivverket.no/noark5/v5/api/"
SHA256 = "SHA-256"
SERIES = "Eksamen"
CASE_OFFICER = "examflow"
# the registry entry type (journalposttype) each kind of document is filed as
ENTRY_TYPES = {
    "paper": "I",  # a candidate's answers: received from the candidate
    "sketch": "I",  # sketches handed in on paper and scanned: received from the candidate
    "protocol": "X",  # the grade protocol: internal, no follow-up
    "justification": "U",  # the grounds for a grade: sent to the student
    "appeal": "U",  # the appeal committee's decision: sent to the student
    "appeal-received": "I",  # the student's appeal as the faculty registered it: received
    "record": "X",  # examflow's own records (an audit log's anchor): internal, no follow-up
}
REGISTERED, ARCHIVED = "J", "A"


def odata_text(value: str) -> str:
    """A string literal for `$filter` (OData doubles a quote inside one)."""
    return "'" + value.replace("'", "''") + "'"


def link(resource: Any, relation: str, record: str) -> str:
    """The href of `relation` (`self`, or a relation URI's tail such as `sakarkiv/ny-journalpost/`)."""
    links = required(SYSTEM, record, resource, "_links")
    key = relation if relation == "self" else REL + relation
    return str(
        required(SYSTEM, f"{record} _links {key}", required(SYSTEM, f"{record} _links", links, key), "href")
    )


def document_of(case_id: str, entry: dict[str, Any], stored: dict[str, Any]) -> ArchivedDocument:
    """Our record of a filed document: the entry's title, the object's id, size and checksum."""
    record = f"dokumentobjekt {stored.get('systemID', '(no systemID)')}"
    if required(SYSTEM, record, stored, "sjekksumAlgoritme") != SHA256:
        raise ApiError(
            SYSTEM, None, f"{record}: sjekksumAlgoritme is {stored['sjekksumAlgoritme']}, not {SHA256}"
        )
    return ArchivedDocument(
        case_id=case_id,
        document_id=str(required(SYSTEM, record, stored, "systemID")),
        title=str(required(SYSTEM, f"journalpost {entry.get('systemID')}", entry, "tittel")),
        size=int(required(SYSTEM, record, stored, "filstoerrelse")),
        sha256=str(required(SYSTEM, record, stored, "sjekksum")).lower(),
    )


class ArchiveClient(ApiClient):
    system = SYSTEM

    def __init__(
        self, base_url: str, *, series: str = SERIES, timeout: float = 10.0, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(base_url, timeout=timeout, retry=retry)
        self.headers["Accept"] = MEDIA_TYPE
        self.series_title = series
        self._series: dict[str, Any] | None = None
        self._cases: dict[str, dict[str, Any]] = {}
        self._unfinished: dict[tuple[str, str], dict[str, Any]] = {}

    def read(self, href: str, params: dict[str, str] | None = None) -> Any:
        return self.request("GET", href, params=params).json()

    def listed(self, href: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every result of a list, following `next` links; an empty list has no `results`."""
        page = self.read(href, params)
        while True:
            yield from page.get("results") or []
            following = (page.get("_links") or {}).get("next")
            if not following:
                return
            page = self.read(str(required(SYSTEM, "a list's next link", following, "href")))

    def create(
        self, parent: dict[str, Any], relation: str, fields: dict[str, Any]
    ) -> tuple[dict[str, Any], str]:
        """GETs the `ny-*` template, POSTs it with our fields; the new entity and its ETag."""
        href = link(parent, relation, relation.rstrip("/"))
        template = {k: v for k, v in self.read(href).items() if k != "_links" and v is not None}
        response = self.request("POST", href, json=template | fields, headers={"Content-Type": MEDIA_TYPE})
        return response.json(), response.headers.get("ETag", "")

    def series(self) -> dict[str, Any]:
        """The exam series (arkivdel), found by its title through the archive's own links."""
        if self._series is None:
            structure = self.read(link(self.read("api"), "arkivstruktur/", "api"))
            every = link(structure, "arkivstruktur/arkivdel/", "arkivstruktur")
            found = list(self.listed(every, {"$filter": f"tittel eq {odata_text(self.series_title)}"}))
            if len(found) != 1:
                raise ApiError(
                    SYSTEM, None, f"{len(found)} series (arkivdel) titled {self.series_title}; one is needed"
                )
            self._series = found[0]
        return self._series

    def case_file(self, *, title: str) -> str:
        series = self.series()
        cases = link(series, "sakarkiv/saksmappe/", f"arkivdel {self.series_title}")
        found = list(self.listed(cases, {"$filter": f"tittel eq {odata_text(title)}"}))
        if len(found) > 1:
            raise ApiError(SYSTEM, None, f"{len(found)} case files titled {title}; an exam has one")
        case = (
            found[0]
            if found
            else self.create(
                series, "sakarkiv/ny-saksmappe/", {"tittel": title, "saksansvarlig": CASE_OFFICER}
            )[0]
        )
        case_id = str(required(SYSTEM, f"saksmappe {title}", case, "systemID"))
        self._cases[case_id] = case
        return case_id

    def _case(self, case_id: str) -> dict[str, Any]:
        if case_id not in self._cases:
            cases = link(
                self.read(link(self.read("api"), "sakarkiv/", "api")), "sakarkiv/saksmappe/", "sakarkiv"
            )
            found = list(self.listed(cases, {"$filter": f"systemID eq {odata_text(case_id)}"}))
            if not found:
                raise ApiError(SYSTEM, 404, f"no saksmappe {case_id}")
            self._cases[case_id] = found[0]
        return self._cases[case_id]

    def documents(self, case_id: str) -> list[ArchivedDocument]:
        """Every filed document of the case, entry by entry; an entry without its file yet is
        remembered, so that filing its title again completes it."""
        found = []
        for entry in self.listed(link(self._case(case_id), "sakarkiv/journalpost/", f"saksmappe {case_id}")):
            stored = self._stored(entry)
            if stored is None:
                self._unfinished[(case_id, str(entry.get("tittel")))] = entry
            else:
                found.append(document_of(case_id, entry, stored))
        return found

    def _stored(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The main document's object holding a file, if the entry has one."""
        record = f"journalpost {entry.get('systemID')}"
        for description in self.listed(link(entry, "arkivstruktur/dokumentbeskrivelse/", record)):
            if (description.get("tilknyttetRegistreringSom") or {}).get("kode") != "H":
                continue
            objects = self.listed(link(description, "arkivstruktur/dokumentobjekt/", "dokumentbeskrivelse"))
            return next((o for o in objects if o.get("referanseDokumentfil")), None)
        return None

    def file_document(
        self, *, case_id: str, kind: str, title: str, filename: str, content: bytes, mime_type: str
    ) -> ArchivedDocument:
        if kind not in ENTRY_TYPES:
            raise ValueError(
                f"no registry entry type for documents of kind {kind}: one of {', '.join(ENTRY_TYPES)}"
            )
        digest = hashlib.sha256(content).hexdigest()
        entry, etag = self._unfinished.pop((case_id, title), None), ""
        obj = None if entry is None else self._held_object(entry, digest)
        if entry is None:
            fields = {
                "tittel": title,
                "journalposttype": {"kode": ENTRY_TYPES[kind]},
                "journalstatus": {"kode": REGISTERED},
            }
            entry, etag = self.create(self._case(case_id), "sakarkiv/ny-journalpost/", fields)
        obj = obj or self._new_object(entry, title, filename, mime_type, len(content), digest)
        stored = obj if obj.get("referanseDokumentfil") else self._upload(obj, content, mime_type, digest)
        self._archived(entry, etag)
        return document_of(case_id, entry, stored)

    def _held_object(self, entry: dict[str, Any], digest: str) -> dict[str, Any] | None:
        """An unfinished entry's document object already declaring this file, if any."""
        record = f"journalpost {entry.get('systemID')}"
        for description in self.listed(link(entry, "arkivstruktur/dokumentbeskrivelse/", record)):
            for obj in self.listed(link(description, "arkivstruktur/dokumentobjekt/", "dokumentbeskrivelse")):
                if obj.get("sjekksum") == digest:
                    return obj
        return None

    def _new_object(
        self, entry: dict[str, Any], title: str, filename: str, mime_type: str, size: int, digest: str
    ) -> dict[str, Any]:
        """A new main document description under the entry, with an object declaring the file."""
        fields = {
            "tittel": title,
            "dokumentstatus": {"kode": "F"},
            "tilknyttetRegistreringSom": {"kode": "H"},
        }
        description, _ = self.create(entry, "arkivstruktur/ny-dokumentbeskrivelse/", fields)
        declared = {
            "versjonsnummer": 1,
            "variantformat": {"kode": "P"},
            "filnavn": filename,
            "mimeType": mime_type,
            "filstoerrelse": size,
            "sjekksum": digest,
            "sjekksumAlgoritme": SHA256,
        }
        return self.create(description, "arkivstruktur/ny-dokumentobjekt/", declared)[0]

    def _upload(self, obj: dict[str, Any], content: bytes, mime_type: str, digest: str) -> dict[str, Any]:
        """POSTs the bytes to the object's file link; a 409 (it holds a file already) is accepted
        when that file is ours, as after a lost answer."""
        target = link(obj, "arkivstruktur/fil/", f"dokumentobjekt {obj.get('systemID')}")
        try:
            return dict(
                self.request("POST", target, content=content, headers={"Content-Type": mime_type}).json()
            )
        except ApiError as refused:
            if refused.status != 409:
                raise
            held = self.read(link(obj, "self", "dokumentobjekt"))
            if held.get("sjekksum") != digest or not held.get("referanseDokumentfil"):
                raise
            return dict(held)

    def _archived(self, entry: dict[str, Any], etag: str) -> None:
        """Marks the entry archived with the version read (read first when not known, as for an entry
        listed rather than made); a stale version is read again once."""
        for attempt in (1, 2):
            if not etag:
                response = self.request("GET", link(entry, "self", "journalpost"))
                entry, etag = response.json(), response.headers.get("ETag", "")
            if (entry.get("journalstatus") or {}).get("kode") == ARCHIVED:
                return
            try:
                self.request(
                    "PATCH",
                    link(entry, "self", "journalpost"),
                    json={"journalstatus": {"kode": ARCHIVED}},
                    headers={"Content-Type": MERGE_PATCH, "If-Match": etag},
                )
                return
            except ApiError as refused:
                if refused.status not in (409, 412) or attempt == 2:
                    raise
            etag = ""

    def download(self, document_id: str) -> bytes:
        """A document object's stored bytes (for the appeal committee or a checksum audit)."""
        structure = self.read(link(self.read("api"), "arkivstruktur/", "api"))
        objects = link(structure, "arkivstruktur/dokumentobjekt/", "arkivstruktur")
        found = list(self.listed(objects, {"$filter": f"systemID eq {odata_text(document_id)}"}))
        if not found:
            raise ApiError(SYSTEM, 404, f"no dokumentobjekt {document_id}")
        target = link(found[0], "arkivstruktur/fil/", f"dokumentobjekt {document_id}")
        return self.request("GET", target, headers={"Accept": "*/*"}).content

    def raise_for(self, response: httpx.Response) -> None:
        """Noark 5's error body is `{"feil": {"kode", "beskrivelse"}}`."""
        try:
            problem = (response.json().get("feil") or {}).get("beskrivelse") or response.text[:500]
        except (ValueError, AttributeError):
            problem = response.text[:500]
        raise ApiError(SYSTEM, response.status_code, str(problem))
