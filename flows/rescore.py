"""rescore: one question corrected for every candidate at once (a key, a weight, a void), previewed,
decided by the examiner, then applied exactly as previewed. Published grades it changes go to the
register once the planner approves them, like any transfer, and their students are told."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import Rescore
from tasks.exam_names import name_run, title_of
from tasks.register_changes import published_changes, register_evidence, tell_changed_grades
from tasks.reports import artifact_key, markdown_table, publish_markdown
from tasks.rescoring import RescorePreview, apply_rescore, preview_rescore
from tasks.transfer import preview_transfer, transfer_results


def rescore_report(params: Rescore, preview: RescorePreview) -> str:
    """The evidence the examiner decides on: what changes, and each changed candidate by code."""
    what = {
        "key": f"key corrected to accept {preview.accepted}",
        "weight": f"weight {preview.weight_before:g} → {preview.weight_after:g}",
        "void": "voided (weight 0)",
    }[params.kind.value]
    rows = [
        {
            "candidate": r.candidate,
            "points": f"{r.points_before:g} → {r.points_after:g}",
            "grade": f"{r.grade_before} → {r.grade_after}",
        }
        for r in preview.rows
    ]
    published = " Grades are published: the register will need the new ones." if preview.published else ""
    return (
        f"### Rescore of question {preview.question_number} on {preview.occasion_id}\n\n"
        f"Question {preview.question_number} {what}; the exam is out of {preview.max_points_before:g} → "
        f"{preview.max_points_after:g} points. Of {preview.candidates} candidates, grades: "
        f"**{preview.raised} raised, {preview.lowered} lowered, {preview.unchanged} unchanged**; "
        f"{preview.changed} change points or grade, {preview.marks_changed} marks are rescored.{published}\n\n"
        f"Reason given: {params.reason}\n\n{markdown_table(rows)}"
    )


@flow(name="rescore", flow_run_name=name_run)
def rescore(params: Rescore) -> dict[str, int | str]:
    preview = preview_rescore(params)
    get_run_logger().info(
        f"Rescore of question {params.question_number} on {params.occasion_uid} previewed: of "
        f"{preview.candidates} candidates' grades {preview.raised} raised, {preview.lowered} lowered, "
        f"{preview.unchanged} unchanged; {preview.marks_changed} marks to rescore"
    )
    report = rescore_report(params, preview)
    publish_markdown(
        artifact_key("rescore", params.occasion_uid, f"q{params.question_number}"),
        report,
        f"Rescore of question {params.question_number} on {params.occasion_uid}",
    )
    verdict, _ = ask_for_approval(
        kind="rescore",
        occasion_id=params.occasion_uid,
        role=Role.EXAMINER,
        title=f"Decide the rescore of question {params.question_number} on {title_of(params.occasion_uid)}",
        evidence=report,
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(f"The rescore was rejected by {verdict.approver_id}: nothing changed")
        return {"applied": 0, "rejected_by": verdict.approver_id}
    applied = apply_rescore(params, verdict.approver_id, preview.digest)
    get_run_logger().info(
        f"Rescore applied as approved by {verdict.approver_id}: {applied} candidates changed"
    )
    registered = register_published(params, preview) if preview.published else 0
    return {
        "applied": applied,
        "registered": registered,
        "raised": preview.raised,
        "lowered": preview.lowered,
        "unchanged": preview.unchanged,
    }


def register_published(params: Rescore, preview: RescorePreview) -> int:
    """The published grades the rescore changed, to the register once the planner approves them; their
    students are then told. Returns how many were written."""
    changes = published_changes(
        params.occasion_uid, [(r.candidate, r.grade_before, r.grade_after) for r in preview.rows]
    )
    if not changes:
        return 0
    why = f"question {preview.question_number} was rescored for every candidate ({params.reason})"
    verdict, _ = ask_for_approval(
        kind="transfer-rescore",
        occasion_id=params.occasion_uid,
        role=Role.PLANNER,
        title=f"Approve the published grades changed by the rescore of {params.occasion_uid} for the register",
        evidence=register_evidence(
            f"Published grades changed on {params.occasion_uid}",
            f"After publication {why}.",
            changes,
            preview_transfer(params.occasion_uid),
        ),
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"{verdict.approver_id} rejected the changed grades for the register: nothing written, no student told"
        )
        return 0
    outcome = transfer_results(params.occasion_uid, only=[c.registration_id for c in changes])
    failed = {f.get("candidate") for f in outcome.failed}
    tell_changed_grades(params.occasion_uid, [c for c in changes if c.candidate not in failed], why)
    return outcome.written
