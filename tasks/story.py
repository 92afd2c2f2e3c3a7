"""One candidate's story gathered across systems: the asker's role checked first (the exam office
only; graders never see it), the rows read from the store in bulk and the candidate's entry on
the platform's test read through the seam."""

from __future__ import annotations

from prefect import task

from models.domain import Role
from models.story import CandidateRows, CandidateStory, StoryPlatformCandidate
from store import audit, staff, story
from store.db import transaction
from tasks.run_logs import run_logger
from tasks.systems import systems

# Who may read a candidate's story: the exam office (its coordinators, and its planners who report
# results); a grader, examiner or appeal grader may not.
READERS = (Role.COORDINATOR, Role.PLANNER)


class StoryRefused(PermissionError):
    """The asker may not read a candidate's story."""


# A story holds personal data: no task here keeps its result.


@task(name="check-story-reader", persist_result=False)
def check_reader(params: CandidateStory) -> None:
    """Refuses, and audits, an asker without an exam office role for the exam asked about (for a
    student, for every exam), before anything of the candidate is read."""
    scope = params.occasion_uid or ""
    with transaction() as session:
        allowed = any(
            staff.holds_role(session, staff_id=params.asker_id, role=role, occasion_id=scope)
            for role in READERS
        )
        if allowed:
            return
        audit.record(
            session,
            actor=params.asker_id,
            action="story.refused",
            occasion_id=params.occasion_uid,
            detail={"asked": params.subject(), "reason": "not of the exam office"},
        )
    run_logger().info(f"{params.asker_id} may not read the story of {params.subject()}: refused and audited")
    where = f"for {params.occasion_uid}" if params.occasion_uid else "for every exam"
    raise StoryRefused(
        f"staff {params.asker_id} holds neither the coordinator nor the planner role {where}: "
        "a candidate's story is for the exam office only"
    )


@task(name="gather-candidate-story", persist_result=False)
def gather(params: CandidateStory) -> list[CandidateRows]:
    """Everything held of the candidate, one entry per exam; none found is an error naming them."""
    with transaction() as session:
        if params.student_uid:
            found = story.registrations_of_student(session, student_uid=params.student_uid)
        else:
            assert params.occasion_uid and params.code  # the parameters require them together
            found = story.registrations_by_code(session, occasion_id=params.occasion_uid, code=params.code)
        rows = story.gather(session, registration_ids=found)
    if not rows:
        raise LookupError(f"examflow holds no registration of {params.subject()}")
    with_platform = [_on_platform(r) for r in rows]
    run_logger().info(f"Gathered the story of {params.subject()}: {len(rows)} exams")
    return with_platform


def _on_platform(rows: CandidateRows) -> CandidateRows:
    """The candidate as the platform's test lists them (none where the exam has no test)."""
    test_id = rows.registration.platform_test_id
    if test_id is None:
        return rows
    with systems().platform() as platform:
        listed = platform.list_candidates(test_id)
    mine = next((c for c in listed if c.external_user_id == rows.registration.student_uid), None)
    if mine is None:
        return rows
    entry = StoryPlatformCandidate(
        candidate_code=mine.candidate_code, extra_time_minutes=mine.extra_time_minutes
    )
    return rows.model_copy(update={"platform": entry})


@task(name="audit-story-shown", persist_result=False)
def audit_shown(params: CandidateStory, rows: list[CandidateRows], file: str) -> None:
    with transaction() as session:
        for r in rows:
            audit.record(
                session,
                actor=params.asker_id,
                action="story.shown",
                occasion_id=r.registration.occasion_id,
                detail={"candidate": r.registration.code, "file": file},
            )
