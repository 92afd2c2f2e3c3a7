"""ArchiveClient against the Noark 5 archive stand-in over real HTTP; only faults and sleeping are injected."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.archive import MEDIA_TYPE, REL, ArchiveClient
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


def file_paper(client: ArchiveClient, case_id: str, content: bytes = PAPER, name: str = "paper-A.json"):
    return client.file_document(
        case_id=case_id,
        kind="paper",
        title=name,
        filename=name,
        content=content,
        mime_type="application/json",
    )


def entries(url: str, case_id: str) -> list[dict]:  # type: ignore[type-arg]
    listed = httpx.get(f"{url}/api/sakarkiv/saksmappe/{case_id}/journalpost/").json()
    return listed.get("results", [])  # type: ignore[no-any-return]


def test_meets_the_protocol_and_finds_one_case_per_title(client: ArchiveClient) -> None:
    archive: RecordsArchive = client
    case_id = archive.case_file(title="Exam TDT4100 (occ-1)")
    assert client.case_file(title="Exam TDT4100 (occ-1)") == case_id
    assert client.case_file(title="Exam TDT4100 (occ-2)") != case_id


def test_a_document_is_a_registry_entry_with_its_description_object_and_file(
    served: str, client: ArchiveClient
) -> None:
    case_id = client.case_file(title="Exam TDT4100 (occ-1)")
    document = file_paper(client, case_id)
    assert (document.case_id, document.title, document.size) == (case_id, "paper-A.json", len(PAPER))
    assert document.sha256 == hashlib.sha256(PAPER).hexdigest()
    [entry] = entries(served, case_id)
    assert (entry["journalposttype"]["kode"], entry["journalstatus"]["kode"]) == ("I", "A")
    description = httpx.get(entry["_links"][REL + "arkivstruktur/dokumentbeskrivelse/"]["href"]).json()
    [main] = description["results"]
    assert (main["tilknyttetRegistreringSom"]["kode"], main["dokumentstatus"]["kode"]) == ("H", "F")
    assert client.documents(case_id) == [document]
    assert client.download(document.document_id) == PAPER


@pytest.mark.parametrize(
    ("kind", "entry_type"),
    [
        ("paper", "I"),
        ("sketch", "I"),
        ("protocol", "X"),
        ("justification", "U"),
        ("appeal", "U"),
        ("record", "X"),
    ],
)
def test_each_kind_is_filed_as_its_registry_entry_type(
    served: str, client: ArchiveClient, kind: str, entry_type: str
) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    client.file_document(
        case_id=case_id, kind=kind, title=kind, filename=kind, content=b"x", mime_type="text/plain"
    )
    assert [e["journalposttype"]["kode"] for e in entries(served, case_id)] == [entry_type]


def test_an_unknown_kind_is_refused_before_anything_is_written(served: str, client: ArchiveClient) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    with pytest.raises(ValueError, match="no registry entry type for documents of kind minutes"):
        client.file_document(
            case_id=case_id, kind="minutes", title="m", filename="m", content=b"x", mime_type="text/plain"
        )
    assert entries(served, case_id) == []


def test_an_entry_left_without_its_file_is_completed_not_duplicated(
    served: str, client: ArchiveClient
) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    case = httpx.get(f"{served}/api/sakarkiv/saksmappe/{case_id}").json()
    body = {"tittel": "paper-A.json", "journalposttype": {"kode": "I"}, "journalstatus": {"kode": "J"}}
    headers = {"Content-Type": MEDIA_TYPE}
    httpx.post(
        case["_links"][REL + "sakarkiv/ny-journalpost/"]["href"], json=body, headers=headers
    ).raise_for_status()
    assert client.documents(case_id) == []  # listed: the unfinished entry is remembered
    document = file_paper(client, case_id)
    assert client.documents(case_id) == [document]
    assert len(entries(served, case_id)) == 1


def test_a_stale_version_is_read_again_once(served: str, client: ArchiveClient) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    set_faults(served, conflict_rate=0.3, seed=1)
    documents = [file_paper(client, case_id, PAPER + bytes([i]), f"paper-{i}.json") for i in range(6)]
    assert injected(served).get("conflict", 0) > 0
    set_faults(served)
    assert {e["journalstatus"]["kode"] for e in entries(served, case_id)} == {"A"}
    assert client.documents(case_id) == documents


def test_a_version_stale_twice_is_refused_leaving_the_filed_document_held(
    served: str, client: ArchiveClient
) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    set_faults(served, conflict_rate=1)
    with pytest.raises(ApiError, match="archive: 409: journalpost .* was changed by someone else"):
        file_paper(client, case_id)
    assert injected(served) == {"conflict": 2}
    set_faults(served)
    [entry] = entries(served, case_id)
    assert entry["journalstatus"]["kode"] == "J"
    [held] = client.documents(case_id)  # the file is in and checked: registered (J), not archived
    assert (held.title, held.sha256) == ("paper-A.json", hashlib.sha256(PAPER).hexdigest())


def test_an_unknown_case_is_an_api_error_not_retried(client: ArchiveClient, sleeps: list[float]) -> None:
    with pytest.raises(ApiError, match="archive: 404: no saksmappe no-such-case"):
        client.documents("no-such-case")
    assert sleeps == []


def test_a_missing_series_is_named(tmp_path: Path) -> None:
    with serve_in_thread(create_app(tmp_path)) as url, ArchiveClient(url, series="Protokoller") as archive:
        with pytest.raises(ApiError, match="0 series \\(arkivdel\\) titled Protokoller; one is needed"):
            archive.case_file(title="Exam (occ-1)")


def test_retries_503_and_every_document_lands_once(
    served: str, client: ArchiveClient, sleeps: list[float]
) -> None:
    case_id = client.case_file(title="Exam (occ-1)")
    set_faults(served, error_rate=0.3, seed=7)
    documents = [file_paper(client, case_id, PAPER + bytes([i]), f"paper-{i}.json") for i in range(8)]
    assert injected(served)["error"] > 0
    assert len(sleeps) == injected(served)["error"]
    set_faults(served)
    assert client.documents(case_id) == documents
    assert [client.download(d.document_id) for d in documents] == [PAPER + bytes([i]) for i in range(8)]
    assert len(entries(served, case_id)) == 8


def test_gives_up_as_unavailable_when_the_archive_stays_down(served: str, sleeps: list[float]) -> None:
    set_faults(served, error_rate=1)
    with ArchiveClient(served, retry=RetryPolicy(attempts=3, sleep=sleeps.append)) as archive:
        with pytest.raises(Unavailable, match="gave up after 3 tries: 503"):
            archive.case_file(title="Exam (occ-1)")
    assert len(sleeps) == 2


def test_survives_a_restart(tmp_path: Path) -> None:
    with serve_in_thread(create_app(tmp_path)) as url, ArchiveClient(url) as archive:
        case_id = archive.case_file(title="Exam (occ-1)")
        document = file_paper(archive, case_id)
    with serve_in_thread(create_app(tmp_path)) as url, ArchiveClient(url) as archive:
        assert archive.case_file(title="Exam (occ-1)") == case_id
        assert archive.documents(case_id) == [document]
        assert archive.download(document.document_id) == PAPER
