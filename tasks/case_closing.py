"""Closing an exam's case: once the law's window for requests has passed and every request is
settled, the platform's test is marked graded and the exam archived, once."""

from __future__ import annotations

from prefect import task

from models.domain import Country, Frozen
from rules import law
from rules.case_closing import CaseState, OpenRequest, Published, case_state
from store import audit, case_closing, occasions
from store.db import transaction
from tasks.archive import archive_exam
from tasks.clock import now
from tasks.platform_results import platform_test_id
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems

# The platform's status for a test whose grades are final (stand-in: modelled, unverified).
GRADED = "GRADED"


class ClosedCase(Frozen):
    occasion: str
    archived: bool
    why: str
    case_id: str = ""
    documents: int = 0


@task(name="list-cases-to-close")
def awaiting_archive() -> list[str]:
    """The exams whose results are in the register and whose case is not archived."""
    with transaction() as session:
        return case_closing.awaiting_archive(session)


def state_of(occasion_id: str) -> CaseState:
    """The case as the law and our store see it today."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        country, exam_on = Country(occasion.country), occasion.ends_at.date()
        published = [
            Published(
                code=code,
                published_on=on,
                justification=None
                if asked is None
                else law.Justification(requested_on=asked, given_on=given),
            )
            for code, on, asked, given in case_closing.published(session, occasion_id=occasion_id)
        ]
        waiting = [
            OpenRequest(kind=kind, code=code)
            for kind, code in case_closing.open_requests(session, occasion_id=occasion_id)
        ]
    return case_state(country, exam_on, published, waiting, now().date())


@task(name="close-case", **OUTSIDE_RETRIES)
def close_case(occasion_id: str) -> ClosedCase:
    """Archives the exam if its case is closed and not archived yet; otherwise says what it waits
    for. A rerun after a failure marks and files only what is missing."""
    with transaction() as session:
        status = occasions.get(session, occasion_id).status
    if status != case_closing.AWAITING:
        return ClosedCase(
            occasion=occasion_id, archived=False, why=f"not waiting to be archived (status {status})"
        )
    state = state_of(occasion_id)
    run_logger().info(f"The case of {occasion_id} {state.why()}")
    if not state.closed:
        return ClosedCase(occasion=occasion_id, archived=False, why=state.why())
    mark_graded(occasion_id)
    summary = archive_exam.fn(occasion_id)
    return ClosedCase(
        occasion=occasion_id,
        archived=True,
        why=state.why(),
        case_id=summary.case_id,
        documents=summary.documents,
    )


def mark_graded(occasion_id: str) -> None:
    """The platform's test marked graded: its grades are final (marking it again changes nothing)."""
    test_id = platform_test_id(occasion_id)
    with systems().platform() as platform:
        test = platform.set_status(test_id, GRADED)
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="platform.graded",
            occasion_id=occasion_id,
            detail={"test_id": test_id, "status": test.status},
        )
