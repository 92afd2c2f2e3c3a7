"""Changing a grade after grading: correction, reconsideration or adjustment, as the law allows."""

from __future__ import annotations

from prefect import task

from models.domain import Country, Frozen
from models.params import Regrade
from models.settings import get_settings
from rules import law
from rules.grades import Scale
from store import appeals, audit, grading, occasions, outbox, registrations, transfer
from store.db import transaction
from store.schema import Grade
from tasks.refusals import enforce
from tasks.retries import REPLAY_SAFE


class RegradeRefused(Exception):
    """The change is not allowed; the message says why, naming the rule."""


class RegradeCase(Frozen):
    registration_id: int
    candidate: str
    original: str
    ruling: str


@task(name="check-regrade", **REPLAY_SAFE)
def check_regrade(params: Regrade) -> RegradeCase:
    """Asks the law whether the grade may change so; a refusal is audited and says why."""
    with transaction() as session:
        occasion = occasions.get(session, params.occasion_uid)
        registration = registrations.by_code(
            session, occasion_id=params.occasion_uid, code=params.anonymisation_code
        )
        grade = session.get(Grade, registration.id)
        if grade is None or grade.status != "approved":
            raise RegradeRefused(f"{params.anonymisation_code} has no approved grade to change")
        ruling = law.check_regrade(
            Country(occasion.country),
            params.kind,
            grade.grade,
            params.new_grade,
            Scale(occasion.scale),
            published=transfer.published_on(session, registration_id=registration.id) is not None,
            student_heard=params.student_heard,
            appeal_pending=appeals.open_for(session, registration_id=registration.id),
        )
    enforce(
        ruling,
        refused=RegradeRefused,
        actor="examiner",
        action="regrade.refused",
        occasion_id=params.occasion_uid,
        candidate=params.anonymisation_code,
    )
    return RegradeCase(
        registration_id=registration.id,
        candidate=params.anonymisation_code,
        original=grade.grade,
        ruling=f"{ruling.reason} ({ruling.source})",
    )


@task(name="set-regrade", **REPLAY_SAFE)
def set_regrade(params: Regrade, case: RegradeCase, examiner: str) -> None:
    """Sets the new grade, audits the decision and tells the student through the outbox."""
    with transaction() as session:
        grading.set_grade(session, registration_id=case.registration_id, grade=params.new_grade)
        audit.record(
            session,
            actor=examiner,
            action=f"grade.{params.kind.value}",
            occasion_id=params.occasion_uid,
            detail={
                "candidate": case.candidate,
                "original": case.original,
                "new": params.new_grade,
                "reason": params.reason,
                "student_heard": params.student_heard,
            },
        )
        outbox.to_student(
            session,
            registration_id=case.registration_id,
            subject=f"Your grade on {params.occasion_uid} was changed",
            body=f"On {params.kind.value}, your grade (code {case.candidate}) changed from {case.original} to "
            f"{params.new_grade}.\nReason: {params.reason}\n",
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
