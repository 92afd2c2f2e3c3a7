"""The exam-day tasks of the exam's security settings against the platform's stand-in over real HTTP
and a real store (SQLite and PostgreSQL): refused with the exam named where nothing is held or the
platform refuses, set again where the platform lost them, passwords mailed once and only to
invigilators, and none of it in a message."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from models.domain import Role
from models.security import ExamSecurity
from models.settings import get_settings
from models.systems import INSPERA
from simulators.inspera import create_app
from simulators.server import serve_in_thread
from store import exam_secrets, occasions, staff
from store.db import transaction
from tasks.exam_security import (
    SecurityNotSet,
    check_exam_security,
    ensure_on_platform,
    hold,
    send_exam_passwords,
)
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.factories import an_occasion

STARTS = datetime(2030, 6, 3, 7, tzinfo=UTC)


@dataclass
class Exam:
    occasion_id: str
    test_id: str
    outbox: Path


@pytest.fixture
def exam(engine: Engine, tmp_path: Path) -> Iterator[Exam]:
    """A planned exam with its test on the platform; its settings held, not yet set."""
    with serve_in_thread(create_app(tmp_path / "inspera.db")) as url:
        env = {
            "EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_SECRET": "security-task-secret",
            INSPERA.url_env: f"{url}{INSPERA.url_path}",
        }
        with examflow_environment(env):
            with systems().platform() as platform:
                test = platform.upsert_test(
                    external_test_id="occ-1",
                    title="Algebra",
                    starts_at=STARTS,
                    ends_at=STARTS + timedelta(hours=4),
                    duration_minutes=240,
                )
            with transaction() as session:
                session.add(an_occasion("occ-1", starts_at=STARTS, ends_at=STARTS + timedelta(hours=4)))
                session.flush()
                occasions.set_status(
                    session, occasion_id="occ-1", status="planned", platform_test_id=test.test_id
                )
            yield Exam("occ-1", test.test_id, tmp_path / "outbox")


def _held(occasion_id: str) -> ExamSecurity:
    with transaction() as session:
        held = exam_secrets.get(session, occasion_id=occasion_id, key=get_settings().signing_key)
    assert held is not None
    return held


def _passwords(held: ExamSecurity) -> list[str]:
    return [s.get_secret_value() for s in (held.start_password, held.quit_password) if s is not None]


def test_nothing_held_is_refused_naming_the_exam(exam: Exam) -> None:
    with pytest.raises(
        SecurityNotSet, match="occasion occ-1: no security settings held; plan the exam again"
    ):
        check_exam_security.fn(exam.occasion_id)


def test_settings_are_set_read_back_and_left_alone_once_held(exam: Exam) -> None:
    with transaction() as session:
        assert hold(session, occasion_id=exam.occasion_id, lockdown_browser=True)
        assert not hold(session, occasion_id=exam.occasion_id, lockdown_browser=True)  # kept
    assert check_exam_security.fn(exam.occasion_id) == "set and read back"
    assert check_exam_security.fn(exam.occasion_id) == "already held by the platform"
    with systems().platform() as platform:
        assert platform.security_options(exam.test_id).differences(_held(exam.occasion_id)) == []


def test_an_activated_test_holding_other_settings_is_refused_without_a_password(exam: Exam) -> None:
    with transaction() as session:
        hold(session, occasion_id=exam.occasion_id, lockdown_browser=True)
    with systems().platform() as platform:
        platform.set_status(exam.test_id, "ACTIVE")
        with pytest.raises(SecurityNotSet) as refused:
            ensure_on_platform(platform, test_id=exam.test_id, occasion_id=exam.occasion_id)
    message = str(refused.value)
    assert f"occasion occ-1: the platform refused the security settings of test {exam.test_id}" in message
    assert "frozen" in message
    assert not any(p in message for p in _passwords(_held(exam.occasion_id)))


def test_passwords_go_once_to_the_exams_invigilators_only(exam: Exam) -> None:
    with transaction() as session:
        hold(session, occasion_id=exam.occasion_id, lockdown_browser=True)
    assert send_exam_passwords.fn(exam.occasion_id) == 0  # nobody holds the role: nothing sent
    with transaction() as session:
        assert exam_secrets.sent_at(session, occasion_id=exam.occasion_id) is None
        staff.add_staff(
            session, staff_id="inv-1", name="I", email="inv-1@x", roles={Role.INVIGILATOR: "occ-1"}
        )
        staff.add_staff(
            session, staff_id="inv-2", name="J", email="inv-2@x", roles={Role.INVIGILATOR: "occ-2"}
        )
        staff.add_staff(session, staff_id="coord", name="K", email="coord@x", roles={Role.COORDINATOR: ""})
    assert send_exam_passwords.fn(exam.occasion_id) == 1
    assert send_exam_passwords.fn(exam.occasion_id) == 0  # once
    mails = [email.message_from_bytes(p.read_bytes()) for p in sorted(exam.outbox.glob("*.eml"))]
    assert [m["To"] for m in mails] == ["inv-1@x"]
    body = mails[0].get_payload(decode=True).decode()
    assert all(p in body for p in _passwords(_held(exam.occasion_id)))


def test_an_exam_without_the_lockdown_browser_has_no_passwords_to_send(exam: Exam) -> None:
    with transaction() as session:
        hold(session, occasion_id=exam.occasion_id, lockdown_browser=False)
        staff.add_staff(
            session, staff_id="inv-1", name="I", email="inv-1@x", roles={Role.INVIGILATOR: "occ-1"}
        )
    assert _held(exam.occasion_id) == ExamSecurity(lockdown_browser=False)
    assert check_exam_security.fn(exam.occasion_id) == "already held by the platform"
    assert send_exam_passwords.fn(exam.occasion_id) == 0
