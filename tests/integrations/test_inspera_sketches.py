"""The platform's scanned sketches (modelled, unverified: tests/contracts/inspera/README.md): the
listing read from the contract payload, a missing field named, and over HTTP on the stand-in each
file fetched from its signed URL, the stand-in's listing meeting the schema."""

from __future__ import annotations

import base64

import httpx
import pytest

from integrations.inspera import InsperaClient
from integrations.inspera_answers import InsperaContractError, parse_sketches
from models.domain import PlatformCandidate
from tests.contracts import check, payload
from tests.integrations.test_inspera_contracts import _test, base, client  # noqa: F401  (fixtures)


def test_the_listing_is_read_and_unknown_fields_ignored() -> None:
    listed = parse_sketches(payload("inspera", "sketches"), "98765432")
    assert [(s.sketch_id, s.candidate_id, s.question_number, s.filename, s.mime_type) for s in listed] == [
        ("88001", "412001", 3, "MA1201-0001-03-01.png", "image/png"),
        ("88002", "412002", 3, "MA1201-0002-03-01.jpg", "image/jpeg"),
    ]
    assert listed[0].url.startswith("https://files.example.invalid/sketches/88001?")


def test_a_sketch_without_its_url_is_refused_naming_it() -> None:
    row = {k: v for k, v in payload("inspera", "sketches")[0].items() if k != "signedUrl"}
    with pytest.raises(InsperaContractError, match="sketches of test 9, sketch 88001: signedUrl"):
        parse_sketches([row], "9")


def test_each_sketch_file_comes_from_its_signed_url(client: InsperaClient, base: str) -> None:  # noqa: F811
    test_id = _test(client)
    client.add_candidates(test_id, [PlatformCandidate(external_user_id="student-1", candidate_code="C-1")])
    [candidate] = client.list_candidates(test_id)
    scan = b"\x89PNG\r\n\x1a\n scanned"
    body = {
        "candidateId": int(candidate.candidate_id),
        "questionNumber": 2,
        "fileName": "C-1-02-01.png",
        "mimeType": "image/png",
        "contentBase64": base64.b64encode(scan).decode(),
    }
    httpx.post(f"{base}/_sim/test/{test_id}/sketches", json=body).raise_for_status()
    token = client.auth_headers()
    check("inspera", "sketches", httpx.get(f"{base}/api/v1/test/{test_id}/sketches", headers=token).json())
    [sketch] = client.sketches(test_id)
    assert (sketch.candidate_id, sketch.question_number, sketch.filename, sketch.content) == (
        candidate.candidate_id,
        2,
        "C-1-02-01.png",
        scan,
    )
    unknown = httpx.post(f"{base}/_sim/test/{test_id}/sketches", json={**body, "candidateId": 999999})
    assert unknown.status_code == 404 and "not on test" in unknown.text
