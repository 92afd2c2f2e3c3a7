"""What the faculty registers in FS (modelled, unverified: tests/contracts/fs/README.md): the client
reads the payloads of registering an appeal, closing it and registering a justification, and refuses
a missing field by name; against the FS stand-in over HTTP, an appeal registered keeps the klage FS
holds (the old result marked under appeal), a new one is made where FS holds none, the mark is lifted
once it is closed, a justification is registered as given, and every answer meets FS's schemas; an
unknown unit or klage and a call without the experimental flag are FS's errors."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from integrations import fs_marks
from integrations.fs import FsClient
from integrations.http import ApiError
from integrations.payload import MissingField
from models.register_marks import AppealMark, AppealStatus, JustificationMark
from simulators.fs import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

AUTH = ("api-user", "s3cret")
UNIT = "occ-appeals-1"


def test_the_client_reads_an_appeal_registered_and_closed() -> None:
    marked = fs_marks.read_appeal(payload("fs", "registrerKlager")["data"], "registrerKlager")
    assert marked == AppealMark(
        appeal_id="k-0001",
        candidate="10234",
        received_on=date(2026, 7, 1),
        status=AppealStatus.UNDER_APPEAL,
        result_blocked=True,
    )
    closed = fs_marks.read_appeal(payload("fs", "avsluttKlager")["data"], "avsluttKlager")
    assert (closed.status, closed.result_blocked) == (AppealStatus.DECIDED, False)


def test_the_client_reads_a_justification_registered() -> None:
    assert fs_marks.read_justification(payload("fs", "registrerBegrunnelser")["data"]) == JustificationMark(
        request_id="b7c1f0de-0001",
        candidate="10234",
        requested_on=date(2026, 6, 18),
        given_on=date(2026, 6, 25),
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("resultatSperret", r"^fs: klage k-0001: the field resultatSperret is missing or empty$"),
        ("status", r"^fs: klage k-0001: the field status is missing or empty$"),
        ("id", r"^fs: klage #1: the field id is missing or empty$"),
    ],
)
def test_a_missing_field_of_an_appeal_names_fs_the_record_and_the_field(field: str, message: str) -> None:
    data = copy.deepcopy(payload("fs", "registrerKlager")["data"])
    del data["registrerKlager"]["klager"][0][field]
    with pytest.raises(MissingField, match=message):
        fs_marks.read_appeal(data, "registrerKlager")


def test_a_status_fs_does_not_have_and_an_answer_of_two_appeals_are_refused() -> None:
    data = copy.deepcopy(payload("fs", "registrerKlager")["data"])
    data["registrerKlager"]["klager"][0]["status"] = "SPERRET"
    with pytest.raises(MissingField, match="field status is not a klage status: SPERRET"):
        fs_marks.read_appeal(data, "registrerKlager")
    data["registrerKlager"]["klager"] *= 2
    with pytest.raises(MissingField, match="registrerKlager: the field klager holds 2 records, not one"):
        fs_marks.read_appeal(data, "registrerKlager")


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users={AUTH[0]: AUTH[1]})) as base:
        seed = {"klager": [{"id": "k-held", "kandidatnummer": "10234", "mottattDato": "2026-07-01"}]}
        httpx.post(f"{base}/_sim/vurderingsenheter/{UNIT}/requests", json=seed).raise_for_status()
        yield base


@pytest.fixture
def fs(url: str) -> Iterator[FsClient]:
    with FsClient(url, user=AUTH[0], password=AUTH[1]) as client:
        yield client


def mutate(url: str, query: str, item: dict[str, str], flags: str = "beta, experimental") -> dict:
    answer = httpx.post(
        f"{url}/graphql/",
        json={"query": query, "variables": {"input": [item]}},
        headers={"Feature-Flags": flags},
        auth=AUTH,
    )
    return answer.json()


def test_an_appeal_fs_holds_is_marked_and_its_mark_lifted_once_closed(url: str, fs: FsClient) -> None:
    held = fs.mark_appeal(UNIT, "10234", date(2026, 7, 2))
    assert (held.appeal_id, held.received_on, held.status, held.result_blocked) == (
        "k-held",
        date(2026, 7, 1),
        AppealStatus.UNDER_APPEAL,
        True,
    )
    new = fs.mark_appeal(UNIT, "10288", date(2026, 7, 3))
    assert new.appeal_id != "k-held" and new.result_blocked and new.received_on == date(2026, 7, 3)
    assert [r.candidate for r in fs.requests(UNIT)] == ["10234", "10288"]  # FS lists it with the others
    closed = fs.close_appeal("k-held")
    assert (closed.status, closed.result_blocked) == (AppealStatus.DECIDED, False)
    assert fs.mark_appeal(UNIT, "10234", date(2026, 7, 2)).result_blocked is False  # decided stays decided


def test_a_justification_is_registered_as_given(fs: FsClient) -> None:
    given = fs.register_justification(UNIT, "10301", date(2026, 6, 18), date(2026, 6, 25))
    assert (given.candidate, given.requested_on, given.given_on) == (
        "10301",
        date(2026, 6, 18),
        date(2026, 6, 25),
    )
    assert [r.request_id for r in fs.requests(UNIT) if r.candidate == "10301"] == [given.request_id]


def test_an_unknown_unit_or_klage_is_fs_error(fs: FsClient) -> None:
    with pytest.raises(ApiError, match=r"UgyldigId: fant ingen vurderingsenhet med id 'finnes-ikke'"):
        fs.mark_appeal("finnes-ikke", "10234", date(2026, 7, 2))
    with pytest.raises(ApiError, match=r"UgyldigId: fant ingen klage med id 'k-ukjent'"):
        fs.close_appeal("k-ukjent")


def test_the_stand_ins_answers_meet_fs_schemas(url: str) -> None:
    item = {"vurderingsenhetId": UNIT, "kandidatnummer": "10234", "mottattDato": "2026-07-02"}
    check("fs", "registrerKlager", mutate(url, fs_marks.REGISTER_APPEAL, item))
    check("fs", "avsluttKlager", mutate(url, fs_marks.CLOSE_APPEAL, {"id": "k-held"}))
    given = {**item, "gittDato": "2026-07-09"}
    check("fs", "registrerBegrunnelser", mutate(url, fs_marks.REGISTER_JUSTIFICATION, given))
    unflagged = mutate(url, fs_marks.REGISTER_APPEAL, item, flags="beta")
    check("fs", "errors", unflagged)
    assert unflagged["errors"][0]["extensions"]["code"] == "UgyldigInput"
    assert "registrerKlager is experimental" in unflagged["errors"][0]["message"]
