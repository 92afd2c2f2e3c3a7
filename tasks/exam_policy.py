"""The exam policy per exam: the check at planning, the dispensation's record, the extra distance
sittings, and the re-check of every planned exam when the scenario changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from prefect import task
from sqlalchemy.orm import Session

from models.approvals import ApprovalForm
from models.domain import Decision, ExamWindow
from models.policy import FORM_TITLES, DispensationAnswers, DispensationForm, ExamForm, ExamPolicy
from models.settings import get_settings
from rules.digital_share import form_of
from rules.exam_policy import (
    ALLOWED,
    DISPENSATION,
    EXTRA_SITTING_FORM,
    REFUSED,
    PolicyInvalid,
    PolicyVerdict,
    decide,
    parse_policy,
    recheck,
)
from rules.exam_times import STOCKHOLM
from store import audit, exam_policy
from store.db import transaction
from tasks.clock import now
from tasks.planning import PlanRefused
from tasks.reports import markdown_table
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

# Each outcome as the log says it to the exam office
SAID = {
    ALLOWED: "allowed",
    DISPENSATION: "allowed only if a dispensation is granted",
    REFUSED: "not allowed",
}


def load_policy() -> ExamPolicy:
    """The policy in the file settings name, or PolicyInvalid naming the file and what is wrong."""
    path = get_settings().exam_policy
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyInvalid(f"exam policy {path}: cannot be read ({exc.strerror})") from exc
    return parse_policy(text, str(path))


def day_of(window: ExamWindow) -> date:
    return window.starts_at.astimezone(STOCKHOLM).date()


@task(name="check-exam-policy", **REPLAY_SAFE)
def check_exam_policy(occasion_id: str, window: ExamWindow, form: ExamForm, exam: str = "") -> PolicyVerdict:
    """The policy's verdict on the planned form; a refusal is audited and raised as PlanRefused
    before anything of the plan is written. `exam` names the exam in the log (its uid otherwise)."""
    verdict = decide(load_policy(), day=day_of(window), form=form)
    run_logger().info(f"The exam policy on {exam or occasion_id}: {SAID[verdict.outcome]}; {verdict.reason}")
    if verdict.outcome == REFUSED:
        with transaction() as session:
            audit.record(
                session,
                actor="examflow",
                action="policy.refused",
                occasion_id=occasion_id,
                detail={"form": form.value, "scenario": verdict.scenario, "reason": verdict.reason},
            )
        raise PlanRefused(f"exam policy: {verdict.reason}")
    return verdict


def presentation_check(window: ExamWindow, form: ExamForm) -> Callable[[ApprovalForm], str]:
    """Judges a programme director's presentation: one that presents must name its evidence and
    answer the criteria so that they meet the scenario's rule ('' when fine, else why not)."""
    policy = load_policy()

    def check(answer: ApprovalForm) -> str:
        if not isinstance(answer, DispensationForm) or answer.decision != Decision.APPROVE:
            return ""
        if not answer.evidence.strip():
            return "name the evidence (a case number or a document) the dispensation rests on"
        verdict = decide(policy, day=day_of(window), form=form, answers=answer.answers())
        if not verdict.allowed:
            return f"{verdict.reason}; correct the answers, or reject to withdraw the request"
        return ""

    return check


@task(name="judge-dispensation", **REPLAY_SAFE)
def judge_dispensation(window: ExamWindow, form: ExamForm, answers: DispensationAnswers) -> PolicyVerdict:
    """The policy's verdict on the exam with the dispensation's criteria as answered."""
    return decide(load_policy(), day=day_of(window), form=form, answers=answers)


def presentation_evidence(verdict: PolicyVerdict, form: ExamForm) -> str:
    return (
        f"The exam is planned as {FORM_TITLES[form]}. {_sentence(verdict.reason)}\n\n"
        "Answer each criterion for this course, name the evidence (a case number or a document) and "
        "approve to present the request to the vice-rector for education; reject to withdraw it."
    )


def decision_evidence(
    verdict: PolicyVerdict, form: ExamForm, presented_by: str, answers: DispensationAnswers
) -> str:
    rows = [
        {
            "criterion": "learning outcomes need a controlled setting",
            "answer": _yes(answers.controlled_setting),
        },
        {
            "criterion": "a 1-2 year plan for more diverse examination",
            "answer": _yes(answers.diversification_plan),
        },
        {"criterion": "course level", "answer": answers.course_level.value},
        {"criterion": "students at the sitting", "answer": str(answers.students_at_sitting)},
        {
            "criterion": "an emergency replacement of a campus exam",
            "answer": _yes(answers.emergency_replacement),
        },
        {"criterion": "evidence", "answer": answers.evidence},
    ]
    return (
        f"A dispensation to sit the exam as {FORM_TITLES[form]}, presented by {presented_by}. "
        f"{_sentence(verdict.reason)}\n\n{markdown_table(rows)}"
    )


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}."


def _yes(value: bool) -> str:
    return "yes" if value else "no"


