"""One Norwegian exam on FS, through the real flows: planned from FS's assessment unit, its
registrations synced with FS's candidate numbers as the anonymisation codes and FS's granted
accommodations as the platform's extra time, a late registration and a withdrawal in FS brought in
between nightly syncs by polling FS's student events, the exam day and the grading, whose
deadlines show FS's own grading deadline beside the law's, and the transfer of the results through
the platform's once-only transfer to FS, which drops one (a fault injected on the platform), read back
from FS and the dropped one listed; all the while the Swedish register (the Ladok stand-in, whose request counter
is read) answers not one request. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from flows.exam_day import exam_day
from flows.grading import grading
from flows.plan_exam import plan_exam
from flows.register_events import register_events
from flows.registration_sync import registration_sync
from flows.result_transfer import result_transfer
from models.domain import Country
from models.grading import CommitteeRule, GradingSettings
from models.params import ExamTimes, GradeExam, OccasionStep, PlanExam, SyncRegistrations
from rules.exam_times import STOCKHOLM
from store.db import transaction
from store.schema import AuditEvent, Grade, Occasion, Registration
from tasks.deadlines import register_deadlines
from tasks.systems import systems
from tests.flows.conftest import World, approving, past_window

UNIT = "VmVudGhldDoxODYsTk9SMTAxLDEsVkFSLDIwMjY="  # FS's id of the assessment unit: the occasion
STUDENTS = 12
LATE = 13  # registers after the first sync
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


def candidate(n: int) -> dict[str, Any]:
    return {
        "studentnummer": f"77{n:04d}",
        "fornavn": f"Ola{n}",
        "etternavn": "Nordmann",
        "kandidatnummer": f"{30100 + n}",
        **({"tilpasning": {"innvilget": True, "ekstratid": "PT45M", "utstyr": ["PC"]}} if n == 1 else {}),
        **({"tilpasning": {"innvilget": False, "ekstratid": "PT30M"}} if n == 2 else {}),
    }


def ladok_requests(world: World) -> dict[str, int]:
    """What the Swedish register answered since the count was last reset, its own controls aside."""
    counted = httpx.get(f"{world.ladok_url}/_sim/faults").json()["requests"]
    return {route: n for route, n in counted.items() if "/_sim/" not in route}


@pytest.fixture(scope="module")
def on_fs(world: World) -> dict[str, Any]:
    """The unit seeded in FS on a window that has ended, and the Swedish register's count reset."""
    starts, ends = past_window()
    start, end = starts.astimezone(STOCKHOLM), ends.astimezone(STOCKHOLM)
    body = {
        "eier": "186",
        "emne": {"kode": "NOR101", "versjonskode": "1", "navn": "Norsk rettshistorie", "studiepoeng": 7.5},
        "arstall": start.year,
        "termintype": "VAR",
        "startDato": start.date().isoformat(),
        "vurderingsmeldinger": [candidate(n) for n in range(1, STUDENTS + 1)],
    }
    seeded = httpx.put(f"{world.fs_url}/_sim/vurderingsenheter/{UNIT}", json=body)
    seeded.raise_for_status()
    sensur = {"sensurfrist": f"{start.date() + timedelta(days=60)}T23:59:00+01:00", "kommisjoner": []}
    httpx.post(
        f"{world.fs_url}/_sim/vurderingsenheter/{UNIT}/requests", json={"sensurinformasjon": sensur}
    ).raise_for_status()
    httpx.put(f"{world.ladok_url}/_sim/faults", json={}).raise_for_status()
    times = ExamTimes(exam_date=start.date(), start_time=start.time(), end_time=end.time())
    return {"times": times, "meldinger": seeded.json()["vurderingsmeldinger"]}


@pytest.fixture(scope="module")
def planned(world: World, on_fs: dict[str, Any]) -> str:
    with approving(world.outbox, "staff-coordinator-1"):
        return plan_exam(
            PlanExam(occasion_uid=UNIT, times=on_fs["times"], code_prefix="NOR", country="NO", grading=RULE)
        )


@pytest.fixture(scope="module")
def synced(planned: str) -> dict[str, int]:
    return registration_sync(SyncRegistrations(occasion_uids=[UNIT]))


@pytest.fixture(scope="module")
def polled(world: World, on_fs: dict[str, Any], synced: dict[str, int]) -> list[dict[str, int]]:
    """FS's student events read up to now (those of the other tests' units too), then one late
    registration and the last candidate's withdrawal in FS, then two polls of its student events:
    the first syncs the unit, the second finds nothing new."""
    register_events(Country.NO)
    late = httpx.post(
        f"{world.fs_url}/_sim/vurderingsenheter/{UNIT}/vurderingsmeldinger", json=candidate(LATE)
    )
    late.raise_for_status()
    httpx.delete(f"{world.fs_url}/_sim/vurderingsmeldinger/{on_fs['meldinger'][-1]}").raise_for_status()
    return [register_events(Country.NO), register_events(Country.NO)]


@pytest.fixture(scope="module")
def examined(polled: list[dict[str, int]]) -> str:
    return exam_day(OccasionStep(occasion_uid=UNIT))


