"""ArchiveClient against the archive stand-in over real HTTP; only faults and sleeping are injected."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.archive import ArchiveClient
from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.protocols import RecordsArchive
from simulators.archive import create_app
from simulators.server import serve_in_thread

PAPER = "Besvarelse kandidat 0001 – æøå".encode() * 100


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path)) as url:
        yield url


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(served: str, sleeps: list[float]) -> Iterator[ArchiveClient]:
    with ArchiveClient(served, retry=RetryPolicy(attempts=6, sleep=sleeps.append)) as archive:
        yield archive


def set_faults(url: str, **settings: float) -> None:
    httpx.put(f"{url}/_sim/faults", json=settings).raise_for_status()


def injected(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/_sim/faults").json()["injected"]  # type: ignore[no-any-return]


def test_meets_the_protocol(client: ArchiveClient) -> None:
    archive: RecordsArchive = client
    assert archive.create_case(title="Eksamen", reference="r") == client.create_case(title="x", reference="r")


def test_upload_list_and_download(client: ArchiveClient) -> None:
    case_id = client.create_case(title="Eksamen TDT4100", reference="occ-1")
    document = client.upload_document(
        case_id=case_id,
        title="Besvarelse æøå",
        filename="kandidat 0001.pdf",
        content=PAPER,
        mime_type="application/pdf",
    )
    assert (document.case_id, document.title, document.size) == (case_id, "Besvarelse æøå", len(PAPER))
    assert document.sha256 == hashlib.sha256(PAPER).hexdigest()
    assert client.list_documents(case_id) == [document]
    assert client.download(case_id, document.document_id) == PAPER


def test_reupload_is_idempotent_and_other_bytes_are_refused(client: ArchiveClient) -> None:
    case_id = client.create_case(title="Eksamen", reference="occ-1")
    args = {
        "case_id": case_id,
        "title": "Protokoll",
        "filename": "protokoll.pdf",
        "mime_type": "application/pdf",
    }
    first = client.upload_document(content=PAPER, **args)
    assert client.upload_document(content=PAPER, **args) == first
    with pytest.raises(ApiError) as refused:
        client.upload_document(content=b"tampered", **args)
    assert refused.value.status == 409
    assert client.list_documents(case_id) == [first]


def test_unknown_case_is_an_api_error_not_retried(client: ArchiveClient, sleeps: list[float]) -> None:
    with pytest.raises(ApiError) as refused:
        client.list_documents("no-such-case")
    assert refused.value.status == 404
    assert sleeps == []


def test_retries_503_and_every_upload_lands_once(
    served: str, client: ArchiveClient, sleeps: list[float]
) -> None:
    case_id = client.create_case(title="Eksamen", reference="occ-1")
    set_faults(served, error_rate=0.5, seed=7)
    documents = [
        client.upload_document(
            case_id=case_id,
            title=f"Besvarelse {i}",
            filename=f"{i:04d}.pdf",
            content=PAPER + bytes([i]),
            mime_type="application/pdf",
        )
        for i in range(8)
    ]
    assert injected(served)["error"] > 0
    assert len(sleeps) == injected(served)["error"]
    set_faults(served)
    assert client.list_documents(case_id) == documents
    assert [client.download(case_id, d.document_id) for d in documents] == [
        PAPER + bytes([i]) for i in range(8)
    ]


def test_gives_up_as_unavailable_when_the_archive_stays_down(served: str, sleeps: list[float]) -> None:
    set_faults(served, error_rate=1)
    with ArchiveClient(served, retry=RetryPolicy(attempts=3, sleep=sleeps.append)) as archive:
        with pytest.raises(Unavailable, match="gave up after 3 tries: 503"):
            archive.create_case(title="Eksamen", reference="occ-1")
    assert len(sleeps) == 2
    set_faults(served)
    created = httpx.post(
        f"{served}/api/arkivstruktur/saksmappe", json={"tittel": "Eksamen", "referanse": "occ-1"}
    )
    assert created.status_code == 201  # the refused tries left nothing behind


def test_survives_a_restart(tmp_path: Path) -> None:
    with serve_in_thread(create_app(tmp_path)) as url, ArchiveClient(url) as archive:
        case_id = archive.create_case(title="Eksamen", reference="occ-1")
        document = archive.upload_document(
            case_id=case_id, title="t", filename="a.pdf", content=PAPER, mime_type="application/pdf"
        )
    with serve_in_thread(create_app(tmp_path)) as url, ArchiveClient(url) as archive:
        assert archive.create_case(title="Eksamen", reference="occ-1") == case_id
        assert archive.list_documents(case_id) == [document]