@task(name="record-dispensation", **REPLAY_SAFE)
def record_dispensation(
    occasion_id: str,
    form: ExamForm,
    scenario: str,
    answers: DispensationAnswers,
    presented_by: str,
    decision: Decision,
    decided_by: str,
    comment: str,
) -> int:
    granted = decision == Decision.APPROVE
    with transaction() as session:
        dispensation_id = exam_policy.record_dispensation(
            session,
            occasion_id=occasion_id,
            form=form.value,
            scenario=scenario,
            answers=answers.model_dump(mode="json"),
            presented_by=presented_by,
            granted=granted,
            decided_by=decided_by,
            comment=comment,
            at=now(),
        )
        _audit_dispensation(
            session, dispensation_id, occasion_id, form, scenario, presented_by, decision, decided_by
        )
    run_logger().info(
        f"Dispensation {dispensation_id} for {occasion_id} ({form.value}, scenario {scenario}) "
        f"{'granted' if granted else 'refused'} by {decided_by}, presented by {presented_by}"
    )
    return dispensation_id


def _audit_dispensation(
    session: Session,
    dispensation_id: int,
    occasion_id: str,
    form: ExamForm,
    scenario: str,
    presented_by: str,
    decision: Decision,
    decided_by: str,
) -> None:
    audit.record(
        session,
        actor=decided_by,
        action="dispensation.granted" if decision == Decision.APPROVE else "dispensation.refused",
        occasion_id=occasion_id,
        detail={
            "dispensation": dispensation_id,
            "form": form.value,
            "scenario": scenario,
            "presented_by": presented_by,
        },
    )


@task(name="record-exam-form", **REPLAY_SAFE)
def record_exam_form(occasion_id: str, form: ExamForm, verdict: PolicyVerdict) -> bool:
    """Records the exam's form and, where the policy requires one, plans its extra distance sitting;
    True when a sitting was planned now."""
    at = now()
    with transaction() as session:
        exam_policy.record_form(session, occasion_id=occasion_id, form=form.value, at=at)
        planned = verdict.extra_distance_sitting and _plan_sitting(
            session, occasion_id, verdict, planned_by="plan-exam", at=at
        )
        audit.record(
            session,
            actor="examflow",
            action="policy.checked",
            occasion_id=occasion_id,
            detail={
                "form": form.value,
                "scenario": verdict.scenario,
                "outcome": verdict.outcome,
                "reason": verdict.reason,
                "extra_sitting_planned": planned,
            },
        )
    if planned:
        run_logger().info(
            f"Extra distance sitting planned for {occasion_id}, as scenario {verdict.scenario} requires"
        )
    return planned


def _plan_sitting(
    session: Any, occasion_id: str, verdict: PolicyVerdict, *, planned_by: str, at: datetime
) -> bool:
    return exam_policy.plan_extra_sitting(
        session,
        occasion_id=occasion_id,
        form=EXTRA_SITTING_FORM.value,
        scenario=verdict.scenario,
        reason=verdict.reason,
        planned_by=planned_by,
        at=at,
    )


def latest_start() -> date:
    """The day the newest period of the policy starts."""
    return load_policy().periods[-1].starts_on


@task(name="recheck-exam-policy", **REPLAY_SAFE)
def recheck_planned_exams(since: date) -> list[dict[str, str]]:
    """Every exam planned on or after `since`, judged by the policy now; the extra distance
    sittings now required are planned. One row per exam, for a person to read."""
    policy = load_policy()
    start = datetime.combine(since, time(0), STOCKHOLM).astimezone(UTC)
    rows, at = [], now()
    with transaction() as session:
        for exam in exam_policy.planned_from(session, start):
            form = form_of(exam.form, exam.exam_type)
            answers = DispensationAnswers.model_validate(exam.answers) if exam.answers else None
            day = exam.starts_at.astimezone(STOCKHOLM).date()
            found = recheck(
                policy, day=day, form=form, answers=answers, sittings_planned_for=exam.extra_sittings
            )
            planned = found.sitting_due and _plan_sitting(
                session, exam.occasion_id, found.verdict, planned_by="policy-recheck", at=at
            )
            rows.append(_row(exam.occasion_id, exam.name, day, form, found.breaks, found.verdict, planned))
        breaking = [r["occasion"] for r in rows if r["breaks the rules"] == "YES"]
        sittings = [r["occasion"] for r in rows if r["extra distance sitting"].startswith("planned now")]
        audit.record(
            session,
            actor="examflow",
            action="policy.rechecked",
            occasion_id=None,
            detail={
                "since": since.isoformat(),
                "exams": len(rows),
                "breaking": breaking,
                "sittings_planned": sittings,
            },
        )
    return rows


def _row(
    occasion_id: str,
    name: str,
    day: date,
    form: ExamForm,
    breaks: bool,
    verdict: PolicyVerdict,
    planned: bool,
) -> dict[str, str]:
    if planned:
        sitting = f"planned now ({EXTRA_SITTING_FORM.value}; the exam office sets its day)"
    elif verdict.extra_distance_sitting:
        sitting = "planned before"
    else:
        sitting = "not required"
    needs = " (a dispensation must be asked)" if verdict.outcome == DISPENSATION else ""
    return {
        "occasion": occasion_id,
        "exam": name,
        "day": day.isoformat(),
        "form": form.value,
        "scenario": verdict.scenario or "none",
        "breaks the rules": "YES" if breaks else "no",
        "why": verdict.reason + needs,
        "extra distance sitting": sitting,
    }
