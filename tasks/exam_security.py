"""The exam's security settings on the platform: held encrypted in our store, set on the platform's
test before activation and read back to verify, and on the day mailed to the exam's invigilators.
No password is ever an argument or a result of a task (Prefect would keep it), nor in a log line,
an audit event or an artifact: only the mail folder holds them, as it holds approval codes."""

from __future__ import annotations

from prefect import task
from sqlalchemy.orm import Session

from integrations.http import ApiError
from integrations.protocols import ExamPlatform
from models.domain import Role
from models.security import ExamSecurity
from models.settings import get_settings
from rules.exam_security import new_quit_password, new_start_password
from rules.exam_times import STOCKHOLM
from store import audit, exam_secrets, occasions, outbox, seating, staff
from store.db import transaction
from store.schema import Staff
from tasks import platform_results
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems


class SecurityNotSet(Exception):
    """The platform's test does not hold the exam's security settings; names the settings only."""


def hold(session: Session, *, occasion_id: str, lockdown_browser: bool) -> bool:
    """Makes the exam's settings (new passwords when the lockdown browser is on) unless the same
    choice is held already; True when it made new ones."""
    key = get_settings().signing_key
    held = exam_secrets.get(session, occasion_id=occasion_id, key=key)
    if held is not None and held.lockdown_browser == lockdown_browser:
        return False
    security = ExamSecurity(lockdown_browser=False)
    if lockdown_browser:
        security = ExamSecurity.model_validate(
            {
                "lockdown_browser": True,
                "start_password": new_start_password(),
                "quit_password": new_quit_password(),
            }
        )
    exam_secrets.put(session, occasion_id=occasion_id, security=security, key=key)
    return True


def ensure_on_platform(platform: ExamPlatform, *, test_id: str, occasion_id: str) -> str:
    """Sets the held settings on the test unless it holds them already, and reads them back; raises
    SecurityNotSet naming what differs. Returns what was done, for the log."""
    with transaction() as session:
        wanted = exam_secrets.get(session, occasion_id=occasion_id, key=get_settings().signing_key)
    if wanted is None:
        raise SecurityNotSet(f"occasion {occasion_id}: no security settings held; plan the exam again")
    if not wanted.differences(platform.security_options(test_id)):
        return "already held by the platform"
    try:
        platform.set_security_options(test_id, wanted)
    except ApiError as exc:
        if exc.status is None or exc.status >= 500:
            raise
        raise SecurityNotSet(
            f"occasion {occasion_id}: the platform refused the security settings of test {test_id}: {exc}"
        ) from exc
    if differs := wanted.differences(platform.security_options(test_id)):
        raise SecurityNotSet(
            f"occasion {occasion_id}: test {test_id} on the platform holds another {', '.join(differs)} "
            "than was set"
        )
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="platform.security_set",
            occasion_id=occasion_id,
            detail={"test_id": test_id, "lockdown_browser": wanted.lockdown_browser, "verified": True},
        )
    return "set and read back"


@task(name="check-exam-security", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def check_exam_security(occasion_id: str) -> str:
    """Before activation: the platform's test holds the exam's security settings (set again if not)."""
    test_id = platform_results.platform_test_id(occasion_id)
    with systems().platform() as platform:
        done = ensure_on_platform(platform, test_id=test_id, occasion_id=occasion_id)
    run_logger().info(f"Security settings of {occasion_id} on platform test {test_id}: {done}")
    return done


@task(name="send-exam-passwords", **REPLAY_SAFE)
def send_exam_passwords(occasion_id: str) -> int:
    """Mails the exam's start and quit passwords to its invigilators, once; how many were mailed."""
    log = run_logger()
    with transaction() as session:
        held = exam_secrets.get(session, occasion_id=occasion_id, key=get_settings().signing_key)
        if held is None or held.start_password is None:
            log.info(f"Exam {occasion_id} has no lockdown browser passwords: none to send")
            return 0
        if exam_secrets.sent_at(session, occasion_id=occasion_id) is not None:
            log.info(f"The passwords of {occasion_id} were mailed to its invigilators already")
            return 0
        invigilators = _invigilators(session, occasion_id)
        if not invigilators:
            log.warning(
                f"Exam {occasion_id} has no invigilator: its passwords were not sent. Give someone the "
                "invigilator role for it and run exam-day again before the exam starts."
            )
            return 0
        body = _mail(session, occasion_id, held)
        for person in invigilators:
            outbox.enqueue(
                session, recipient=person.email, subject=f"Passwords of exam {occasion_id}", body=body
            )
        exam_secrets.mark_sent(session, occasion_id=occasion_id)
        audit.record(
            session,
            actor="examflow",
            action="exam.passwords_sent",
            occasion_id=occasion_id,
            detail={"invigilators": [p.id for p in invigilators]},
        )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    log.info(f"Mailed the passwords of {occasion_id} to its {len(invigilators)} invigilator(s)")
    return len(invigilators)


def _invigilators(session: Session, occasion_id: str) -> list[Staff]:
    """The exam's invigilators: those on duty in its seating plan, else those given the role for
    this exam, else everyone holding the role."""
    holders = staff.holders(session, role=Role.INVIGILATOR, occasion_id=occasion_id)
    on_duty = {
        d.staff_id for d in seating.duties(session, occasion_id=occasion_id) if d.duty == Role.INVIGILATOR
    }
    if on_duty:
        return [p for p in holders if p.id in on_duty]
    for_this_exam = set(staff.holders_for(session, role=Role.INVIGILATOR, occasion_id=occasion_id))
    return [p for p in holders if p.id in for_this_exam] or holders


def _mail(session: Session, occasion_id: str, held: ExamSecurity) -> str:
    occasion = occasions.get(session, occasion_id)
    starts = occasion.starts_at.astimezone(STOCKHOLM)
    start = held.start_password.get_secret_value() if held.start_password else ""
    quit_ = held.quit_password.get_secret_value() if held.quit_password else ""
    return (
        f"{occasion.name} ({occasion_id}) starts {starts:%Y-%m-%d %H:%M} Stockholm time in Safe Exam "
        f"Browser.\n\nStart password (candidates type it to open the test): {start}\n"
        f"Quit password (you type it to let a candidate out of Safe Exam Browser): {quit_}\n\n"
        "Give the start password to the candidates in the room when the exam starts; keep the quit "
        "password to yourself. Do not forward this mail.\n"
    )
