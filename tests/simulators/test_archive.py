"""The Noark 5 archive stand-in's wire shape, over real HTTP: discovery by relation links, creation
from templates, the hierarchy's required fields and codes, file uploads checked and never
overwritten, ETag-guarded updates, lists, errors and a restart."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.archive import create_app
from simulators.noark import MEDIA_TYPE, MERGE_PATCH, REL
from simulators.server import serve_in_thread

PDF = b"%PDF-1.7 candidate 0001 answer"
NOARK = {"Content-Type": MEDIA_TYPE}


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        yield client


def rel(resource: dict[str, Any], relation: str) -> str:
    return str(resource["_links"][REL + relation]["href"])


def series(http: httpx.Client) -> dict[str, Any]:
    structure = http.get(rel(http.get("/api").json(), "arkivstruktur/")).json()
    [found] = http.get(rel(structure, "arkivstruktur/arkivdel/")).json()["results"]
    return found  # type: ignore[no-any-return]


def make(http: httpx.Client, parent: dict[str, Any], relation: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(rel(parent, relation), json=body, headers=NOARK)


def case(http: httpx.Client, title: str = "Exam TDT4100 (occ-1)") -> httpx.Response:
    return make(http, series(http), "sakarkiv/ny-saksmappe/", {"tittel": title, "saksansvarlig": "examflow"})


def entry(http: httpx.Client, parent: dict[str, Any], kind: str = "I", status: str = "J") -> httpx.Response:
    body = {"tittel": "paper-A", "journalposttype": {"kode": kind}, "journalstatus": {"kode": status}}
    return make(http, parent, "sakarkiv/ny-journalpost/", body)


def object_for(http: httpx.Client, content: bytes = PDF, **declared: Any) -> dict[str, Any]:
    """A new case → entry → main document → object declaring `content` (overridable)."""
    registry = entry(http, case(http).json()).json()
    description = make(
        http,
        registry,
        "arkivstruktur/ny-dokumentbeskrivelse/",
        {"tittel": "paper-A", "dokumentstatus": {"kode": "F"}, "tilknyttetRegistreringSom": {"kode": "H"}},
    ).json()
    fields = {
        "versjonsnummer": 1,
        "variantformat": {"kode": "P"},
        "filnavn": "0001.pdf",
        "mimeType": "application/pdf",
        "filstoerrelse": len(content),
        "sjekksum": hashlib.sha256(content).hexdigest(),
        "sjekksumAlgoritme": "SHA-256",
    } | declared
    response = make(http, description, "arkivstruktur/ny-dokumentobjekt/", fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_everything_is_found_from_the_root_by_relation_links(http: httpx.Client) -> None:
    root = http.get("/api")
    assert root.headers["content-type"].startswith(MEDIA_TYPE)
    assert set(root.json()["_links"]) == {REL + "arkivstruktur/", REL + "sakarkiv/"}
    found = series(http)
    assert found["tittel"] == "Eksamen" and found["arkivdelstatus"]["kode"] == "A"
    arkiv = http.get(rel(found, "arkivstruktur/arkiv/")).json()
    assert arkiv["tittel"] == "Eksamensarkiv"


def test_a_template_has_no_self_and_a_post_gives_201_location_and_etag(http: httpx.Client) -> None:
    template = http.get(rel(series(http), "sakarkiv/ny-saksmappe/")).json()
    assert "self" not in template["_links"] and template["saksstatus"]["kode"] == "B"
    created = case(http)
    assert created.status_code == 201
    body = created.json()
    assert created.headers["Location"] == body["_links"]["self"]["href"] and created.headers["ETag"] == '"0"'
    assert body["mappeID"] == f"{body['saksaar']}/1" and body["saksstatus"]["kodenavn"] == "Under behandling"
    assert http.get(created.headers["Location"]).json()["systemID"] == body["systemID"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"tittel": "paper"}, "a new journalpost lacks journalposttype, journalstatus"),
        (
            {"tittel": "paper", "journalposttype": {"kode": "Q"}, "journalstatus": {"kode": "J"}},
            "journalposttype Q is not one of I, U, N, X, S",
        ),
        (
            {"tittel": "paper", "journalposttype": "I", "journalstatus": {}},
            "journalstatus must be a code object with a kode",
        ),
    ],
)
def test_a_registry_entry_is_refused_naming_the_field(
    http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    parent = case(http).json()
    refused = make(http, parent, "sakarkiv/ny-journalpost/", body)
    assert refused.status_code == 400
    assert refused.json() == {"feil": {"kode": 400, "beskrivelse": message}}
    assert http.get(rel(parent, "sakarkiv/journalpost/")).json()["count"] == 0


def test_registry_entries_are_numbered_within_their_case(http: httpx.Client) -> None:
    parent = case(http).json()
    numbers = [entry(http, parent, kind).json() for kind in ("I", "X", "U")]
    assert [n["journalpostnummer"] for n in numbers] == [1, 2, 3]
    assert numbers[2]["registreringsID"] == f"{parent['mappeID']}-3"
    assert numbers[0]["journalposttype"]["kodenavn"] == "Inngående dokument"


def test_a_file_is_checked_against_its_object_stored_and_served(http: httpx.Client) -> None:
    obj = object_for(http)
    assert "referanseDokumentfil" not in obj
    uploaded = http.post(
        rel(obj, "arkivstruktur/fil/"), content=PDF, headers={"Content-Type": "application/pdf"}
    )
    assert uploaded.status_code == 201, uploaded.text
    stored = uploaded.json()
    assert (stored["sjekksum"], stored["filstoerrelse"]) == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    assert stored["format"] == {"kode": "fmt/276", "kodenavn": "PDF 1.7"}
    served = http.get(stored["referanseDokumentfil"])
    assert (served.content, served.headers["content-type"]) == (PDF, "application/pdf")


@pytest.mark.parametrize(
    ("declared", "content_type", "message"),
    [
        ({"sjekksum": "0" * 64}, "application/pdf", "the file's sjekksum is"),
        (
            {"filstoerrelse": 3},
            "application/pdf",
            f"the file's filstoerrelse is {len(PDF)}, the dokumentobjekt declares 3",
        ),
        ({}, "image/png", "the file's mimeType is image/png, the dokumentobjekt declares application/pdf"),
    ],
)
def test_a_file_differing_from_its_object_is_refused_and_nothing_stored(
    http: httpx.Client, declared: dict[str, Any], content_type: str, message: str
) -> None:
    obj = object_for(http, **declared)
    refused = http.post(rel(obj, "arkivstruktur/fil/"), content=PDF, headers={"Content-Type": content_type})
    assert refused.status_code == 400 and message in refused.json()["feil"]["beskrivelse"]
    assert http.get(rel(obj, "arkivstruktur/fil/")).status_code == 404
    assert "referanseDokumentfil" not in http.get(obj["_links"]["self"]["href"]).json()


def test_a_file_is_never_overwritten(http: httpx.Client) -> None:
    obj = object_for(http, sjekksum=None, filstoerrelse=None, sjekksumAlgoritme=None)
    target = rel(obj, "arkivstruktur/fil/")
    assert http.post(target, content=PDF, headers={"Content-Type": "application/pdf"}).status_code == 201
    again = http.post(target, content=b"tampered", headers={"Content-Type": "application/pdf"})
    assert again.status_code == 409 and "never overwritten" in again.json()["feil"]["beskrivelse"]
    assert http.get(target).content == PDF


def test_an_update_needs_the_current_version(http: httpx.Client) -> None:
    created = entry(http, case(http).json())
    href, etag = created.json()["_links"]["self"]["href"], created.headers["ETag"]
    patch = {"journalstatus": {"kode": "A"}}
    done = http.patch(href, json=patch, headers={"Content-Type": MERGE_PATCH, "If-Match": etag})
    assert done.status_code == 200 and done.headers["ETag"] == '"1"'
    assert done.json()["journalstatus"] == {"kode": "A", "kodenavn": "Arkivert"}
    stale = http.patch(href, json=patch, headers={"Content-Type": MERGE_PATCH, "If-Match": etag})
    assert stale.status_code == 412
    nikita = http.patch(href, json=patch, headers={"Content-Type": MERGE_PATCH, "ETag": etag})
    assert nikita.status_code == 409
    assert http.patch(href, json=patch, headers={"Content-Type": MERGE_PATCH}).status_code == 428
    fixed = http.patch(
        href,
        json={"journalposttype": {"kode": "U"}},
        headers={"Content-Type": MERGE_PATCH, "If-Match": '"1"'},
    )
    assert fixed.status_code == 400 and "journalposttype of a journalpost cannot be changed" in fixed.text


def test_a_closed_case_takes_no_new_entries(http: httpx.Client) -> None:
    created = case(http)
    closed = http.patch(
        created.headers["Location"],
        json={"saksstatus": {"kode": "A"}},
        headers={"Content-Type": MERGE_PATCH, "If-Match": created.headers["ETag"]},
    ).json()
    refused = entry(http, closed)
    assert refused.status_code == 409 and "is closed" in refused.json()["feil"]["beskrivelse"]


def test_lists_page_with_next_and_filter_by_field(http: httpx.Client) -> None:
    for i in range(3):
        case(http, f"Exam {i} (occ-{i})")
    cases = rel(series(http), "sakarkiv/saksmappe/")
    first = http.get(cases, params={"$top": 2}).json()
    assert (first["count"], len(first["results"])) == (3, 2)
    rest = http.get(first["_links"]["next"]["href"]).json()
    assert [c["tittel"] for c in rest["results"]] == ["Exam 2 (occ-2)"] and "next" not in rest["_links"]
    found = http.get(cases, params={"$filter": "tittel eq 'Exam 1 (occ-1)'"}).json()
    assert [c["tittel"] for c in found["results"]] == ["Exam 1 (occ-1)"]
    assert http.get(cases, params={"$filter": "startswith(tittel, 'Exam')"}).status_code == 501


def test_unknown_entities_are_404_in_noarks_error_shape(http: httpx.Client) -> None:
    missing = http.get("/api/sakarkiv/saksmappe/9d5bda48")
    assert missing.status_code == 404
    assert missing.json() == {"feil": {"kode": 404, "beskrivelse": "Not Found: sakarkiv/saksmappe/9d5bda48"}}
    assert http.get("/api/sakarkiv/arkiv/").status_code == 404


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as http:
        obj = object_for(http)
        http.post(rel(obj, "arkivstruktur/fil/"), content=PDF, headers={"Content-Type": "application/pdf"})
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as http:
        assert http.get(f"/api/arkivstruktur/dokumentobjekt/{obj['systemID']}/referanseFil").content == PDF
        assert http.get(rel(series(http), "sakarkiv/saksmappe/")).json()["count"] == 1
        assert http.get("/api/arkivstruktur/arkiv/").json()["count"] == 1
