"""Retention of one exam: once the archive holds every document with our checksum and no legal
hold stands, each kind of its data whose period has run is purged, the platform's test and
candidates through the platform's API, the rest in the store; each kind purged in a transaction of
its own with its counts audited, so a run stopped half-way goes on from there the next night."""

from __future__ import annotations

from datetime import datetime

from prefect import task
from sqlalchemy.orm import Session

from integrations.http import ApiError
from models.domain import Role
from models.retention import ExamRetention, LegalHoldRequest, RetentionOutcome
from models.settings import get_settings
from rules.retention import KINDS, codes_only, due_kinds, due_on, personal_values, reduced
from store import audit, legal_holds, staff
from store import retention as store
from store.db import transaction
from store.schema import Occasion
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems


@task(name="retain-exam", **OUTSIDE_RETRIES)
def retain_exam(occasion_id: str, now: datetime) -> ExamRetention:
    periods = get_settings().retention
    with transaction() as session:
        if session.get(Occasion, occasion_id) is None:
            raise LookupError(f"retention: no exam {occasion_id} in examflow's store")
        held = legal_holds.reasons(session, occasion_id=occasion_id)
        since = store.counted_from(session, occasion_id=occasion_id)
        done = store.purged_kinds(session, occasion_id=occasion_id)
    next_due = due_on(since, periods, done)
    if held:
        return _untouched(occasion_id, RetentionOutcome.HELD, "; ".join(held), next_due)
    due = due_kinds(since, periods, now, done)
    if not due:
        return _untouched(occasion_id, RetentionOutcome.NOT_DUE, "", next_due)
    if unconfirmed := archive_unconfirmed(occasion_id):
        return _untouched(occasion_id, RetentionOutcome.UNCONFIRMED, unconfirmed, next_due)
    counts: dict[str, int] = {}
    for kind in due:
        counts |= {f"{kind}.{name}": n for name, n in purge(occasion_id, kind, now).items()}
    run_logger().info(f"Purged {', '.join(due)} of {occasion_id}: {_counted(counts)}")
    return ExamRetention(
        occasion_id=occasion_id,
        outcome=RetentionOutcome.PURGED,
        kinds=due,
        counts=counts,
        next_due=due_on(since, periods, done | set(due)),
    )


def archive_unconfirmed(occasion_id: str) -> str:
    """Why the archive does not confirm the exam's documents ('' when it does): the exam not
    archived, none recorded, or one the archive does not hold with our checksum, read back now."""
    with transaction() as session:
        status = session.get_one(Occasion, occasion_id).status
        records = store.archived(session, occasion_id=occasion_id)
    if status != store.ARCHIVED:
        return f"{occasion_id} is {status}, not archived"
    if not records:
        return f"no document of {occasion_id} is recorded as archived"
    with systems().archive() as archive:
        held = {
            d.document_id: d.sha256
            for case_id in sorted({r.case_id for r in records})
            for d in archive.documents(case_id)
        }
    differing = [r.filename for r in records if held.get(r.document_id) != r.sha256]
    if differing:
        return f"the archive does not hold {', '.join(differing)} with our checksum"
    return ""


def purge(occasion_id: str, kind: str, now: datetime) -> dict[str, int]:
    """One kind of the exam's data purged and recorded, audited with its counts."""
    counts = _platform_answers(occasion_id) if kind == "answers" else {}
    with transaction() as session:
        if kind == "answers":
            counts |= store.purge_answers(session, occasion_id=occasion_id)
        elif kind == "mails":
            counts |= store.purge_mails(session, occasion_id=occasion_id)
        elif kind == "notes":
            counts |= store.purge_notes(session, occasion_id=occasion_id)
        elif kind == "audit":
            counts |= _audit_details(session, occasion_id, now)
        else:
            counts |= _personal(session, occasion_id, now)
        store.record(session, occasion_id=occasion_id, kind=kind, counts=counts, at=now)
    return counts


