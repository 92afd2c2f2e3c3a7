"""regrade: a grade changed after grading (Sweden: correction or reconsideration; before
publication: adjustment), checked against the law, decided by the examiner, and transferred once
the planner approves it, like any transfer."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import Regrade
from models.transfer import TransferOutcome
from tasks.exam_names import name_run
from tasks.register_changes import GradeChange, register_evidence
from tasks.regrade import RegradeCase, check_regrade, set_regrade
from tasks.reports import artifact_key, publish_markdown
from tasks.transfer import preview_transfer, transfer_results


@flow(name="regrade", flow_run_name=name_run)
def regrade(params: Regrade) -> str:
    case = check_regrade(params)
    get_run_logger().info(
        f"The law allows the {params.kind.value} of {case.candidate}: {case.original} to {params.new_grade}; "
        "the examiner is asked to decide"
    )
    heard = "The student was heard." if params.student_heard else "The student was not heard."
    verdict, _ = ask_for_approval(
        kind=f"regrade-{case.registration_id}-{params.kind.value}",
        occasion_id=params.occasion_uid,
        role=Role.EXAMINER,
        title=f"Decide the {params.kind.value} of {case.candidate}'s grade",
        evidence=f"Candidate **{case.candidate}**: **{case.original} → {params.new_grade}** by "
        f"{params.kind.value}. {heard}\n\nReason given: {params.reason}\n\nThe law: {case.ruling}",
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"The {params.kind.value} of {case.candidate} was rejected by {verdict.approver_id}"
        )
        return f"{params.kind.value} of {case.candidate} rejected by {verdict.approver_id}"
    set_regrade(params, case, verdict.approver_id)
    outcome = register_regrade(params, case)
    register = (
        "not written (the planner rejected it)"
        if outcome is None
        else f"{outcome.written} written, {len(outcome.failed)} failed"
    )
    get_run_logger().info(
        f"{params.kind.value.capitalize()} of {case.candidate} decided by {verdict.approver_id}: "
        f"{case.original} to {params.new_grade}; to the register {register}"
    )
    publish_markdown(
        artifact_key("regrade", params.occasion_uid, case.candidate),
        f"### {params.kind.value.capitalize()} of {case.candidate}\n\n{case.original} → {params.new_grade}, "
        f"decided by {verdict.approver_id}. To the register: {register}.",
        f"{params.kind.value} of {case.candidate}",
    )
    return f"{case.candidate}: {case.original} → {params.new_grade}"


def register_regrade(params: Regrade, case: RegradeCase) -> TransferOutcome | None:
    """The changed grade to the register once the planner approves it, like any transfer."""
    change = GradeChange(
        registration_id=case.registration_id,
        candidate=case.candidate,
        before=case.original,
        after=params.new_grade,
    )
    verdict, _ = ask_for_approval(
        kind=f"transfer-regrade-{case.registration_id}-{params.kind.value}",
        occasion_id=params.occasion_uid,
        role=Role.PLANNER,
        title=f"Approve the {params.kind.value} of {case.candidate}'s grade for the register",
        evidence=register_evidence(
            f"{params.kind.value.capitalize()} on {params.occasion_uid}",
            f"The examiner decided the {params.kind.value}. Reason given: {params.reason}",
            [change],
            preview_transfer(params.occasion_uid),
        ),
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"{verdict.approver_id} rejected the changed grade for the register: nothing written"
        )
        return None
    return transfer_results(params.occasion_uid, only=[case.registration_id])
