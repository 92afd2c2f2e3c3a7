"""A dispensation from the exam policy, asked through the approval mechanism: the programme
director presents it (the criteria answered, the evidence named), the vice-rector for education
decides. Used by plan-exam when the scenario in force allows the exam's form only by dispensation."""

from __future__ import annotations

from flows.approval import ask_for_approval
from models.domain import Decision, ExamWindow, Role
from models.policy import FORM_TITLES, DispensationForm, ExamForm
from rules.exam_policy import REFUSED, PolicyVerdict
from tasks.exam_policy import (
    decision_evidence,
    judge_dispensation,
    presentation_check,
    presentation_evidence,
    record_dispensation,
)
from tasks.run_logs import run_logger


def ask_for_dispensation(
    occasion_id: str, occasion_name: str, window: ExamWindow, form: ExamForm, verdict: PolicyVerdict
) -> PolicyVerdict:
    """The policy's verdict once the dispensation is decided: allowed (with any extra sitting the
    scenario requires) when granted, refused with the reason when withdrawn or refused."""
    presented, answer = ask_for_approval(
        kind="dispensation-presentation",
        occasion_id=occasion_id,
        role=Role.PROGRAMME_DIRECTOR,
        title=f"Present a dispensation for {occasion_name}: {FORM_TITLES[form]}",
        evidence=presentation_evidence(verdict, form),
        form=DispensationForm,
        check=presentation_check(window, form),
    )
    if presented.decision == Decision.REJECT:
        reason = f"the dispensation request was withdrawn by {presented.approver_id}: {presented.comment}"
        run_logger().info(f"Dispensation for {occasion_id} withdrawn by {presented.approver_id}")
        return verdict.model_copy(update={"outcome": REFUSED, "reason": reason})
    assert isinstance(answer, DispensationForm)
    answers = answer.answers()
    decided, _ = ask_for_approval(
        kind="dispensation",
        occasion_id=occasion_id,
        role=Role.VICE_RECTOR,
        title=f"Decide the dispensation for {occasion_name}: {FORM_TITLES[form]}",
        evidence=decision_evidence(verdict, form, presented.approver_id, answers),
    )
    record_dispensation(
        occasion_id,
        form,
        verdict.scenario,
        answers,
        presented.approver_id,
        decided.decision or Decision.REJECT,
        decided.approver_id,
        decided.comment,
    )
    if decided.decision == Decision.REJECT:
        reason = f"the dispensation was refused by {decided.approver_id}: {decided.comment}"
        return verdict.model_copy(update={"outcome": REFUSED, "reason": reason})
    return judge_dispensation(window, form, answers)
