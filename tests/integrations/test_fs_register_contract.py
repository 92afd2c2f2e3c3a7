"""FS as a register, against its contract: the client reads payloads in FS's shape
(tests/contracts/fs) tolerantly, refuses what lacks a required field by name, and the FS stand-in's
real HTTP answers to the client's own queries meet the same schemas."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.fs_register import (
    MELDINGER_QUERY,
    TILPASNING_QUERY,
    UNIT_QUERY,
    grading_information,
    granted_accommodations,
    registration,
    registration_event,
    unit_occasion,
)
from integrations.payload import MissingField
from models.domain import Accommodation
from simulators.fs import create_app
from simulators.server import serve_in_thread
from tests.contracts import check, payload

AUTH = ("api-user", "s3cret")
FLAGS = {"Feature-Flags": "beta, experimental"}
UNIT = "VnVyZGVyaW5nc2VuaGV0OjE5NCxURFQ0MTQ1LDEsMjAyNyxWQVIsMQ=="
UNITS_QUERY = """
query($eier: String!, $termin: TerminInput, $emner: [EmnekodeInput!]) {
  vurderingsenheter(eierOrganisasjonskode: $eier, termin: $termin, emnekoder: $emner, first: 10) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id emne { id kode } } }
    nodes { __typename id emne { id kode versjonskode navnAlleSprak { nb } vekting { emnevekting { verdi } } }
            vurderingsvarighet { eksamensdatoer { startDato sluttDato } innleveringsfrist { dato klokkeslett } } }
  }
}
"""


def meldinger(name: str = "vurderingsmeldinger") -> list[dict[str, Any]]:
    return list(payload("fs", name)["data"]["nodes"][0]["vurderingsmeldinger"])


def test_the_client_reads_a_unit_as_an_occasion() -> None:
    occasion = unit_occasion(payload("fs", "vurderingsenhet")["data"]["node"])
    assert (occasion.uid, occasion.name) == (UNIT, "TDT4145 Datamodellering og databasesystemer")
    assert (occasion.start_date, occasion.end_date) == (date(2027, 5, 20), date(2027, 5, 20))
    assert occasion.submission_deadline == datetime(2027, 5, 20, 13, 0)
    assert occasion.module_uids == occasion.course_round_uids == ("RW1uZToxOTQsVERUNDE0NSwx",)


def test_the_client_reads_registrations_with_their_candidate_numbers() -> None:
    rows = [registration(UNIT, m) for m in meldinger()]
    assert [(r.student_uid, r.anonymisation_code, r.last_name) for r in rows] == [
        ("512345", "10234", "Nordmann"),
        ("512399", "10251", "Hansen"),
    ]


def test_a_registration_without_a_candidate_number_is_refused_naming_it() -> None:
    with pytest.raises(MissingField, match="vurderingsmelding VnVyZGVyaW5nc21lbGRpbmc6MQ==.*kandidatnummer"):
        registration(UNIT, meldinger("vurderingsmeldinger.uten-kandidatnummer")[0])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("studentVedLarested",), "studentVedLarested"),
        (("studentVedLarested", "studentnummer"), "studentnummer"),
    ],
)
def test_a_registration_missing_a_required_field_is_refused_naming_it(
    path: tuple[str, ...], field: str
) -> None:
    melding = copy.deepcopy(meldinger()[0])
    holder = melding
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    with pytest.raises(MissingField, match=f"fs: vurderingsmelding .* the field {field} "):
        registration(UNIT, melding)


def test_unknown_fields_are_ignored() -> None:
    unit = copy.deepcopy(payload("fs", "vurderingsenhet")["data"]["node"])
    unit["nyttFelt"] = {"x": 1}
    assert unit_occasion(unit).uid == UNIT


def test_only_granted_applications_on_the_units_own_registrations_count() -> None:
    units = payload("fs", "eksamenstilpasningssoknader")["data"]["nodes"]
    assert granted_accommodations(UNIT, units[0]["vurderingsmeldinger"]) == [
        Accommodation(
            student_uid="512345", extra_time_minutes=60, separate_room=True, equipment="PC med talesyntese"
        )
    ]


def test_an_extra_time_that_is_no_duration_is_refused_naming_it() -> None:
    units = copy.deepcopy(payload("fs", "eksamenstilpasningssoknader")["data"]["nodes"])
    units[0]["vurderingsmeldinger"][0]["studentVedLarested"]["eksamenstilpasningssoknader"][0][
        "ekstratid"
    ] = "an hour"
    with pytest.raises(
        MissingField, match="eksamenstilpasningssoknad .* ekstratid is not a duration: an hour"
    ):
        granted_accommodations(UNIT, units[0]["vurderingsmeldinger"])


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users={AUTH[0]: AUTH[1]})) as base:
        body = {
            "eier": "194",
            "emne": {"kode": "TDT4145", "navn": "Datamodellering", "studiepoeng": 7.5},
            "arstall": 2027,
            "termintype": "VAR",
            "startDato": "2027-05-20",
            "innleveringsfristDato": "2027-05-20",
            "vurderingsmeldinger": [
                {"studentnummer": "512345", "kandidatnummer": "10234", "tilpasning": {"ekstratid": "PT1H"}},
                {"studentnummer": "512399", "kandidatnummer": "10251", "tilpasning": {"utstyr": ["PC"]}},
            ],
        }
        httpx.put(f"{base}/_sim/vurderingsenheter/{UNIT}", json=body).raise_for_status()
        yield base


def ask(url: str, query: str, variables: dict[str, Any]) -> Any:
    response = httpx.post(
        f"{url}/graphql/", json={"query": query, "variables": variables}, headers=FLAGS, auth=AUTH
    )
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body
    return body


def test_the_stand_ins_answers_meet_fss_schemas(url: str) -> None:
    check("fs", "vurderingsenhet", ask(url, UNIT_QUERY, {"id": UNIT}))
    check("fs", "vurderingsmeldinger", ask(url, MELDINGER_QUERY, {"ids": [UNIT]}))
    check("fs", "eksamenstilpasningssoknader", ask(url, TILPASNING_QUERY, {"ids": [UNIT]}))
    found = ask(url, UNITS_QUERY, {"eier": "194", "termin": {"arstall": 2027, "termintype": "VAR"},
                                   "emner": [{"emnekode": "TDT4145", "versjonskode": "1"}]})  # fmt: skip
    check("fs", "vurderingsenheter", found)
    assert [n["id"] for n in found["data"]["vurderingsenheter"]["nodes"]] == [UNIT]


@pytest.mark.parametrize(
    "variables",
    [
        {"eier": "186"},
        {"eier": "194", "termin": {"arstall": 2027, "termintype": "HOST"}},
        {"eier": "194", "emner": [{"emnekode": "TDT4145", "versjonskode": "2"}]},
    ],
    ids=["another owner", "another term", "another course version"],
)
def test_units_are_found_by_owner_term_and_course_code_only(url: str, variables: dict[str, Any]) -> None:
    found = ask(url, UNITS_QUERY, variables)["data"]["vurderingsenheter"]
    assert (found["totalCount"], found["nodes"]) == (0, [])


def test_student_events_meet_the_schema(url: str) -> None:
    query = """
    query($eier: String!) {
      studenthendelser(filter: {eierOrganisasjonskode: $eier, hendelsestype: [VURDERINGSMELDT]}, first: 1) {
        totalCount
        pageInfo { hasPreviousPage startCursor endCursor hasNextPage }
        edges { cursor node { __typename id tidspunkt hendelsestype student { id studentnummer }
                ... on StudentVurderingsmeldt { vurderingsmelding { id } } } }
      }
    }
    """
    found = ask(url, query, {"eier": "194"})
    check("fs", "studenthendelser", found)
    events = found["data"]["studenthendelser"]
    assert (events["totalCount"], events["pageInfo"]["hasNextPage"]) == (2, True)


def test_the_client_reads_registration_events() -> None:
    edges = payload("fs", "studenthendelser.vurderingsmeldt")["data"]["studenthendelser"]["edges"]
    made, withdrawn = (registration_event(e["node"]) for e in edges)
    assert made is not None and withdrawn is not None
    assert (made.kind, made.registration_id, made.occasion_uid) == (
        "registered",
        "VnVyZGVyaW5nc21lbGRpbmc6MQ==",
        UNIT,
    )
    assert (withdrawn.kind, withdrawn.registration_id, withdrawn.occasion_uid) == (
        "withdrawn",
        "VnVyZGVyaW5nc21lbGRpbmc6Mg==",
        None,
    )


def test_an_event_of_a_registration_fs_no_longer_holds_is_passed_over() -> None:
    node = copy.deepcopy(
        payload("fs", "studenthendelser.vurderingsmeldt")["data"]["studenthendelser"]["edges"][0]["node"]
    )
    node["vurderingsmelding"] = None
    assert registration_event(node) is None


def test_the_client_reads_grading_information_with_commissions() -> None:
    unit = payload("fs", "vurderingsenheter")["data"]["vurderingsenheter"]["nodes"][0]
    info = grading_information(UNIT, unit["sensurinformasjon"])
    assert info.grading_deadline == datetime.fromisoformat("2027-06-10T23:59:00+02:00")
    assert [(g.name, g.external) for g in info.commissions[0].graders] == [
        ("Lars Kvam", False),
        ("Eva Berg", True),
    ]


def test_grading_information_without_its_commissions_is_refused_naming_the_field() -> None:
    sensur = copy.deepcopy(
        payload("fs", "vurderingsenheter")["data"]["vurderingsenheter"]["nodes"][0]["sensurinformasjon"]
    )
    del sensur["kommisjoner"]
    with pytest.raises(MissingField, match="sensurinformasjon of vurderingsenhet .* kommisjoner"):
        grading_information(UNIT, sensur)
