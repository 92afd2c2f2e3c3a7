"""LadokClient's occasion (dates only) and student lookups: the contract fixture served over real
HTTP as Ladok would send it, and the stand-in's answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from integrations.http import ApiError, RetryPolicy, Unavailable
from integrations.ladok import LadokClient
from simulators.ladok import create_app
from simulators.server import serve_in_thread
from simulators.term import TermSpec, generate_term
from tests.contracts import payload

SPEC = {"seed": 5, "course_rounds": 4, "occasions": 3, "students": 200}
FIXTURE = payload("ladok", "aktivitetstillfalle")
OCCASION = FIXTURE["Uid"]


def vendor_like(occasion: dict[str, Any]) -> FastAPI:
    """Ladok's answers for one occasion, exactly as given: no stand-in in between."""
    app = FastAPI()

    @app.get("/resultat/aktivitetstillfalle/{uid}")
    def get_occasion(uid: str) -> JSONResponse:
        return JSONResponse(occasion)

    @app.get("/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{uid}")
    def rounds(uid: str) -> JSONResponse:
        return JSONResponse({"Utbildningstillfalle": [{"Uid": "cr-1", "Utbildningskod": "TDA357"}]})

    @app.get("/studentinformation/student/personnummer/{number}")
    def unavailable(number: str) -> JSONResponse:
        return JSONResponse({"Meddelande": f"down for {number}"}, status_code=503)

    return app


def client_for(url: str) -> LadokClient:
    return LadokClient(f"{url}/", retry=RetryPolicy(attempts=2, sleep=lambda _: None))


def test_the_occasion_is_read_with_its_dates_and_no_times() -> None:
    with serve_in_thread(vendor_like(FIXTURE)) as url, client_for(url) as client:
        occasion = client.get_occasion(OCCASION)
    assert (occasion.start_date, occasion.end_date) == (date(2026, 10, 20), date(2026, 10, 20))
    assert occasion.module_uids == (FIXTURE["Aktiviteter"][0]["Utbildningsinstans"]["Uid"],)
    assert occasion.course_round_uids == ("cr-1",)
    assert not {"starts_at", "ends_at"} & set(occasion.model_dump())


def test_a_period_without_an_end_is_one_day() -> None:
    one_day = FIXTURE | {"Datumperiod": {"Startdatum": "2026-10-21"}}
    with serve_in_thread(vendor_like(one_day)) as url, client_for(url) as client:
        occasion = client.get_occasion(OCCASION)
    assert occasion.start_date == occasion.end_date == date(2026, 10, 21)


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        ({k: v for k, v in FIXTURE.items() if k != "Datumperiod"}, "lacks 'Datumperiod'"),
        (FIXTURE | {"Datumperiod": {"Slutdatum": "2026-10-20"}}, "lacks 'Startdatum'"),
        (FIXTURE | {"Datumperiod": {"Startdatum": "20 October"}}, "Invalid isoformat string"),
    ],
)
def test_a_missing_or_bad_date_names_the_system_the_occasion_and_the_field(
    broken: dict[str, Any], named: str
) -> None:
    with serve_in_thread(vendor_like(broken)) as url, client_for(url) as client:
        with pytest.raises(ApiError) as refused:
            client.get_occasion(OCCASION)
    assert str(refused.value).startswith(f"ladok: 200: aktivitetstillfälle {OCCASION}")
    assert named in str(refused.value)


def test_an_unavailable_lookup_never_names_the_personnummer() -> None:
    with serve_in_thread(vendor_like(FIXTURE)) as url, client_for(url) as client:
        with pytest.raises(Unavailable) as failed:
            client.find_students(national_ids=["199503172384"])
    assert "199503172384" not in str(failed.value)
    assert "studentinformation/student/personnummer" in str(failed.value)


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path_factory.mktemp("ladok") / "ladok.db")) as url:
        httpx.post(f"{url}/_sim/term", json=SPEC, timeout=60).raise_for_status()
        yield url


def test_students_are_found_by_personnummer_and_by_uid_and_unknown_ones_left_out(stand_in: str) -> None:
    students = generate_term(TermSpec(**SPEC)).students
    first, second = students[0], students[1]
    numbers = [first.national_id.replace("-", ""), "190001010000"]
    with client_for(stand_in) as client:
        found = client.find_students(national_ids=numbers, uids=[second.uid, "no-such-student"])
    assert found == {numbers[0]: first.uid, second.uid: second.uid}
