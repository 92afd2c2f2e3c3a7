"""The exam's lockdown browser passwords on real flows: made at planning and held encrypted, set on
the platform's test and read back (set again when the platform lost them), mailed to the exam's
invigilators on exam day, and found in no log line, artifact, audit event or persisted task result
of the runs. Also the prefix of the anonymisation codes made from the course and its sitting: two
exams of one course in a term get two prefixes."""

from __future__ import annotations

import email
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH
from prefect.states import State
from pydantic import SecretStr
from sqlalchemy import select

from flows.exam_day import exam_day
from flows.plan_exam import plan_exam
from flows.registration_sync import registration_sync
from models.domain import ExamType, Role
from models.params import OccasionStep, PlanExam, SyncRegistrations
from models.security import ExamSecurity
from models.settings import get_settings
from rules.anonymisation import prefix_base
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from store import audit, exam_secrets, occasions, staff
from store.db import transaction
from store.exam_secrets import SecretsUnreadable
from store.schema import AuditEvent, ExamSecret
from tasks.systems import systems
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving
from tests.flows.test_run_logs import _reschedule, messages, run_id

TERM = {"seed": 61, "course_rounds": 1, "occasions": 2, "students": 24, "extra_time_share": 0.0}
INVIGILATOR = "staff-invigilator-secrets"


@dataclass
class Runs:
    first: str
    second: str
    course: str
    held: ExamSecurity
    test_id: str
    logs: list[str]
    run_ids: list[UUID]
    refused: State[Any]


