"""pre-exam-check's steps: the platform's test (candidates, extra time, rooms, security settings)
compared with our store and the register; the alarm of a test without candidates; the fixes pushed
once a coordinator approves; and the two checks scheduled when an exam is planned."""

from __future__ import annotations

from datetime import datetime, timedelta

from prefect import task
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from sqlalchemy.orm import Session

from models.domain import Accommodation, Country, PlatformCandidate, RegisteredStudent, Role
from models.precheck import Fix, PreCheck, Seen
from models.settings import get_settings
from rules.exam_times import STOCKHOLM
from rules.precheck import candidate_differences, is_alarm, security_differences
from store import accommodations as support
from store import audit, exam_secrets, occasions, outbox, staff
from store.db import transaction
from store.schema import Staff
from tasks.chaining import DEPLOYMENT
from tasks.clock import now
from tasks.exam_security import SecurityNotSet, ensure_on_platform
from tasks.registration import candidates_wanted, push_to_platform, sync_from_register
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems

FLOW = "pre-exam-check"
BEFORE_START = {"T-24h": timedelta(hours=24), "T-1h": timedelta(hours=1)}


class PreCheckAlarm(RuntimeError):
    """The platform's test has no candidates while the register has registrations."""


class PreCheckUnresolved(RuntimeError):
    """Differences remain after the fixes were pushed; the message says how many and where."""


def _seen(candidate: PlatformCandidate) -> Seen:
    return Seen(
        code=candidate.candidate_code,
        extra_time_minutes=candidate.extra_time_minutes,
        building=candidate.building,
        room=candidate.room,
    )


def _register_side(
    registered: list[RegisteredStudent], decisions: list[Accommodation], granted: list[Accommodation]
) -> dict[str, Seen]:
    """The register's registrations, each with the extra time of the decisions in force: the
    register's own (FS's granted applications) over the coordinator's held in our store."""
    extra = {a.student_uid: a.extra_time_minutes for a in decisions}
    extra |= {a.student_uid: a.extra_time_minutes for a in granted}
    return {
        r.student_uid: Seen(code=r.anonymisation_code or "", extra_time_minutes=extra.get(r.student_uid, 0))
        for r in registered
    }


