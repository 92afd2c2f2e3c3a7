"""The demo's exam day, as the exam office lives it on the served deployments: once registration-sync
has run, a coordinator starts the seating plan (the sample's rooms file), and while the exam is
being written an invigilator reports an incident for the candidate with the most extra time, whose
minute lost is given back on the platform; exam-day's close waits for it. Then what the summary
says of the day and of the plan's policy check, each read back from where it landed: the store's
records and audit, the runs' artifacts in Prefect, and the platform stand-in's own state.

The incident needs the exam still open when exam-day activates it: the sample's window ends so
that its deadline (the end plus the longest extra time) comes `exam_day_margin` seconds after the
lifecycle starts, a margin measured on this machine from how long the serving process took to start."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from deployments.approver import is_about
from deployments.sample import ROOMS_FILE, SAMPLE_BOOKING

COORDINATOR = "staff-coordinator-1"
INVIGILATOR = "staff-invigilator-1"
INCIDENT_MINUTES = 1  # the least the platform gives back: the close waits a minute longer for it
INCIDENT_REASON = "the candidate's laptop lost the network; the invigilator reconnected it"
NOT_YET_ACTIVE = ("proposed", "planned")
MINIMUM_MARGIN = 180.0  # seconds: the least time from the lifecycle's start to the deadline

# Wait(done, what): waits until done() holds, answering approvals meanwhile
Wait = Callable[[Callable[[], bool], str], None]


class DemoFailed(RuntimeError):
    pass


def exam_day_margin(serve_seconds: float, serve_restarts: int) -> float:
    """Seconds from the lifecycle's start to the sample's deadline. The plan, its approval, the
    sync and exam-day's start scale with the machine's load, as the serving process's start
    (`serve_seconds`) does, and each restart of it on the way (the demo's `--kill-serve-at
    plan-exam`, or a Swedish exam's import of support decisions) takes as long again. Measured on 2 cores shared with other work (load average
    8-15): the serving process started in 34 s and exam-day activated the exam 122 s after the
    lifecycle began (a margin of 166 s); in another run about 55 s and 106 s (a margin of about
    250 s); in CI (load from the rest of the suite) a 14 s start and 88 s were too short. Too short
    a margin fails the demo, saying so; too long one only waits, which costs no CPU."""
    return max(MINIMUM_MARGIN, 30 + 4 * serve_seconds * (1 + serve_restarts))


def run_exam_day(occasion: str, wait: Wait) -> str:
    """The seating plan and the incident; returns the incident's candidate code."""
    seating = start_seating_plan(occasion)
    wait(lambda: exam_status(occasion) not in NOT_YET_ACTIVE, "exam-day's activation of the exam")
    if exam_status(occasion) != "active":
        raise DemoFailed(
            f"exam {occasion} was closed before the incident could be reported: its deadline passed before "
            "exam-day activated it (this machine was slower than the demo's margin allowed)"
        )
    code, reported = report_incident(occasion)
    finished(wait, reported, "the incident")
    finished(wait, seating, "the seating plan")
    return code


def report_incident(occasion: str) -> tuple[str, str]:
    """Starts `exam-incident` for the candidate with the most extra time, as an invigilator would
    from the UI's run form; the candidate's code and the run's id."""
    from prefect.deployments import run_deployment

    code = most_extra_time(occasion)
    incident = {
        "occasion_uid": occasion,
        "candidate_code": code,
        "minutes_lost": INCIDENT_MINUTES,
        "reason": INCIDENT_REASON,
        "entered_by": INVIGILATOR,
    }
    reported = run_deployment("exam-incident/local", parameters={"params": incident}, timeout=0)
    return code, str(reported.id)  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T


def start_seating_plan(occasion: str) -> str:
    """Starts `seating-plan` for the sample exam in the sample's rooms, as its coordinator would
    from the UI's run form; returns the run's id."""
    from prefect.deployments import run_deployment

    params = {
        "occasion_uid": occasion,
        "rooms": SAMPLE_BOOKING,
        "rooms_file": ROOMS_FILE,
        "planned_by": COORDINATOR,
    }
    run = run_deployment("seating-plan/local", parameters={"params": params}, timeout=0)
    return str(run.id)  # type: ignore[union-attr]  # Prefect types its sync-or-async functions as T | Coroutine; from sync code they return T


def has_completed(flow: str, occasion: str | None = None) -> bool:
    """Whether a run of `flow` (about `occasion`'s exam, when given) has completed."""
    from prefect.client.schemas.objects import StateType

    return bool(runs_of(flow, occasion, StateType.COMPLETED))


def runs_of(flow: str, occasion: str | None = None, state: Any = None) -> list[Any]:
    """The runs of `flow`, newest first: about `occasion`'s exam and in `state` (a StateType)
    when given."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    in_state = None if state is None else FlowRunFilterState(type=FlowRunFilterStateType(any_=[state]))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
            flow_run_filter=FlowRunFilter(state=in_state),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
        )
    return [run for run in runs if occasion is None or is_about(run, occasion)]


def finished(wait: Wait, flow_run_id: str, what: str) -> None:
    """Waits for the run to end; DemoFailed unless it completed."""
    wait(lambda: run_state(flow_run_id) in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"), what)
    if run_state(flow_run_id) != "COMPLETED":
        raise DemoFailed(f"{what} ended {run_state(flow_run_id).lower()}")


def run_state(flow_run_id: Any) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return state.type.value if state else "PENDING"


def exam_status(occasion: str) -> str:
    from store.db import transaction
    from store.schema import Occasion

    with transaction() as session:
        return session.get_one(Occasion, occasion).status


def most_extra_time(occasion: str) -> str:
    """The code of the candidate whose time ends last: an incident of theirs moves the deadline."""
    from store.db import transaction
    from store.schema import Registration

    with transaction() as session:
        return str(
            session.scalars(
                select(Registration.anonymisation_code)
                .where(Registration.occasion_id == occasion, Registration.status == "registered")
                .order_by(Registration.extra_time_minutes.desc(), Registration.anonymisation_code)
                .limit(1)
            ).one()
        )


def artifact_data(key: str) -> Any:
    """The latest artifact under `key`: a table as its rows, markdown as its text."""
    from prefect.artifacts import Artifact

    found: Any = Artifact.get(key)
    if found is None:
        raise DemoFailed(f"no artifact {key} was published")
    return json.loads(found.data) if isinstance(found.data, str) and found.type == "table" else found.data


def policy_audited(occasion: str) -> dict[str, Any] | None:
    """The exam policy's verdict as plan-exam audited it (form, scenario, outcome, reason); None
    before the check."""
    from store.db import transaction
    from store.schema import AuditEvent

    with transaction() as session:
        return session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.occasion_id == occasion, AuditEvent.action == "policy.checked")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).first()


def policy_checked(occasion: str, country: str) -> dict[str, str]:
    """The exam policy's verdict as plan-exam audited it, and as the plan's report says it."""
    from tasks.exam_names import key_of

    detail = policy_audited(occasion)
    if detail is None:
        raise DemoFailed(f"plan-exam audited no policy check of {occasion}")
    report = str(artifact_data(key_of("plan", occasion, country)))
    return {
        "form": detail["form"],
        "outcome": detail["outcome"],
        "reason": detail["reason"],
        "in_the_plan": report.partition("#### Exam policy\n\n")[2].strip(),
    }


def seating_planned(occasion: str) -> dict[str, Any]:
    """The rooms booked and the seats assigned in the store, the conflicts as the plan's report
    lists them."""
    from store.db import transaction
    from store.schema import RoomBooking, SeatAssignment
    from tasks.reports import artifact_key

    with transaction() as session:
        rooms = session.scalars(
            select(RoomBooking.room_code)
            .where(RoomBooking.occasion_id == occasion)
            .order_by(RoomBooking.room_code)
        ).all()
        seats = session.scalar(select(func.count()).where(SeatAssignment.occasion_id == occasion))
    report = str(artifact_data(artifact_key("seating-plan", occasion)))
    section = report.partition("### Conflicts\n\n")[2].partition("\n\n###")[0]
    rows = [line.split(" | ") for line in section.splitlines()[2:] if line.startswith("| ")]
    return {
        "rooms": list(rooms),
        "seats": int(seats or 0),
        "conflicts": [f"{r[0][2:]}: {r[1]}" for r in rows],
    }


def incident_given(occasion: str, code: str, inspera_url: str) -> dict[str, Any]:
    """The incident as the store recorded it, the candidate's incident time as the platform
    stand-in holds it, their new end, the deadline without the incident and when the exam closed."""
    from store import exam_day
    from store.db import transaction
    from store.schema import AuditEvent, ExamDayEvent, Occasion, Registration
    from tasks import platform_results

    with transaction() as session:
        who = session.scalars(
            select(Registration).where(
                Registration.occasion_id == occasion, Registration.anonymisation_code == code
            )
        ).one()
        event = session.scalars(
            select(ExamDayEvent).where(
                ExamDayEvent.registration_id == who.id, ExamDayEvent.kind == exam_day.INCIDENT
            )
        ).one()
        ends = session.get_one(Occasion, occasion).ends_at
        longest = session.scalar(
            select(func.max(Registration.extra_time_minutes)).where(Registration.occasion_id == occasion)
        )
        closed = session.scalars(
            select(AuditEvent.at).where(
                AuditEvent.occasion_id == occasion, AuditEvent.action == "exam.closed"
            )
        ).one()
        student, minutes, reason, extra = who.student_uid, event.minutes, event.reason, who.extra_time_minutes
    state = httpx.URL(inspera_url).copy_with(path=f"/_sim/test/{platform_results.platform_test_id(occasion)}")
    test = httpx.get(state, timeout=30).json()
    held = {i["externalUserId"]: i["incidentTimeMins"] for i in test["incidentTimes"]}
    return {
        "candidate": code,
        "minutes": minutes,
        "reason": reason,
        "extra_time_on_platform": held.get(student, 0),
        "their_time_ends": _iso(ends + timedelta(minutes=extra + minutes)),
        "deadline_without_it": _iso(ends + timedelta(minutes=longest or 0)),
        "exam_closed": _iso(closed),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
