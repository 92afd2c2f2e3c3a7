"""The archive stand-in's wire shape, over real HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from simulators.archive import MEDIA_TYPE, create_app
from simulators.server import serve_in_thread

CASES = "/api/arkivstruktur/saksmappe"
PDF = b"%PDF-1.7 candidate 0001 answer"


@pytest.fixture
def http(tmp_path: Path) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as client:
        yield client


def new_case(http: httpx.Client, reference: str = "occ-1") -> str:
    response = http.post(CASES, json={"tittel": "Eksamen TDT4100 høst", "referanse": reference})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["systemID"])


def upload(
    http: httpx.Client,
    case_id: str,
    content: bytes = PDF,
    filename: str = "0001.pdf",
    checksum: str | None = None,
    **headers: str,
) -> httpx.Response:
    sent = {
        "X-Tittel": quote("Besvarelse kandidat 0001 – æøå"),
        "X-Filnavn": quote(filename),
        "Content-Type": "application/pdf",
        "X-Sjekksum": checksum or hashlib.sha256(content).hexdigest(),
        **headers,
    }
    return http.post(f"{CASES}/{case_id}/dokument", content=content, headers=sent)


def listing(http: httpx.Client, case_id: str) -> dict:  # type: ignore[type-arg]
    response = http.get(f"{CASES}/{case_id}/dokument")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_case_is_created_once_per_reference(http: httpx.Client) -> None:
    first = http.post(CASES, json={"tittel": "Eksamen", "referanse": "occ-1"})
    assert first.status_code == 201
    assert first.headers["content-type"].startswith(MEDIA_TYPE)
    case_id = first.json()["systemID"]
    assert first.headers["Location"] == f"{CASES}/{case_id}"
    again = http.post(CASES, json={"tittel": "Another title", "referanse": "occ-1"})
    assert again.status_code == 200
    assert again.json()["systemID"] == case_id
    assert again.json()["tittel"] == "Eksamen"
    assert http.post(CASES, json={"tittel": "Eksamen", "referanse": "occ-2"}).json()["systemID"] != case_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tittel": "x"}, "referanse"),
        ({"tittel": "", "referanse": "r"}, "tittel"),
        ({"tittel": "x", "referanse": "r", "extra": 1}, "extra"),
    ],
)
def test_bad_case_is_refused_naming_the_field(http: httpx.Client, body: dict, field: str) -> None:  # type: ignore[type-arg]
    response = http.post(CASES, json=body)
    assert response.status_code == 422
    assert field in response.text


def test_upload_stores_bytes_with_server_computed_checksum_and_size(http: httpx.Client) -> None:
    case_id = new_case(http)
    response = upload(http, case_id)
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["sjekksum"] == hashlib.sha256(PDF).hexdigest()
    assert document["filstoerrelse"] == len(PDF)
    assert document["sjekksumAlgoritme"] == "SHA-256"
    assert document["tittel"] == "Besvarelse kandidat 0001 – æøå"
    assert response.headers["Location"].endswith(f"/dokument/{document['systemID']}")
    listed = listing(http, case_id)
    assert listed["count"] == 1
    assert {k: listed["results"][0][k] for k in ("systemID", "filnavn", "sjekksum")} == {
        "systemID": document["systemID"],
        "filnavn": "0001.pdf",
        "sjekksum": document["sjekksum"],
    }
    file = http.get(f"{CASES}/{case_id}/dokument/{document['systemID']}/fil")
    assert file.content == PDF
    assert file.headers["content-type"] == "application/pdf"


def test_checksum_mismatch_is_refused_naming_both_sums_and_stores_nothing(
    http: httpx.Client, tmp_path: Path
) -> None:
    case_id = new_case(http)
    wrong = hashlib.sha256(b"other bytes").hexdigest()
    response = upload(http, case_id, checksum=wrong)
    assert response.status_code == 400
    assert wrong in response.text and hashlib.sha256(PDF).hexdigest() in response.text
    assert listing(http, case_id)["count"] == 0
    assert not any(p.is_file() for p in (tmp_path / "files").rglob("*"))


def test_same_filename_never_overwritten(http: httpx.Client) -> None:
    case_id = new_case(http)
    first = upload(http, case_id).json()
    response = upload(http, case_id, content=b"a different paper")
    assert response.status_code == 409
    assert "never overwritten" in response.text
    assert listing(http, case_id)["count"] == 1
    assert http.get(f"{CASES}/{case_id}/dokument/{first['systemID']}/fil").content == PDF


def test_identical_reupload_answers_the_existing_document(http: httpx.Client) -> None:
    case_id = new_case(http)
    first = upload(http, case_id)
    again = upload(http, case_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["systemID"] == first.json()["systemID"]
    assert listing(http, case_id)["count"] == 1


def test_same_filename_in_another_case_is_another_document(http: httpx.Client) -> None:
    one, two = new_case(http, "occ-1"), new_case(http, "occ-2")
    assert upload(http, one).status_code == 201
    assert upload(http, two, content=b"other").status_code == 201


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"X-Tittel": ""}, 400, "missing header(s) X-Tittel"),
        ({"X-Filnavn": "", "X-Sjekksum": ""}, 400, "missing header(s) X-Filnavn, X-Sjekksum"),
        ({"X-Filnavn": quote("../escape.pdf", safe="")}, 400, "must be a plain file name"),
        ({"X-Sjekksum": "abc"}, 400, "is not a hex SHA-256"),
    ],
)
def test_bad_upload_headers_are_refused(http: httpx.Client, headers: dict, status: int, message: str) -> None:  # type: ignore[type-arg]
    case_id = new_case(http)
    response = upload(http, case_id, **headers)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert listing(http, case_id)["count"] == 0


def test_unknown_case_and_document_are_404(http: httpx.Client) -> None:
    assert upload(http, "no-such-case").status_code == 404
    assert http.get(f"{CASES}/no-such-case/dokument").status_code == 404
    case_id = new_case(http)
    response = http.get(f"{CASES}/{case_id}/dokument/nope/fil")
    assert response.status_code == 404
    assert "dokument nope not found" in response.text


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as http:
        case_id = new_case(http)
        document = upload(http, case_id).json()
    with serve_in_thread(create_app(tmp_path)) as url, httpx.Client(base_url=url) as http:
        assert new_case(http) == case_id
        assert listing(http, case_id)["results"][0]["systemID"] == document["systemID"]
        assert http.get(f"{CASES}/{case_id}/dokument/{document['systemID']}/fil").content == PDF
        assert upload(http, case_id, content=b"changed").status_code == 409
