"""justification: a student's request checked against the law, written by the examiner (a form),
sent to the student through the outbox, its deadline tracked; registered in FS and filed in the
archive, as the faculty does."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import JustificationForm
from models.domain import Decision, Role
from models.params import JustificationRequest
from tasks.exam_names import name_run
from tasks.justification import receive_request, send_justification
from tasks.register_marks import register_justification
from tasks.reports import artifact_key, publish_markdown


@flow(name="justification", flow_run_name=name_run)
def justification(params: JustificationRequest) -> str:
    case = receive_request(params.occasion_uid, params.anonymisation_code, params.requested_on)
    points = "" if case.points is None else f" ({case.points:g} points)"
    get_run_logger().info(
        f"Request for the grounds of {case.candidate}'s grade received on {params.requested_on}: within the "
        f"law, due by {case.due_on}; the examiner is asked to write them"
    )
    verdict, answer = ask_for_approval(
        kind=f"justification-{case.justification_id}",
        occasion_id=params.occasion_uid,
        role=Role.EXAMINER,
        title=f"Write the justification of {case.candidate}'s grade",
        evidence=f"Candidate **{case.candidate}** asked on {params.requested_on} for the grounds of the grade "
        f"**{case.grade}**{points}. Due by **{case.due_on}** (uhl § 5-2). Graded by the committee of "
        f"{', '.join(case.committee) or 'no recorded committee'}.\n\nThe justification field starts from "
        "the graders' notes meant for it; edit it, it is sent to the student as written.\n\n"
        f"```\n{case.draft}\n```",
        form=JustificationForm,
        initial={"justification": case.draft},
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"The justification of {case.candidate} was not sent: {verdict.approver_id} declined"
        )
        return f"justification of {case.candidate} not sent: {verdict.comment}"
    timing = send_justification(params.occasion_uid, case, answer.justification, verdict.approver_id)  # type: ignore[attr-defined]
    register_justification(params.occasion_uid, case.justification_id, case.candidate)
    get_run_logger().info(
        f"Justification of {case.candidate}'s grade written by {verdict.approver_id} and sent to the "
        f"student through the outbox, {timing} (due {case.due_on})"
    )
    publish_markdown(
        artifact_key("justification", params.occasion_uid, case.candidate),
        f"### Justification of {case.candidate}\n\nAsked {params.requested_on}, due {case.due_on}, sent by "
        f"{verdict.approver_id}: **{timing}**.",
        f"Justification of {case.candidate} on {params.occasion_uid}",
    )
    return f"{case.candidate}: justification sent {timing}"
