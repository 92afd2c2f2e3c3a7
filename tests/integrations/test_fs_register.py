"""FsRegister (FS as the register of Norwegian exams) against the FS stand-in over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.fs_register import FsRegister, GradesNotWritable
from integrations.http import ApiError, RetryPolicy
from integrations.payload import MissingField
from integrations.protocols import StudentRegister
from models.domain import Accommodation
from simulators.fs import create_app
from simulators.server import serve_in_thread

USER, PASSWORD = "api-user", "s3cret"
UNIT = "VmVudGhldDoxOTQsVERUNDE0NSwxLFZBUiwyMDI3"
OWNER = "194"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path / "fs.db", users={USER: PASSWORD})) as url:
        yield url


@pytest.fixture
def fs(served: str) -> Iterator[FsRegister]:
    retry = RetryPolicy(attempts=3, sleep=lambda _: None)
    with FsRegister(f"{served}/", user=USER, password=PASSWORD, owner=OWNER, retry=retry) as client:
        yield client


def student(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "studentnummer": f"5{n:05d}",
        "fornavn": f"Kari{n}",
        "etternavn": "Nordmann",
        "fodselsnummer": f"0101990{n:04d}",
        "kandidatnummer": f"{10200 + n}",
        **extra,
    }


def put_unit(url: str, meldinger: list[dict[str, Any]], unit: str = UNIT, **extra: Any) -> dict[str, Any]:
    body = {
        "eier": OWNER,
        "emne": {"kode": "TDT4145", "versjonskode": "1", "navn": "Datamodellering", "studiepoeng": 7.5},
        "arstall": 2027,
        "termintype": "VAR",
        "startDato": "2027-05-20",
        "innleveringsfristDato": "2027-05-20",
        "innleveringsfristKlokkeslett": "13:00:00",
        "vurderingsmeldinger": meldinger,
        **extra,
    }
    response = httpx.put(f"{url}/_sim/vurderingsenheter/{unit}", json=body)
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


def test_the_client_meets_the_register_protocol(fs: FsRegister) -> None:
    register: StudentRegister = fs
    assert register is fs


def test_a_unit_reads_as_an_occasion_with_its_course_dates_and_submission_deadline(
    served: str, fs: FsRegister
) -> None:
    seeded = put_unit(served, [student(1)])
    occasion = fs.get_occasion(UNIT)
    assert (occasion.uid, occasion.start_date, occasion.end_date) == (
        UNIT,
        date(2027, 5, 20),
        date(2027, 5, 20),
    )
    assert occasion.name == "TDT4145 Datamodellering"
    assert occasion.submission_deadline == datetime(2027, 5, 20, 13, 0)
    assert occasion.course_round_uids == occasion.module_uids == (seeded["emne"],)
    course = fs.get_course_round(seeded["emne"])
    assert (course.code, course.modules[0].credits, course.modules[0].uid) == ("TDT4145", 7.5, seeded["emne"])


def test_registrations_carry_fs_candidate_numbers_as_the_anonymisation_codes(
    served: str, fs: FsRegister
) -> None:
    seeded = put_unit(served, [student(1), student(2)])
    put_unit(served, [student(3)], unit="other-unit", emne={"kode": "TMA4100", "navn": "Matte"})
    found = fs.registered_many([UNIT, "other-unit"])
    rows = sorted(found[UNIT], key=lambda r: r.student_uid)
    assert [(r.student_uid, r.anonymisation_code, r.first_name) for r in rows] == [
        ("500001", "10201", "Kari1"),
        ("500002", "10202", "Kari2"),
    ]
    assert {r.study_result_uid for r in rows} == set(seeded["vurderingsmeldinger"])
    assert [r.anonymisation_code for r in found["other-unit"]] == ["10203"]
    results = fs.search_study_results(UNIT)
    assert {r.anonymisation_code for r in results} == {"10201", "10202"}


def test_a_registration_without_a_candidate_number_is_refused_naming_it(served: str, fs: FsRegister) -> None:
    seeded = put_unit(served, [student(1, kandidatnummer=None)])
    with pytest.raises(MissingField) as refused:
        fs.registered_many([UNIT])
    assert "kandidatnummer" in str(refused.value) and seeded["vurderingsmeldinger"][0] in str(refused.value)


def test_an_unknown_unit_is_refused_naming_it(fs: FsRegister) -> None:
    with pytest.raises(ApiError, match="UgyldigId.*no-such-unit"):
        fs.get_occasion("no-such-unit")
    with pytest.raises(ApiError, match="no-such-unit"):
        fs.registered_many(["no-such-unit"])


def test_only_granted_accommodations_for_the_units_own_registrations_are_read(
    served: str, fs: FsRegister
) -> None:
    granted = {
        "innvilget": True,
        "ekstratid": "PT1H15M",
        "eksamensrom": "R-101",
        "utstyr": ["PC", "Lesebrett"],
    }
    put_unit(
        served,
        [
            student(1, tilpasning=granted),
            student(2, tilpasning={"innvilget": False, "ekstratid": "PT30M"}),
            student(3, tilpasning={"innvilget": None, "ekstratid": "PT30M"}),
            student(4),
        ],
    )
    put_unit(served, [student(4, tilpasning={"innvilget": True, "ekstratid": "PT20M"})], unit="other-unit")
    assert fs.accommodations(UNIT) == [
        Accommodation(
            student_uid="500001", extra_time_minutes=75, separate_room=True, equipment="PC, Lesebrett"
        )
    ]


def test_students_are_found_by_student_number_or_national_id(served: str, fs: FsRegister) -> None:
    put_unit(served, [student(1), student(2)])
    assert fs.find_students(uids=["500001", "599999"], national_ids=["01019900002"]) == {
        "500001": "500001",
        "01019900002": "500002",
    }


def test_fs_takes_no_grades_over_its_api(fs: FsRegister) -> None:
    with pytest.raises(GradesNotWritable, match="platform's transfer"):
        fs.create_draft(
            study_result_uid="x",
            module_uid="y",
            scale_id=1,
            grade_id=1,
            exam_date=date(2027, 5, 20),
            idempotency_key="k",
        )


def test_without_the_experimental_flag_fs_answers_no_unit(served: str, fs: FsRegister) -> None:
    put_unit(served, [student(1)])
    fs.headers["Feature-Flags"] = "beta"
    with pytest.raises(ApiError, match="UgyldigId"):
        fs.get_occasion(UNIT)


def test_registration_events_are_followed_page_by_page_and_read_on_from_the_cursor(served: str) -> None:
    retry = RetryPolicy(attempts=3, sleep=lambda _: None)
    seeded = put_unit(served, [student(1), student(2), student(3)])
    with FsRegister(f"{served}/", user=USER, password=PASSWORD, owner=OWNER, retry=retry, page_size=2) as fs:
        first = fs.registration_events(None)
        assert [(e.kind, e.registration_id, e.occasion_uid) for e in first.events] == [
            ("registered", m, UNIT) for m in seeded["vurderingsmeldinger"]
        ]
        httpx.delete(
            f"{served}/_sim/vurderingsmeldinger/{seeded['vurderingsmeldinger'][0]}"
        ).raise_for_status()
        then = fs.registration_events(first.cursor)
        assert [(e.kind, e.registration_id, e.occasion_uid) for e in then.events] == [
            ("withdrawn", seeded["vurderingsmeldinger"][0], None)
        ]
        assert fs.registration_events(then.cursor).events == []
        assert fs.registration_events(then.cursor).cursor == then.cursor


def test_events_of_another_owner_are_not_read(served: str, fs: FsRegister) -> None:
    put_unit(served, [student(1)], eier="186")
    assert fs.registration_events(None).events == []


def test_grading_information_gives_the_deadline_publication_and_commissions(
    served: str, fs: FsRegister
) -> None:
    put_unit(served, [student(1)])
    sensur = {
        "sensurfrist": "2027-06-10T23:59:00+02:00",
        "kunngjoringsdato": "2027-06-11T12:00:00+02:00",
        "kommisjoner": [
            {
                "kommisjonsnummer": "1",
                "sensorer": [
                    {"feideBruker": "larsk@ntnu.no", "fornavn": "Lars", "etternavn": "Kvam"},
                    {"fornavn": "Eva", "etternavn": "Berg", "rollekode": "EKSTERN"},
                ],
            }
        ],
    }
    httpx.post(
        f"{served}/_sim/vurderingsenheter/{UNIT}/requests", json={"sensurinformasjon": sensur}
    ).raise_for_status()
    info = fs.grading_information(UNIT)
    assert info is not None
    assert info.grading_deadline == datetime.fromisoformat("2027-06-10T23:59:00+02:00")
    assert info.announced_at == datetime.fromisoformat("2027-06-11T12:00:00+02:00")
    [commission] = info.commissions
    assert commission.number == "1"
    assert [(g.user, g.name, g.external) for g in commission.graders] == [
        ("larsk@ntnu.no", "Lars Kvam", False),
        (None, "Eva Berg", True),
    ]