@pytest.fixture(scope="module")
def runs(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Two exams of one course: the second refused once without the lockdown browser, then both
    planned without a code prefix; the first synced and held on its day, after its settings on the
    platform were changed behind examflow's back."""
    state = tmp_path_factory.mktemp("exam-secrets")
    with ExitStack() as stack:
        ladok = stack.enter_context(serve_in_thread(ladok_sim.create_app(state / "ladok.db")))
        stack.enter_context(examflow_environment({"EXAMFLOW_LADOK_URL": f"{ladok}/"}))
        term = httpx.post(f"{ladok}/_sim/term", json=TERM, timeout=60)
        term.raise_for_status()
        first, second = term.json()["occasions"]
        times = {uid: _reschedule(ladok, uid) for uid in (first, second)}
        with transaction() as session:
            staff.add_staff(
                session,
                staff_id=INVIGILATOR,
                name="Ida Sjöberg",
                email=f"{INVIGILATOR}@examflow.local",
                roles={Role.INVIGILATOR: first},
            )
        states: list[State[Any]] = []
        refused = plan_exam(
            PlanExam(
                occasion_uid=second,
                times=times[second],
                exam_type=ExamType.DIGITAL_SCHOOL,
                lockdown_browser=False,
            ),
            return_state=True,
        )
        with approving(world.outbox, "staff-coordinator-1"):
            for uid in (first, second):
                states.append(plan_exam(PlanExam(occasion_uid=uid, times=times[uid]), return_state=True))
        with transaction() as session:
            test_id = occasions.get(session, first).platform_test_id
            held = exam_secrets.get(session, occasion_id=first, key=get_settings().signing_key)
        assert test_id is not None and held is not None
        with systems().platform() as platform:  # someone changes the pin in the platform's UI
            platform.set_security_options(
                test_id, held.model_copy(update={"start_password": SecretStr("ZZ99ZZ99")})
            )
        states.append(registration_sync(SyncRegistrations(occasion_uids=[first]), return_state=True))
        states.append(exam_day(OccasionStep(occasion_uid=first), return_state=True))
        for s in states:
            s.result()
        yield Runs(
            first=first,
            second=second,
            course=_course_code(first),
            held=held,
            test_id=test_id,
            logs=[line for s in states for line in messages(run_id(s))],
            run_ids=[run_id(s) for s in states],
            refused=refused,
        )


def _course_code(occasion: str) -> str:
    with systems().register() as register:
        rounds = register.get_occasion(occasion).course_round_uids
        return min(register.get_course_round(uid).code for uid in rounds)


def _passwords(held: ExamSecurity) -> list[str]:
    return [s.get_secret_value() for s in (held.start_password, held.quit_password) if s is not None]


def _mails(outbox: Path, recipient: str) -> list[str]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if message["To"] == recipient:
            found.append(message.get_payload(decode=True).decode())
    return found


def test_the_platform_holds_the_exams_passwords_and_the_invigilator_is_mailed_them_once(
    runs: Runs, world: World
):
    start, quit_ = _passwords(runs.held)
    on_platform = httpx.get(f"{world.inspera_url}/_sim/test/{runs.test_id}").json()["securityOptions"]
    assert on_platform == {
        "LOCKDOWN_BROWSER": True,
        "SEB_SETTINGS_PINCODE": start,
        "LOCKDOWN_QUIT_CODE": quit_,
    }
    mails = _mails(world.outbox, f"{INVIGILATOR}@examflow.local")
    assert len(mails) == 1
    assert f"Start password (candidates type it to open the test): {start}" in mails[0]
    assert f"Quit password (you type it to let a candidate out of Safe Exam Browser): {quit_}" in mails[0]
    with transaction() as session:
        assert exam_secrets.sent_at(session, occasion_id=runs.first) is not None
        sent = audit.events(session, occasion_id=runs.first, action="exam.passwords_sent")
    assert [e.detail for e in sent] == [{"invigilators": [INVIGILATOR]}]


def test_settings_changed_on_the_platform_are_set_again_before_activation(runs: Runs):
    assert any(
        f"Security settings of {runs.first} on platform test {runs.test_id}: set and read back" in line
        for line in runs.logs
    )
    with transaction() as session:
        set_ = audit.events(session, occasion_id=runs.first, action="platform.security_set")
        activated = audit.events(session, occasion_id=runs.first, action="exam.activated")
    assert len(set_) == 2 and set_[-1].seq < activated[0].seq


def test_the_passwords_are_encrypted_at_rest(runs: Runs):
    with transaction() as session:
        row = session.get_one(ExamSecret, runs.first)
        stored = f"{row.start_password} {row.quit_password}"
        for password in _passwords(runs.held):
            assert password not in stored
        with pytest.raises(SecretsUnreadable, match=f"occasion {runs.first}: start_password"):
            exam_secrets.get(session, occasion_id=runs.first, key=b"another secret")


def test_no_password_in_a_log_an_artifact_an_audit_event_or_a_task_result(runs: Runs):
    artifacts = httpx.post(
        f"{PREFECT_API_URL.value()}/artifacts/filter",
        json={"artifacts": {"flow_run_id": {"any_": [str(r) for r in runs.run_ids]}}},
    )
    artifacts.raise_for_status()
    assert artifacts.json(), "the runs kept no artifact to search"
    with transaction() as session:
        details = [str(e.detail) for e in session.scalars(select(AuditEvent))]
    results = [
        p.read_bytes().decode(errors="replace")
        for p in Path(PREFECT_LOCAL_STORAGE_PATH.value()).rglob("*")
        if p.is_file()
    ]
    seen = "\n".join([*runs.logs, artifacts.text, *details, *results])
    assert runs.logs and details and results
    for password in _passwords(runs.held):
        assert password not in seen


def test_a_school_exam_without_the_lockdown_browser_is_refused_before_anything_is_written(runs: Runs):
    assert runs.refused.is_failed()
    with pytest.raises(Exception, match=f"occasion {runs.second}: lockdown_browser: a digital_school exam"):
        runs.refused.result()


def test_two_exams_of_one_course_get_the_course_code_and_their_sitting_as_prefix(runs: Runs):
    with transaction() as session:
        prefixes = [occasions.get(session, uid).code_prefix for uid in (runs.first, runs.second)]
    base = prefix_base(runs.course)
    assert prefixes == [f"{base}1", f"{base}2"]
