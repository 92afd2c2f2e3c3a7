"""FS's contract: the client reads payloads in FS's shape (tests/contracts/fs) tolerantly, and the
FS stand-in's real HTTP answers meet the same schemas."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.fs import CONNECTIONS, PAGE_QUERY, read_page
from integrations.payload import MissingField
from models.domain import RegisterRequest, RequestKind
from simulators.fs import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

AUTH = ("api-user", "s3cret")
FLAGS = {"Feature-Flags": "beta, experimental"}
UNIT = "occ-contract-1"


def test_the_client_reads_a_page_of_requests_for_a_justification() -> None:
    requests, after = read_page(
        UNIT, "begrunnelsesforesporsler", payload("fs", "begrunnelsesforesporsler")["data"]
    )
    assert after is None
    assert requests == [
        RegisterRequest(
            request_id="b7c1f0de-0001",
            kind=RequestKind.JUSTIFICATION,
            candidate="10234",
            received_on=date(2026, 6, 18),
        ),
        RegisterRequest(
            request_id="b7c1f0de-0002",
            kind=RequestKind.JUSTIFICATION,
            candidate="10251",
            received_on=date(2026, 6, 19),
        ),
    ]


def test_the_client_reads_appeals_page_by_page_ignoring_unknown_fields() -> None:
    first, after = read_page(UNIT, "klager", payload("fs", "klager")["data"])
    last, end = read_page(UNIT, "klager", payload("fs", "klager.last-page")["data"])
    assert after == "Zm9yZXNwb3JzZWw6NA==" and end is None
    assert [(r.request_id, r.candidate, r.justification_asked) for r in first + last] == [
        ("k-0001", "10234", True),
        ("k-0002", "10288", False),
        ("k-0003", "10301", False),
    ]
    assert {r.kind for r in first + last} == {RequestKind.APPEAL}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (["nodes", 1, "kandidatnummer"], r"^fs: klage k-0002: the field kandidatnummer is missing or empty$"),
        (["nodes", 0, "mottattDato"], r"^fs: klage k-0001: the field mottattDato is missing or empty$"),
        (["nodes", 0, "id"], r"^fs: klage #1: the field id is missing or empty$"),
        (
            ["pageInfo", "endCursor"],
            r"^fs: vurderingsenhet occ-contract-1 klager pageInfo: the field endCursor",
        ),
        (["nodes"], r"^fs: vurderingsenhet occ-contract-1 klager: the field nodes is missing"),
    ],
)
def test_a_missing_required_field_names_fs_the_record_and_the_field(path: list[Any], message: str) -> None:
    data = copy.deepcopy(payload("fs", "klager")["data"])
    holder = data["vurderingsenhet"]["klager"]
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    with pytest.raises(MissingField, match=message):
        read_page(UNIT, "klager", data)


def test_a_date_that_is_no_date_is_refused_naming_the_field() -> None:
    data = copy.deepcopy(payload("fs", "begrunnelsesforesporsler")["data"])
    data["vurderingsenhet"]["begrunnelsesforesporsler"]["nodes"][0]["mottattDato"] = "18.06.2026"
    with pytest.raises(
        MissingField, match=r"begrunnelse b7c1f0de-0001: the field mottattDato is not a date: 18\.06"
    ):
        read_page(UNIT, "begrunnelsesforesporsler", data)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users={AUTH[0]: AUTH[1]})) as base:
        yield base


def ask(url: str, field: str, variables: dict[str, Any], auth: Any = AUTH) -> httpx.Response:
    query = PAGE_QUERY % (field, CONNECTIONS[field][1])
    return httpx.post(
        f"{url}/graphql/", json={"query": query, "variables": variables}, headers=FLAGS, auth=auth
    )


def test_the_stand_ins_pages_meet_fs_schemas(url: str) -> None:
    seed = {
        "begrunnelser": [{"kandidatnummer": "10234", "mottattDato": "2026-06-18"}],
        "klager": [
            {"kandidatnummer": f"10{i:03d}", "mottattDato": "2026-07-01", "begrunnelseForespurt": i == 0}
            for i in range(3)
        ],
    }
    httpx.post(f"{url}/_sim/vurderingsenheter/{UNIT}/requests", json=seed).raise_for_status()
    first = ask(url, "klager", {"id": UNIT, "first": 2, "after": None}).json()
    check("fs", "klager", first)
    cursor = first["data"]["vurderingsenhet"]["klager"]["pageInfo"]["endCursor"]
    last = ask(url, "klager", {"id": UNIT, "first": 2, "after": cursor}).json()
    check("fs", "klager", last)
    assert last["data"]["vurderingsenhet"]["klager"]["pageInfo"]["hasNextPage"] is False
    check(
        "fs",
        "begrunnelsesforesporsler",
        ask(url, "begrunnelsesforesporsler", {"id": UNIT, "first": 10}).json(),
    )


def test_the_stand_ins_errors_meet_fs_schema(url: str) -> None:
    httpx.post(f"{url}/_sim/vurderingsenheter/{UNIT}/requests", json={}).raise_for_status()
    unknown = ask(url, "klager", {"id": "finnes-ikke", "first": 2}).json()
    too_many = ask(url, "klager", {"id": UNIT, "first": 500}).json()
    refused = ask(url, "klager", {"id": UNIT, "first": 2}, auth=("api-user", "wrong"))
    for answer in (unknown, too_many, refused.json()):
        check("fs", "errors", answer)
    codes = [a["errors"][0]["extensions"]["code"] for a in (unknown, too_many, refused.json())]
    assert codes == ["UgyldigId", "UgyldigInput", "IkkeAutentisert"] and refused.status_code == 401
