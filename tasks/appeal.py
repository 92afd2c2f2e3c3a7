"""Appeals: receive, grade anew (blind), set the new grade and tell the student."""

from __future__ import annotations

from datetime import date

from prefect import task

from models.domain import Country, ExamType, Frozen, Role
from models.settings import get_settings
from rules import law
from rules.grades import Scale
from store import (
    appeals,
    audit,
    committees,
    occasions,
    outbox,
    registrations,
    staff,
    transfer,
)
from store.appeals import AppealRefused
from store.db import transaction
from store.schema import Appeal, Staff
from tasks import platform_results
from tasks.deadlines import justification_of
from tasks.refusals import enforce
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger

PAPER_ANSWER_CHARS = 400


class AppealCase(Frozen):
    appeal_id: int
    registration_id: int
    candidate: str
    published_on: date
    grades: tuple[str, ...]


@task(name="receive-appeal", **REPLAY_SAFE)
def receive_appeal(occasion_id: str, anonymisation_code: str, received_on: date) -> AppealCase:
    """Checks the appeal against the law (on time, eligible, not a second appeal), registers it and
    gathers what the appeal committee may see: the paper's points, not the grade. A refusal says
    why, naming the rule, and is audited; nothing else is written."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        registration = registrations.by_code(session, occasion_id=occasion_id, code=anonymisation_code)
        published_on = transfer.published_on(session, registration_id=registration.id)
        if published_on is None:
            raise AppealRefused(f"{anonymisation_code} has no result published in the register to appeal")
        ruling = law.check_appeal(
            Country(occasion.country),
            published_on,
            received_on,
            justification=justification_of(session, registration.id),
            exam_type=ExamType(occasion.exam_type),
            already_appealed=appeals.decided_for(session, registration_id=registration.id),
        )
    enforce(
        ruling,
        refused=AppealRefused,
        actor="faculty",
        action="appeal.refused",
        occasion_id=occasion_id,
        candidate=anonymisation_code,
    )
    return _register(
        occasion_id,
        registration.id,
        anonymisation_code,
        received_on=received_on,
        published_on=published_on,
        grades=Scale(occasion.scale).grades_in(occasion.country),  # the form offers only these
    )


def _register(
    occasion_id: str,
    registration_id: int,
    candidate: str,
    *,
    received_on: date,
    published_on: date,
    grades: tuple[str, ...],
) -> AppealCase:
    """The appeal the law allows, registered and audited."""
    with transaction() as session:
        appeal = appeals.receive(
            session, occasion_id=occasion_id, registration_id=registration_id, received_on=received_on
        )
        audit.record(
            session,
            actor="faculty",
            action="appeal.received",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal.id, "candidate": candidate},
        )
        return AppealCase(
            appeal_id=appeal.id,
            registration_id=registration_id,
            candidate=candidate,
            published_on=published_on,
            grades=grades,
        )


@task(name="check-deviation", **REPLAY_SAFE)
def needs_further_assessment(occasion_id: str, appeal_id: int, new_grade: str) -> bool:
    """Whether the new grade differs from the original by two grades or more (a further
    assessment by a new committee is then required, and its grade stands)."""
    with transaction() as session:
        scale = Scale(occasions.get(session, occasion_id).scale)
        appeal = session.get(Appeal, appeal_id)
        assert appeal is not None
        return law.needs_further_assessment(scale, appeal.original_grade, scale.require(new_grade))


@task(name="decide-appeal", **REPLAY_SAFE)
def decide_appeal(occasion_id: str, appeal_id: int, new_grade: str, decided_by: str) -> str:
    """Sets the new grade, audits the decision and notifies the student through the outbox.
    A replay after the decision changes nothing and sends nothing again."""
    with transaction() as session:
        Scale(occasions.get(session, occasion_id).scale).require(new_grade)
        done = session.get(Appeal, appeal_id)
        if done is not None and done.status == "decided" and done.new_grade == new_grade:
            return done.original_grade
        appeal = appeals.decide(session, appeal_id=appeal_id, new_grade=new_grade)
        candidate = registrations.code_of(session, registration_id=appeal.registration_id)
        audit.record(
            session,
            actor=decided_by,
            action="appeal.decided",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal_id, "original": appeal.original_grade, "new": new_grade},
        )
        outbox.to_student(
            session,
            registration_id=appeal.registration_id,
            subject=f"Decision on your appeal ({occasion_id})",
            body=(
                f"Your appeal of the exam {occasion_id} (code {candidate}) "
                f"was graded anew.\nNew grade: {new_grade}. This grade cannot be appealed again.\n"
            ),
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    return appeal.original_grade


@task(name="fetch-paper", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def fetch_paper(occasion_id: str, registration_id: int) -> str:
    """The candidate's paper from the platform as markdown, by code only, for the appeal committee."""
    results, held = platform_results.registered_results(occasion_id)
    paper = next(r for r in results if held[r.external_user_id] == registration_id)
    lines = [
        f"**Question {q.number}** (max {q.max_score:g}): "
        + " / ".join(x[:PAPER_ANSWER_CHARS] for x in q.responses)
        for q in paper.questions
    ]
    run_logger().info(f"The paper fetched from the platform, by code only: {len(lines)} questions")
    return "\n\n".join(lines) or "_(no answers submitted)_"


@task(name="form-appeal-committee", **REPLAY_SAFE)
def form_committee(occasion_id: str, appeal_id: int, stage: str) -> tuple[str, ...]:
    """Forms the appeal committee ('appeal') or, after a deviation of two grades or more, the new
    committee of the further assessment ('further'): at least two appeal graders, one external,
    none who graded the paper before. Refused, naming each breach, when the staff cannot make one."""
    with transaction() as session:
        earlier = [committees.original_graders(session, occasion_id=occasion_id)]
        if stage == "further":
            earlier.append(committees.members(session, occasion_id=occasion_id, name=f"appeal-{appeal_id}"))
        excluded = {s.id for group in earlier for s in group}
        pool = [
            s
            for s in staff.holders(session, role=Role.APPEAL_GRADER, occasion_id=occasion_id)
            if s.id not in excluded
        ]
        chosen = _choose(pool)
        ruling = law.check_appeal_committee(
            [law.Grader(staff_id=s.id, external=s.external) for s in chosen],
            *[[law.Grader(staff_id=s.id, external=s.external) for s in group] for group in earlier],
        )
        if not ruling.allowed:
            raise AppealRefused(f"no lawful {stage} committee can be formed: {ruling.reason}")
        members = [s.id for s in chosen]
        committees.save(
            session, occasion_id=occasion_id, name=f"{stage}-{appeal_id}", kind="appeal", members=members
        )
        audit.record(
            session,
            actor="examflow",
            action="appeal.committee_formed",
            occasion_id=occasion_id,
            detail={"appeal_id": appeal_id, "stage": stage, "members": members},
        )
    run_logger().info(
        f"The {stage} committee of appeal {appeal_id}: {', '.join(members)}, none who graded before"
    )
    return tuple(members)


def _choose(pool: list[Staff]) -> list[Staff]:
    """Two graders, an external one first; fewer when the pool is short (the law check names it)."""
    external = [s for s in pool if s.external]
    internal = [s for s in pool if not s.external]
    first = external[:1] or internal[:1]
    rest = [s for s in internal + external if s not in first]
    return first + rest[:1]
