"""regrade: a grade changed after grading (Sweden: correction or reconsideration; before
publication: adjustment), checked against the law, decided by the examiner, transferred."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import Regrade
from tasks.exam_names import name_run
from tasks.regrade import check_regrade, set_regrade
from tasks.reports import artifact_key, publish_markdown
from tasks.transfer import transfer_results


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
    outcome = transfer_results(params.occasion_uid, only=[case.registration_id])
    get_run_logger().info(
        f"{params.kind.value.capitalize()} of {case.candidate} decided by {verdict.approver_id}: "
        f"{case.original} to {params.new_grade}; to the register {outcome.written} written, "
        f"{len(outcome.failed)} failed"
    )
    publish_markdown(
        artifact_key("regrade", params.occasion_uid, case.candidate),
        f"### {params.kind.value.capitalize()} of {case.candidate}\n\n{case.original} → {params.new_grade}, "
        f"decided by {verdict.approver_id}. To the register: {outcome.written} written, "
        f"{len(outcome.failed)} failed.",
        f"{params.kind.value} of {case.candidate}",
    )
    return f"{case.candidate}: {case.original} → {params.new_grade}"
