"""plan-exam: occasion from the register → the plan's times (or the timetable's) → checks → the
exam policy (a dispensation where it needs one) → coordinator approval → the platform's test and
the pre-exam checks at T-24 h and T-1 h scheduled → for a distance exam, its checklist."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from flows.distance_exam import distance_exam
from models.approvals import Verdict
from models.domain import Decision, ExamWindow, RegisterOccasion, Role
from models.params import DistanceChecklist, PlanExam
from models.policy import FORM_TITLES, DispensationAnswers, DispensationForm, ExamForm
from rules.exam_names import exam_key
from rules.exam_policy import DISPENSATION, REFUSED, PolicyVerdict
from tasks.chaining import start_phase
from tasks.exam_names import name_run, registered_exam
from tasks.exam_policy import (
    check_exam_policy,
    decision_evidence,
    judge_dispensation,
    presentation_check,
    presentation_evidence,
    record_dispensation,
    record_exam_form,
)
from tasks.planning import (
    check_plan,
    create_platform_test,
    fetch_occasion,
    plan_report,
    plan_times,
    save_plan,
)
from tasks.precheck import schedule_checks
from tasks.reports import publish_markdown
from tasks.run_logs import run_logger


@flow(name="plan-exam", flow_run_name=name_run, log_prints=False)
def plan_exam(params: PlanExam) -> str:
    occasion, rounds = fetch_occasion(params.occasion_uid, params.country)
    window = plan_times(params.times, occasion, rounds)
    checks = check_plan(occasion, rounds, window)
    named = registered_exam(occasion, rounds, params.country)
    policy = check_exam_policy(occasion.uid, window, params.exam_form, named.label)
    report = plan_report(occasion, rounds, window, checks, policy.reason)
    publish_markdown(exam_key("plan", named, occasion.uid), report, f"Plan of {named.label}")
    save_plan(params, occasion, rounds, window, checks)
    if policy.outcome == DISPENSATION:
        policy = ask_for_dispensation(occasion.uid, occasion.name, window, params.exam_form, policy)
        if not policy.allowed:
            get_run_logger().info(f"The plan of {occasion.uid} stops here: no dispensation, no test created")
            return f"plan of {occasion.uid} refused by the exam policy: {policy.reason}"
    record_exam_form(occasion.uid, params.exam_form, policy)
    verdict, _ = ask_for_approval(
        kind="plan",
        occasion_id=occasion.uid,
        role=Role.COORDINATOR,
        title=f"Approve the plan of {occasion.name}",
        evidence=report,
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"The plan of {occasion.uid} was rejected by {verdict.approver_id}: no test created"
        )
        return f"plan of {occasion.uid} rejected by {verdict.approver_id}: {verdict.comment}"
    return set_up(params, occasion, window)


def set_up(params: PlanExam, occasion: RegisterOccasion, window: ExamWindow) -> str:
    """Once the plan is approved: the platform's test, the checks before the exam scheduled, a
    distance exam's checklist, and the next phase."""
    test = create_platform_test(params, occasion, window)
    schedule_checks(occasion.uid)
    if params.distance is not None:
        checked = distance_exam(
            DistanceChecklist(occasion_uid=occasion.uid, distance=params.distance), return_state=True
        )
        if not checked.is_completed():
            get_run_logger().warning(
                f"The distance checklist of {occasion.uid} ended {checked.name}: the exam is planned; "
                "run distance-exam again once the learning platform is reached"
            )
    if params.chain:
        start_phase("registration-sync", {"params": {"occasion_uids": [occasion.uid], "chain": True}})
    return f"planned {occasion.uid} as platform test {test.test_id}"


def ask_for_dispensation(
    occasion_id: str, occasion_name: str, window: ExamWindow, form: ExamForm, verdict: PolicyVerdict
) -> PolicyVerdict:
    """The policy's verdict once the dispensation is decided: allowed (with any extra sitting the
    scenario requires) when granted, refused with the reason when withdrawn or refused."""
    presented, answers = _presented(occasion_id, occasion_name, window, form, verdict)
    if answers is None:
        reason = f"the dispensation request was withdrawn by {presented.approver_id}: {presented.comment}"
        return verdict.model_copy(update={"outcome": REFUSED, "reason": reason})
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


def _presented(
    occasion_id: str, occasion_name: str, window: ExamWindow, form: ExamForm, verdict: PolicyVerdict
) -> tuple[Verdict, DispensationAnswers | None]:
    """The programme director's presentation: the criteria answered, or none when withdrawn."""
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
        run_logger().info(f"Dispensation for {occasion_id} withdrawn by {presented.approver_id}")
        return presented, None
    assert isinstance(answer, DispensationForm)
    return presented, answer.answers()
