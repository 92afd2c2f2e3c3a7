"""Justifications: a student's request checked against the law, the examiner's answer sent on time."""

from __future__ import annotations

from datetime import date

from prefect import task

from models.domain import Country, Frozen
from models.settings import get_settings
from rules import law
from store import audit, committees, justifications, notes, occasions, outbox, registrations, transfer
from store.db import transaction
from store.schema import Grade
from tasks.clock import now
from tasks.refusals import enforce
from tasks.retries import REPLAY_SAFE


class JustificationRefused(Exception):
    """The request cannot be taken; the message says why, naming the rule."""


class JustificationCase(Frozen):
    justification_id: int
    registration_id: int
    candidate: str
    grade: str
    points: float | None
    due_on: date
    committee: tuple[str, ...] = ()
    draft: str = ""


@task(name="receive-justification-request", **REPLAY_SAFE)
def receive_request(occasion_id: str, anonymisation_code: str, requested_on: date) -> JustificationCase:
    """Checks the request against the law and records it with its due date; a refusal is audited."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        registration = registrations.by_code(session, occasion_id=occasion_id, code=anonymisation_code)
        published_on = transfer.published_on(session, registration_id=registration.id)
        grade = session.get(Grade, registration.id)
    if published_on is None or grade is None:
        raise JustificationRefused(f"{anonymisation_code} has no published result to justify")
    ruling = law.check_justification_request(Country(occasion.country), published_on, requested_on)
    enforce(
        ruling,
        refused=JustificationRefused,
        actor="faculty",
        action="justification.refused",
        occasion_id=occasion_id,
        candidate=anonymisation_code,
    )
    due_on = law.justification_deadline(requested_on).due_on
    return _record(
        occasion_id, registration.id, anonymisation_code, grade, requested_on=requested_on, due_on=due_on
    )


def _record(
    occasion_id: str, registration_id: int, candidate: str, grade: Grade, *, requested_on: date, due_on: date
) -> JustificationCase:
    """The request the law allows, recorded and audited, with what the examiner starts from."""
    with transaction() as session:
        record = justifications.request(
            session,
            occasion_id=occasion_id,
            registration_id=registration_id,
            requested_on=requested_on,
            due_on=due_on,
        )
        audit.record(
            session,
            actor="faculty",
            action="justification.requested",
            occasion_id=occasion_id,
            detail={"candidate": candidate, "due_on": due_on.isoformat()},
        )
        return JustificationCase(
            justification_id=record.id,
            registration_id=registration_id,
            candidate=candidate,
            grade=grade.grade,
            points=grade.points,
            due_on=due_on,
            committee=tuple(committees.committee_of(session, registration_id=registration_id)),
            draft=draft_from_notes(
                grade.grade,
                notes.paper_scores(session, registration_id=registration_id),
                notes.for_justification(session, registration_id=registration_id),
            ),
        )


def draft_from_notes(
    grade: str, scores: list[tuple[int, float, float]], given: list[tuple[int | None, str, str]]
) -> str:
    """The examiner's starting point: the grade, each question's score, and the graders' notes meant
    for a justification under the question they concern."""
    by_question: dict[int | None, list[str]] = {}
    for number, _grader, text in given:
        by_question.setdefault(number, []).append(text)
    lines = [f"The grade {grade} rests on the answers as follows."]
    lines += [f"- {text}" for text in by_question.get(None, [])]
    for number, score, top in scores:
        lines.append(f"Question {number}: {score:g} of {top:g} points.")
        lines += [f"  - {text}" for text in by_question.get(number, [])]
    return "\n".join(lines)


@task(name="send-justification", **REPLAY_SAFE)
def send_justification(occasion_id: str, case: JustificationCase, text: str, examiner: str) -> str:
    """Records the justification and sends it to the student; returns 'on time' or how late."""
    today = now().date()
    with transaction() as session:
        record = justifications.give(
            session, justification_id=case.justification_id, text=text, given_by=examiner, given_on=today
        )
        outbox.to_student(
            session,
            registration_id=case.registration_id,
            subject=f"Justification of your grade ({occasion_id})",
            body=f"The grounds of your grade {case.grade} on {occasion_id} (code {case.candidate}):\n\n{text}\n",
        )
        late = (record.given_on - case.due_on).days if record.given_on else 0
        audit.record(
            session,
            actor=examiner,
            action="justification.given",
            occasion_id=occasion_id,
            detail={
                "candidate": case.candidate,
                "due_on": case.due_on.isoformat(),
                "days_late": max(late, 0),
            },
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    return "on time" if late <= 0 else f"{late} days late"
