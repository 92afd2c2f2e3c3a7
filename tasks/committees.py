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
from tasks import common
from tasks.common import OUTSIDE_RETRIES, REPLAY_SAFE


class CommitteeRefused(Exception):
    """The exam's committees break its rule; grading cannot open. The message names each breach."""


@task(name="form-grading-committees", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def form_grading_committees(occasion_id: str, on_platform: bool = True) -> dict[str, list[str]]:
    """The exam's committees (name → graders), formed on first call and checked against the rule
    on every call; set on the platform when the exam is held there."""
    with transaction() as session:
        formed = _load(session, occasion_id) or _form(session, occasion_id)
        plan = [_on_platform(session, c) for c in formed]
    if on_platform:
        with common.platform() as client:
            client.set_committees(common.platform_test_id(occasion_id), plan)
    return {c.name: [g.staff_id for g in c.graders] for c in formed}


def _graders(session: Session, occasion_id: str) -> list[Grader]:
    people = staff.holders(session, role=Role.GRADER, occasion_id=occasion_id)
    return [Grader(staff_id=p.id, external=p.external) for p in people]


def _form(session: Session, occasion_id: str) -> list[Committee]:
    rule = exam_settings.get(session, occasion_id=occasion_id).committee
    graders = _graders(session, occasion_id)
    conflicts = committees.conflicts(session, staff_ids=[g.staff_id for g in graders])
    candidates = [
        Candidate(code=r.anonymisation_code, student_uid=r.student_uid)
        for r in sorted(
            registrations.registered(session, occasion_id=occasion_id), key=lambda r: r.anonymisation_code
        )
    ]
    try:
        formed = split_committees(candidates, graders, conflicts, rule)
    except CommitteeBreach as exc:
        raise CommitteeRefused(f"grading committees of {occasion_id}: {exc}") from exc
    _refuse_breaches(occasion_id, formed, rule, conflicts)
    ids = {r.anonymisation_code: r.id for r in registrations.registered(session, occasion_id=occasion_id)}
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
    return formed


def _load(session: Session, occasion_id: str) -> list[Committee]:
    """The committees formed before, checked again: a grader may have lost the role meanwhile."""
    saved = committees.grading_committees(session, occasion_id=occasion_id)
    if not saved:
        return []
    graders = {g.staff_id: g for g in _graders(session, occasion_id)}
    uids = {
        r.anonymisation_code: r.student_uid
        for r in registrations.registered(session, occasion_id=occasion_id)
    }
    formed = []
    for name, members in saved.items():
        lost = [m for m in members if m not in graders]
        if lost:
            raise CommitteeRefused(
                f"{name} of {occasion_id}: {', '.join(lost)} no longer hold the grader role"
            )
        codes = committees.candidates_of(session, occasion_id=occasion_id, name=name).values()
        formed.append(
            Committee(
                name=name,
                graders=tuple(graders[m] for m in members),
                candidates=tuple(Candidate(code=c, student_uid=uids[c]) for c in codes if c in uids),
            )
        )
    rule = exam_settings.get(session, occasion_id=occasion_id).committee
    conflicts = committees.conflicts(session, staff_ids=list(graders))
    _refuse_breaches(occasion_id, formed, rule, conflicts)
    return formed


def _refuse_breaches(
    occasion_id: str, formed: list[Committee], rule: CommitteeRule, conflicts: set[tuple[str, str]]
) -> None:
    breaches = check_rule(formed, rule, conflicts)
    if breaches:
        raise CommitteeRefused(
            f"grading committees of {occasion_id} break the exam's rule: " + "; ".join(breaches)
        )


def _on_platform(session: Session, committee: Committee) -> PlatformCommittee:
    people = {p.id: p for p in staff.by_ids(session, [g.staff_id for g in committee.graders])}
    return PlatformCommittee(
        name=committee.name,
        graders=tuple(
            PlatformGrader(staff_id=g.staff_id, name=people[g.staff_id].name, email=people[g.staff_id].email)
            for g in committee.graders
        ),
        external_user_ids=tuple(c.student_uid for c in committee.candidates),
    )