def _audit_details(session: Session, occasion_id: str, now: datetime) -> dict[str, int]:
    """Each of the exam's audit details reduced to the candidates' codes it names."""
    codes = [code for code, _ in store.personal(session, occasion_id=occasion_id)]
    changed = store.rewrite_details(
        session, occasion_id=occasion_id, at=now, rewrite=lambda detail: codes_only(detail, codes)
    )
    return {"audit_details": changed}


def _personal(session: Session, occasion_id: str, now: datetime) -> dict[str, int]:
    """Names, national ids, emails and student ids reduced to the codes: in the exam's audit
    details, then in its registrations (each moved to a student of its code alone)."""
    held = store.personal(session, occasion_id=occasion_id)
    exact, within = personal_values(
        [(code, s.uid, s.first_name, s.last_name, s.national_id, s.email) for code, s in held]
    )
    changed = store.rewrite_details(
        session, occasion_id=occasion_id, at=now, rewrite=lambda detail: reduced(detail, exact, within)
    )
    return store.detach_students(session, occasion_id=occasion_id) | {"audit_details": changed}


def _platform_answers(occasion_id: str) -> dict[str, int]:
    """The test's candidates, with their answers, and the test deleted on the platform (its own
    list of candidates: the store's may already hold codes alone)."""
    with transaction() as session:
        test_id = store.platform_test(session, occasion_id=occasion_id)
    if test_id is None:
        return {"platform_candidates": 0, "platform_tests": 0}
    with systems().platform() as platform:
        try:
            listed = [c.external_user_id for c in platform.list_candidates(test_id)]
        except ApiError as exc:
            if exc.status != 404:
                raise
            listed = []  # gone already: a rerun after the test was deleted
        candidates = platform.delete_candidates(test_id, listed)
        tests = int(platform.delete_test(test_id))
    return {"platform_candidates": candidates, "platform_tests": tests}


def _untouched(
    occasion_id: str, outcome: RetentionOutcome, reason: str, next_due: datetime | None
) -> ExamRetention:
    return ExamRetention(occasion_id=occasion_id, outcome=outcome, reason=reason, next_due=next_due)


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items()) or "nothing held"


@task(name="retention-candidates")
def retention_candidates() -> list[str]:
    """The archived exams with some kind of data not purged yet."""
    with transaction() as session:
        return store.candidates(session, kinds=len(KINDS))


@task(name="set-legal-hold")
def set_legal_hold(request: LegalHoldRequest, now: datetime) -> str:
    """Places or lifts the hold, audited; refused, with nothing written, for one who is not the
    exam's coordinator or an exam that is not ours."""
    where = f"legal hold on {request.occasion_uid}"
    with transaction() as session:
        if session.get(Occasion, request.occasion_uid) is None:
            raise ValueError(f"{where}: no exam {request.occasion_uid} in examflow's store")
        if not staff.holds_role(
            session, staff_id=request.staff_id, role=Role.COORDINATOR, occasion_id=request.occasion_uid
        ):
            raise PermissionError(f"{where}: {request.staff_id} is not a coordinator of the exam")
        if request.action == "place":
            hold = legal_holds.place(
                session,
                occasion_id=request.occasion_uid,
                kind=request.kind,
                reason=request.reason,
                staff_id=request.staff_id,
                at=now,
            )
            changed, done = 1, f"{request.kind} hold {hold.id} placed"
        else:
            changed = legal_holds.lift(
                session,
                occasion_id=request.occasion_uid,
                kind=request.kind,
                staff_id=request.staff_id,
                at=now,
            )
            done = f"{changed} {request.kind} hold(s) lifted"
        audit.record(
            session,
            actor=request.staff_id,
            action="legal_hold.placed" if request.action == "place" else "legal_hold.lifted",
            occasion_id=request.occasion_uid,
            detail={"kind": request.kind, "holds": changed},
        )
    run_logger().info(f"{where}: {done} by {request.staff_id}")
    return done
