"""Grading committees: formed once per exam by its rule, honouring declared conflicts, kept in our
store and set on the platform, so each grader's scores come back under their own name."""

from __future__ import annotations

from prefect import task
from sqlalchemy.orm import Session

from models.domain import PlatformCommittee, PlatformGrader, Role
from models.grading import CommitteeRule
from rules.committees import Candidate, Committee, CommitteeBreach, check_rule, split_committees
from rules.law import Grader
from store import audit, committees, exam_settings, registrations, staff
from store.db import transaction
from store.schema import Staff
from tasks import platform_results
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems


class CommitteeRefused(Exception):
    """The exam's committees break its rule; grading cannot open. The message names each breach."""


@task(name="form-grading-committees", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def form_grading_committees(occasion_id: str, on_platform: bool = True) -> dict[str, list[str]]:
    """The exam's committees (name → graders), formed on first call and checked against the rule
    on every call (a grader may have lost the role, or declared a conflict, meanwhile); set on the
    platform when the exam is held there."""
    with transaction() as session:
        rule = exam_settings.get(session, occasion_id=occasion_id).committee
        people = staff.holders(session, role=Role.GRADER, occasion_id=occasion_id)
        graders = [Grader(staff_id=p.id, external=p.external) for p in people]
        conflicts = committees.conflicts(session, staff_ids=[g.staff_id for g in graders])
        held = sorted(
            registrations.registered(session, occasion_id=occasion_id), key=lambda r: r.anonymisation_code
        )
        candidates = [Candidate(code=r.anonymisation_code, student_uid=r.student_uid) for r in held]
        formed = _saved(session, occasion_id, graders, candidates)
        formed_now = not formed
        if formed_now:
            formed = _split(occasion_id, candidates, graders, conflicts, rule)
            _save(session, occasion_id, formed, {r.anonymisation_code: r.id for r in held})
        breaches = check_rule(formed, rule, conflicts)
        if breaches:
            raise CommitteeRefused(
                f"grading committees of {occasion_id} break the exam's rule: " + "; ".join(breaches)
            )
        plan = [_on_platform(c, {p.id: p for p in people}) for c in formed]
    if on_platform:
        with systems().platform() as client:
            client.set_committees(platform_results.platform_test_id(occasion_id), plan)
    run_logger().info(
        f"Grading committees of {occasion_id} {'formed' if formed_now else 'as formed before'}"
        f"{', set on the platform' if on_platform else ''}: "
        + "; ".join(
            f"{c.name}: {', '.join(g.staff_id for g in c.graders)} ({len(c.candidates)} candidates)"
            for c in formed
        )
    )
    return {c.name: [g.staff_id for g in c.graders] for c in formed}


def _split(
    occasion_id: str,
    candidates: list[Candidate],
    graders: list[Grader],
    conflicts: set[tuple[str, str]],
    rule: CommitteeRule,
) -> list[Committee]:
    try:
        return split_committees(candidates, graders, conflicts, rule)
    except CommitteeBreach as exc:
        raise CommitteeRefused(f"grading committees of {occasion_id}: {exc}") from exc


def _save(session: Session, occasion_id: str, formed: list[Committee], ids: dict[str, int]) -> None:
    for c in formed:
        members = [g.staff_id for g in c.graders]
        committees.save(session, occasion_id=occasion_id, name=c.name, kind="grading", members=members)
        committees.assign_candidates(
            session,
            occasion_id=occasion_id,
            name=c.name,
            registration_ids=[ids[x.code] for x in c.candidates],
        )
    audit.record(
        session,
        actor="examflow",
        action="committees.formed",
        occasion_id=occasion_id,
        detail={
            c.name: {"graders": [g.staff_id for g in c.graders], "candidates": len(c.candidates)}
            for c in formed
        },
    )


def _saved(
    session: Session, occasion_id: str, graders: list[Grader], candidates: list[Candidate]
) -> list[Committee]:
    """The committees formed before, or [] when none were."""
    by_id = {g.staff_id: g for g in graders}
    by_code = {c.code: c for c in candidates}
    formed = []
    for name, members in committees.grading_committees(session, occasion_id=occasion_id).items():
        lost = [m for m in members if m not in by_id]
        if lost:
            raise CommitteeRefused(
                f"{name} of {occasion_id}: {', '.join(lost)} no longer hold the grader role"
            )
        codes = committees.candidates_of(session, occasion_id=occasion_id, name=name).values()
        formed.append(
            Committee(
                name=name,
                graders=tuple(by_id[m] for m in members),
                candidates=tuple(by_code[c] for c in codes if c in by_code),
            )
        )
    return formed


def _on_platform(committee: Committee, people: dict[str, Staff]) -> PlatformCommittee:
    return PlatformCommittee(
        name=committee.name,
        graders=tuple(
            PlatformGrader(staff_id=g.staff_id, name=people[g.staff_id].name, email=people[g.staff_id].email)
            for g in committee.graders
        ),
        external_user_ids=tuple(c.student_uid for c in committee.candidates),
    )
