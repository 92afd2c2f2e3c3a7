"""`make run`'s second sample exam, the one being written as it starts: its window, which waiting
runs are its own (answered by `make run`, not by the person walking through the first exam), and
how its code mails are printed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from prefect.client.schemas.objects import FlowRun

from deployments.approver import CodeMail, is_about
from deployments.run import WRITING_MINUTES, mailed, writing_window
from deployments.sample import STOCKHOLM


def test_the_exam_being_written_ends_its_working_time_minutes_after_make_run_starts() -> None:
    now = datetime(2026, 12, 3, 18, 29, 40, tzinfo=UTC)
    starts, ends = writing_window(60, now)
    assert now + timedelta(minutes=WRITING_MINUTES) <= ends <= now + timedelta(minutes=WRITING_MINUTES + 1)
    assert starts < now < ends
    assert starts.astimezone(STOCKHOLM).date() == ends.astimezone(STOCKHOLM).date()


def run_with(params: dict[str, object]) -> FlowRun:
    return FlowRun(flow_id=uuid4(), parameters={"params": params})


def test_a_run_is_the_exam_s_own_when_its_parameters_name_the_occasion() -> None:
    assert is_about(run_with({"occasion_uid": "occ-now", "chain": True}), "occ-now")
    assert is_about(run_with({"occasion_uids": ["occ-morning", "occ-now"]}), "occ-now")
    assert not is_about(run_with({"occasion_uid": "occ-morning"}), "occ-now")
    assert not is_about(run_with({"occasion_uids": ["occ-morning"]}), "occ-now")
    assert not is_about(FlowRun(flow_id=uuid4()), "occ-now")


def test_a_code_make_run_answers_itself_is_printed_without_a_page_to_answer_at() -> None:
    mail = CodeMail(
        "staff-coordinator-1",
        str(uuid4()),
        "QHRA27YF",
        "Approve the plan of DAT961 TEN1 2026-12-03",
        link="http://127.0.0.1:4200/v2/runs/flow-run/x",
    )
    for_the_person, answered = mailed(mail), mailed(mail, by_make_run=True)
    assert "answer at http://127.0.0.1:4200/v2/runs/flow-run/x" in for_the_person
    assert "answered by make run itself" in answered and "answer at" not in answered
    assert answered.startswith("  mail to staff-coordinator-1: code QHRA27YF for 'Approve the plan of DAT961")