@task(name="check-before-exam", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def check_before_exam(occasion_id: str, round: int = 1) -> PreCheck:
    """Every difference between the platform's test, our store and the register. `round` tells a
    re-check from the first, so that each is kept apart for a replay of the run."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        test_id, country = occasion.platform_test_id, Country(occasion.country)
        ours = {uid: _seen(c) for uid, c in candidates_wanted(session, occasion_id).items()}
        wanted = exam_secrets.get(session, occasion_id=occasion_id, key=get_settings().signing_key)
    if test_id is None:
        raise LookupError(f"occasion {occasion_id} has no platform test: run plan-exam first")
    with systems().register(country=country) as register:
        registered = register.registered_many([occasion_id]).get(occasion_id, [])
        granted = register.accommodations(occasion_id)
    with transaction() as session:
        decisions = support.granted_on(session, {occasion_id: [r.student_uid for r in registered]})
    theirs = _register_side(registered, decisions.get(occasion_id, []), granted)
    with systems().platform() as platform:
        listed = {c.external_user_id: _seen(c) for c in platform.list_candidates(test_id)}
        held = platform.security_options(test_id)
    check = PreCheck(
        occasion_id=occasion_id,
        test_id=test_id,
        on_platform=len(listed),
        in_store=len(ours),
        in_register=len(theirs),
        differences=security_differences(wanted, held) + candidate_differences(listed, ours, theirs),
        alarm=_alarm(occasion_id, test_id, len(listed), len(theirs)),
    )
    run_logger().info(
        f"Checked {occasion_id} (round {round}): {check.on_platform} candidate(s) on platform test "
        f"{test_id}, {check.in_store} registered in our store, {check.in_register} in the register; "
        f"{len(check.differences)} difference(s)"
        + (" and the ALARM of a test without candidates" if check.alarm else "")
    )
    return check


def _alarm(occasion_id: str, test_id: str, on_platform: int, in_register: int) -> str:
    if not is_alarm(on_platform, in_register):
        return ""
    return (
        f"ALARM: platform test {test_id} of exam {occasion_id} has no candidates, but the register holds "
        f"{in_register} registration(s) for it: nobody could sit the exam. Run registration-sync for "
        f"{occasion_id} (it adds the candidates to the test), find out why the test was empty, and run "
        "pre-exam-check again."
    )


@task(name="sound-pre-exam-alarm", **REPLAY_SAFE)
def sound_alarm(check: PreCheck, window: str) -> str:
    """Mails the alarm to the exam's coordinators through the outbox and audits it; returns the
    message the run fails with."""
    with transaction() as session:
        occasion = occasions.get(session, check.occasion_id)
        starts = occasion.starts_at.astimezone(STOCKHOLM)
        coordinators = _coordinators(session, check.occasion_id)
        body = f"{occasion.name} ({check.occasion_id}) starts {starts:%Y-%m-%d %H:%M} Stockholm time.\n\n{check.alarm}\n"
        for person in coordinators:
            outbox.enqueue(
                session,
                recipient=person.email,
                subject=f"ALARM: no candidates on the platform for {occasion.name}",
                body=body,
            )
        audit.record(
            session,
            actor="examflow",
            action="precheck.alarm",
            occasion_id=check.occasion_id,
            detail={
                "test_id": check.test_id,
                "in_register": check.in_register,
                "window": window,
                "mailed": [p.id for p in coordinators],
            },
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    mailed = ", ".join(p.id for p in coordinators) or "nobody: no one holds the coordinator role"
    run_logger().error(f"{check.alarm} Mailed to {mailed}.")
    return f"{check.alarm} Mailed to {mailed}."


def _coordinators(session: Session, occasion_id: str) -> list[Staff]:
    """Those given the coordinator role for this exam, else everyone holding it."""
    holders = staff.holders(session, role=Role.COORDINATOR, occasion_id=occasion_id)
    for_this_exam = set(staff.holders_for(session, role=Role.COORDINATOR, occasion_id=occasion_id))
    return [p for p in holders if p.id in for_this_exam] or holders


@task(name="push-pre-exam-fixes", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def push_fixes(check: PreCheck, approved_by: str) -> list[str]:
    """Puts the differences right, each step idempotent: our store synced from the register (the
    shrink guard still holds a large removal back), the platform's test brought in line with our
    store, the security settings set and read back. Returns what was done, for the log."""
    actions = {d.action for d in check.differences}
    occasion_id = check.occasion_id
    done = []
    if Fix.SYNC in actions:
        synced = sync_from_register.fn([occasion_id])
        done.append(
            f"our store synced from the register ({synced.adds} added, {synced.removals} removed, "
            f"{synced.extra_time_changes} with new extra time)"
            + ("; held back for a coordinator by the shrink guard" if synced.held else "")
        )
    if actions & {Fix.SYNC, Fix.PUSH}:
        pushed = push_to_platform.fn([occasion_id])
        done.append(
            f"the platform's test brought in line ({pushed.added} added, {pushed.removed} removed, "
            f"{pushed.extra_time_updated} updated)"
        )
    if Fix.SECURITY in actions:
        done.append(_set_security(check))
    with transaction() as session:
        audit.record(
            session,
            actor=approved_by,
            action="precheck.fixed",
            occasion_id=occasion_id,
            detail={"test_id": check.test_id, "differences": len(check.differences), "done": done},
        )
    run_logger().info(f"Fixes of {occasion_id} approved by {approved_by}: {'; '.join(done)}")
    return done


def _set_security(check: PreCheck) -> str:
    with systems().platform() as platform:
        try:
            done = ensure_on_platform(platform, test_id=check.test_id, occasion_id=check.occasion_id)
        except SecurityNotSet as exc:
            return f"the security settings were not set: {exc}"
    return f"the security settings {done}"


@task(name="pre-exam-check-due", **REPLAY_SAFE)
def still_due(occasion_id: str, starts_at: datetime | None) -> str:
    """'' when the check is due; else why not: the exam has moved since this run was scheduled
    (plan-exam scheduled the checks of its new start)."""
    if starts_at is None:
        return ""
    with transaction() as session:
        starts = occasions.get(session, occasion_id).starts_at
    if starts == starts_at:
        return ""
    return (
        f"exam {occasion_id} was moved to start at {starts:%Y-%m-%d %H:%M} UTC since this check was "
        f"scheduled for its start at {starts_at:%Y-%m-%d %H:%M} UTC: the checks of its new start run instead"
    )


@task(name="schedule-pre-exam-checks", **REPLAY_SAFE)
def schedule_checks(occasion_id: str) -> list[str]:
    """Schedules pre-exam-check at T-24 h and T-1 h before the exam's start as runs of its
    deployment, keyed on the start: planned again at the same time, nothing new is scheduled;
    moved, the new start's checks are. A moment already past is left out. Returns the windows."""
    with transaction() as session:
        starts = occasions.get(session, occasion_id).starts_at
    log, scheduled = run_logger(), list[str]()
    for window, before in BEFORE_START.items():
        at = starts - before
        if at <= now():
            log.info(
                f"The {window} check of {occasion_id} would have been at {at:%Y-%m-%d %H:%M} UTC: not scheduled"
            )
            continue
        try:
            run_deployment(
                f"{FLOW}/{DEPLOYMENT}",
                parameters={
                    "params": {"occasion_uid": occasion_id, "window": window, "starts_at": starts.isoformat()}
                },
                scheduled_time=at,
                timeout=0,
                idempotency_key=f"{FLOW}:{occasion_id}:{window}:{starts.isoformat()}",
                as_subflow=False,
            )
        except ObjectNotFound:
            log.warning(
                f"No deployment {FLOW}/{DEPLOYMENT} to schedule the checks of {occasion_id} on: run "
                f"{FLOW} for it yourself at {starts - BEFORE_START['T-24h']:%Y-%m-%d %H:%M} and "
                f"{starts - BEFORE_START['T-1h']:%Y-%m-%d %H:%M} UTC"
            )
            return scheduled
        scheduled.append(window)
        log.info(f"Scheduled the {window} check of {occasion_id} for {at:%Y-%m-%d %H:%M} UTC")
    return scheduled
