"""The programme director's presentation of a dispensation, judged before the vice-rector sees it:
evidence named, criteria meeting the scenario in force, a withdrawal always accepted; and what the
approvers are shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from models.domain import ExamWindow
from models.policy import DispensationForm, ExamForm
from models.settings import REPO_ROOT
from rules.exam_policy import decide
from tasks.exam_policy import decision_evidence, load_policy, presentation_check, presentation_evidence
from tests.conftest import examflow_environment

SAMPLE = (REPO_ROOT / "policy" / "exam_policy.yaml").read_text()
WINDOW = ExamWindow(
    starts_at=datetime(2026, 10, 20, 7, 0, tzinfo=UTC),
    ends_at=datetime(2026, 10, 20, 11, 0, tzinfo=UTC),
    duration_minutes=240,
)
MET = {
    "controlled_setting": True,
    "diversification_plan": True,
    "course_level": "first_cycle",
    "students_at_sitting": 120,
    "evidence": "case V-2026-0042",
}


@pytest.fixture(autouse=True)
def medium(tmp_path: Path) -> Iterator[None]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(SAMPLE.split("periods:")[0] + "periods:\n  - scenario: MEDIUM\n    from: 2026-09-01\n")
    with examflow_environment({"EXAMFLOW_EXAM_POLICY": str(policy), "EXAMFLOW_HOME": str(tmp_path)}):
        yield


def answer(**changes: Any) -> DispensationForm:
    fields = {"approver_id": "staff-programme-1", "decision": "approve", "approval_code": "ABCDEFGH", **MET}
    return DispensationForm.model_validate(fields | changes)


def test_a_presentation_meeting_the_criteria_passes() -> None:
    assert presentation_check(WINDOW, ExamForm.DIGITAL_CAMPUS)(answer()) == ""


def test_a_presentation_without_evidence_is_asked_again() -> None:
    check = presentation_check(WINDOW, ExamForm.DIGITAL_CAMPUS)
    assert (
        check(answer(evidence="  "))
        == "name the evidence (a case number or a document) the dispensation rests on"
    )


def test_criteria_that_fall_short_are_asked_again_with_the_rules_reason() -> None:
    problem = presentation_check(WINDOW, ExamForm.CAMPUS_WRITTEN)(answer(course_level="second_cycle"))
    assert problem == (
        "scenario MEDIUM (in force from 2026-09-01) allows a written exam on paper on campus only by "
        "dispensation, and the criteria are not met: the course is at level second_cycle, not preparatory "
        "or first_cycle; correct the answers, or reject to withdraw the request"
    )


def test_a_withdrawal_is_never_asked_again() -> None:
    check = presentation_check(WINDOW, ExamForm.DIGITAL_CAMPUS)
    assert check(answer(decision="reject", comment="we hold it at a distance", students_at_sitting=3)) == ""


def test_the_approvers_read_the_rule_and_the_criteria_as_answered() -> None:
    verdict = decide(load_policy(), day=date(2026, 10, 20), form=ExamForm.DIGITAL_CAMPUS)
    shown = presentation_evidence(verdict, ExamForm.DIGITAL_CAMPUS)
    assert shown.startswith(
        "The exam is planned as a digital exam on campus. Scenario MEDIUM (in force from 2026-09-01) allows"
    )
    table = decision_evidence(verdict, ExamForm.DIGITAL_CAMPUS, "staff-programme-1", answer().answers())
    assert "| students at the sitting | 120 |" in table
    assert "| evidence | case V-2026-0042 |" in table
