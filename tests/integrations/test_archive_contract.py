"""Noark 5's contract: the client reads payloads in the archive's shape (tests/contracts/noark)
tolerantly, and the archive stand-in's real HTTP answers meet the same schemas."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.archive import MEDIA_TYPE, REL, ArchiveClient, document_of, link
from integrations.http import ApiError
from integrations.payload import MissingField
from simulators.archive import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

PAPER = b'{"candidate": "Q7RT", "questions": []}'


def test_the_client_follows_the_roots_relation_links() -> None:
    root = payload("noark", "api")
    assert link(root, "sakarkiv/", "api") == "https://n5.example.com/api/sakarkiv"
    case = payload("noark", "saksmappe")
    assert link(case, "sakarkiv/ny-journalpost/", "saksmappe").endswith("/ny-journalpost")


def test_the_client_reads_a_filed_document_ignoring_unknown_fields() -> None:
    entry, stored = payload("noark", "journalpost"), payload("noark", "dokumentobjekt")
    stored["arkivertAv"] = "someone"  # unknown here: ignored
    document = document_of("case-1", entry, stored)
    assert (document.case_id, document.document_id, document.title) == (
        "case-1",
        "e37be679-f87b-4485-a680-4c3e3c529bdf",
        "paper-Q7RT.json",
    )
    assert (document.size, document.sha256) == (2000, stored["sjekksum"])


@pytest.mark.parametrize("field", ["sjekksum", "filstoerrelse", "systemID", "sjekksumAlgoritme"])
def test_a_missing_field_of_the_object_names_archive_record_and_field(field: str) -> None:
    stored = copy.deepcopy(payload("noark", "dokumentobjekt"))
    del stored[field]
    with pytest.raises(MissingField, match=rf"^archive: dokumentobjekt .*: the field {field} is missing"):
        document_of("case-1", payload("noark", "journalpost"), stored)


def test_a_missing_link_names_the_relation() -> None:
    case = copy.deepcopy(payload("noark", "saksmappe"))
    del case["_links"][REL + "sakarkiv/ny-journalpost/"]
    with pytest.raises(
        MissingField, match=r"^archive: saksmappe _links: the field .*/sakarkiv/ny-journalpost/ is"
    ):
        link(case, "sakarkiv/ny-journalpost/", "saksmappe")


def test_another_checksum_algorithm_is_refused() -> None:
    stored = payload("noark", "dokumentobjekt") | {"sjekksumAlgoritme": "MD5"}
    with pytest.raises(ApiError, match="sjekksumAlgoritme is MD5, not SHA-256"):
        document_of("case-1", payload("noark", "journalpost"), stored)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path)) as base:
        yield base


def test_the_stand_ins_entities_meet_the_schemas(url: str) -> None:
    with ArchiveClient(url) as client:
        case_id = client.case_file(title="Exam TDT4100 (occ-1)")
        document = client.file_document(
            case_id=case_id,
            kind="paper",
            title="paper-Q7RT.json",
            filename="paper-Q7RT.json",
            content=PAPER,
            mime_type="application/json",
        )
    root = httpx.get(f"{url}/api").json()
    check("noark", "api", root)
    case = httpx.get(f"{url}/api/sakarkiv/saksmappe/{case_id}").json()
    check("noark", "saksmappe", case)
    entries = httpx.get(case["_links"][REL + "sakarkiv/journalpost/"]["href"]).json()
    check("noark", "liste", entries)
    [entry] = entries["results"]
    check("noark", "journalpost", entry)
    [description] = httpx.get(entry["_links"][REL + "arkivstruktur/dokumentbeskrivelse/"]["href"]).json()[
        "results"
    ]
    check("noark", "dokumentbeskrivelse", description)
    [stored] = httpx.get(description["_links"][REL + "arkivstruktur/dokumentobjekt/"]["href"]).json()[
        "results"
    ]
    check("noark", "dokumentobjekt", stored)
    assert (stored["systemID"], stored["sjekksum"]) == (
        document.document_id,
        hashlib.sha256(PAPER).hexdigest(),
    )


def test_the_stand_ins_lists_and_errors_meet_the_schemas(url: str) -> None:
    series = httpx.get(f"{url}/api/arkivstruktur/arkivdel/").json()
    check("noark", "liste", series)
    cases = httpx.get(series["results"][0]["_links"][REL + "sakarkiv/saksmappe/"]["href"]).json()
    check("noark", "liste", cases)
    assert cases["count"] == 0 and "results" not in cases
    missing = httpx.get(f"{url}/api/sakarkiv/saksmappe/9d5bda48-52b5-11e9-abc0-002354090596")
    bad = httpx.post(
        series["results"][0]["_links"][REL + "sakarkiv/ny-saksmappe/"]["href"],
        json={"tittel": "Exam"},
        headers={"Content-Type": MEDIA_TYPE},
    )
    for answer, status in ((missing, 404), (bad, 400)):
        assert answer.status_code == status
        check("noark", "feil", answer.json())
    assert bad.json()["feil"]["beskrivelse"] == "a new saksmappe lacks saksansvarlig"