@pytest.fixture(scope="module")
def graded(world: World, examined: str) -> str:
    with (
        approving(world.outbox, "staff-grader-ext-1"),
        approving(world.outbox, "staff-examiner-1"),
        approving(world.outbox, "staff-grader-1"),
    ):
        return grading(GradeExam(occasion_uid=UNIT))


DROPPED = "30103"  # the candidate whose result the platform's transfer drops


@pytest.fixture(scope="module")
def transferred(world: World, graded: str) -> dict[str, int]:
    """The planner approves the transfer; the platform's transfer to FS drops one result."""
    with transaction() as session:
        test_id = session.get(Occasion, UNIT).platform_test_id  # type: ignore[union-attr]
    faults = {"drop": [DROPPED]}
    httpx.put(f"{world.inspera_url}/_sim/test/{test_id}/fs-transfer-faults", json=faults).raise_for_status()
    with approving(world.outbox, "staff-planner-1"):
        return result_transfer(OccasionStep(occasion_uid=UNIT))


def registrations() -> dict[str, tuple[str, str, int]]:
    """Student number → (status, anonymisation code, extra minutes) as examflow holds them."""
    with transaction() as session:
        rows = session.execute(
            select(Registration.student_uid, Registration.status, Registration.anonymisation_code,
                   Registration.extra_time_minutes).where(Registration.occasion_id == UNIT)
        ).tuples()  # fmt: skip
        return {uid: (status, code, extra) for uid, status, code, extra in rows}


def test_the_plan_is_made_from_fss_assessment_unit(planned: str) -> None:
    assert planned.startswith(f"planned {UNIT} as platform test")
    with transaction() as session:
        occasion = session.get(Occasion, UNIT)
        assert occasion is not None
        assert (occasion.country, occasion.status) == ("NO", "planned")


def test_the_sync_takes_fss_candidate_numbers_and_granted_accommodations(synced: dict[str, int]) -> None:
    assert synced["adds"] == STUDENTS
    held = registrations()
    assert {code for _, code, _ in held.values()} == {f"{30100 + n}" for n in range(1, STUDENTS + 1)}
    assert held["770001"][2] == 45  # granted in FS
    assert held["770002"][2] == 0  # refused in FS


def test_registrations_and_withdrawals_in_fs_are_polled_and_synced_between_nightly_runs(
    polled: list[dict[str, int]],
) -> None:
    first, second = polled
    assert (first["occasions"], first["adds"], first["removals"], first["platform_removed"]) == (1, 1, 1, 1)
    assert first["events"] == 2  # the late registration and the withdrawal
    assert second == {"events": 0, "occasions": 0}
    held = registrations()
    assert held[f"77{STUDENTS:04d}"][0] == "removed"
    assert held[f"77{LATE:04d}"][:2] == ("registered", f"{30100 + LATE}")
    with transaction() as session:
        test_id = session.get(Occasion, UNIT).platform_test_id
    with systems().platform() as platform:
        on_test = {c.candidate_code: c.extra_time_minutes for c in platform.list_candidates(test_id)}
    assert len(on_test) == STUDENTS and on_test["30101"] == 45 and f"{30100 + LATE}" in on_test


def test_exam_day_and_grading_run_on_fss_candidate_numbers(graded: str) -> None:
    with transaction() as session:
        codes = set(
            session.scalars(
                select(Registration.anonymisation_code)
                .join(Grade, Grade.registration_id == Registration.id)
                .where(Registration.occasion_id == UNIT)
            )
        )
    assert codes and codes <= {f"{30100 + n}" for n in [*range(1, STUDENTS), LATE]}


def test_fss_grading_deadline_is_shown_beside_the_laws_and_marked_when_later(graded: str) -> None:
    [row] = register_deadlines.fn(UNIT)
    assert row["deadline"] == "grading (the register's)" and "LATER than the law allows" in row["status"]


def test_the_results_reach_fs_through_the_platform_and_what_it_dropped_is_listed(
    world: World, transferred: dict[str, int]
) -> None:
    with transaction() as session:
        graded_codes = set(
            session.scalars(
                select(Registration.anonymisation_code)
                .join(Grade, Grade.registration_id == Registration.id)
                .where(Registration.occasion_id == UNIT, Grade.status == "approved")
            )
        )
        status = session.get(Occasion, UNIT).status  # type: ignore[union-attr]
        discrepancies = [
            e.detail
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "results.fs-discrepancy"))
            if e.occasion_id == UNIT
        ]
    assert DROPPED in graded_codes
    assert transferred == {"written": len(graded_codes) - 1, "failed": 1}
    with systems().requests() as fs:
        in_fs = {r.candidate for r in fs.results(UNIT) if r.valid}
    assert in_fs == graded_codes - {DROPPED}
    assert [(d["candidate"], d["discrepancy"], d["found"]) for d in discrepancies] == [
        (DROPPED, "dropped", None)
    ]
    assert status == "transfer-incomplete"
    protocol = (world.home / "fs" / "protocols" / f"{UNIT}-transfer.csv").read_text("utf-8").splitlines()
    assert [line.split(";")[1] for line in protocol[1:]] == [DROPPED]


def test_nothing_was_read_from_or_written_to_the_swedish_register(
    world: World, graded: str, transferred: dict[str, int]
) -> None:
    assert ladok_requests(world) == {}
