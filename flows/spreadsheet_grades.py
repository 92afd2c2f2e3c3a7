"""spreadsheet-grades: a grader's sheet (.xlsx or .csv) → checked whole → proposed grades and notes."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import Verdict
from models.domain import Decision
from models.params import SpreadsheetGrades
from tasks.exam_names import name_run
from tasks.reports import artifact_key, markdown_table, publish_markdown
from tasks.spreadsheet_grades import UploadSummary, preview_upload, upload_grades, upload_role


def upload_report(summary: UploadSummary, uploaded_by: str) -> str:
    """Counts and a table by code: codes only, never names."""
    rows = [
        {
            "code": r.code,
            "grade": r.grade,
            "points": "" if r.points is None else f"{r.points:g}",
            "change": r.change,
        }
        for r in summary.rows
    ]
    return (
        f"### Spreadsheet grades for {summary.occasion_id}\n\n"
        f"`{summary.filename}` uploaded by {uploaded_by}: {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.left_alone} left alone (empty grade cell); "
        f"{summary.notes_added} note(s) added.\n\n{markdown_table(rows, limit=len(rows))}"
    )


def confirmation_evidence(summary: UploadSummary, uploaded_by: str) -> str:
    """What the uploader confirms: the file by name and checksum, and every change it makes."""
    return (
        f"You are about to record the grades of `{summary.filename}` "
        f"(SHA-256 `{summary.sha256}`) as {uploaded_by}. Nothing is written until you approve; "
        "if the file changes after this, the upload is refused.\n\n"
        + upload_report(summary, uploaded_by).replace("uploaded by", "to be uploaded by", 1)
    )


def confirm(params: SpreadsheetGrades, preview: UploadSummary) -> Verdict:
    """The uploader's answer to the sheet checked whole: confirmed with their one-time code, or not."""
    get_run_logger().info(
        f"Checked {params.filename} (SHA-256 {preview.sha256[:12]}) whole for {params.occasion_uid}: "
        f"{preview.changed} grades to change, {preview.unchanged} unchanged, {preview.left_alone} left alone; "
        f"{params.uploaded_by} is asked to confirm it with their code"
    )
    verdict, _ = ask_for_approval(
        kind=f"upload-{preview.sha256[:16]}",
        occasion_id=params.occasion_uid,
        role=upload_role(params.occasion_uid, params.uploaded_by),
        title=f"Confirm your upload of {params.filename}",
        evidence=confirmation_evidence(preview, params.uploaded_by),
        only=(params.uploaded_by,),
    )
    return verdict


@flow(name="spreadsheet-grades", flow_run_name=name_run)
def spreadsheet_grades(params: SpreadsheetGrades) -> dict[str, int]:
    """Checks the sheet whole, asks its uploader to confirm it with their one-time code, then writes it."""
    preview = preview_upload(params.occasion_uid, params.filename, params.uploaded_by)
    verdict = confirm(params, preview)
    if verdict.decision != Decision.APPROVE:
        get_run_logger().info(
            f"{params.uploaded_by} did not confirm the upload of {params.filename}: nothing written"
        )
        return {"changed": 0, "unchanged": 0, "left_alone": 0, "notes_added": 0}
    summary = upload_grades(
        params.occasion_uid,
        params.filename,
        params.uploaded_by,
        confirmed_sha256=preview.sha256,
        confirmed_by=verdict.approver_id,
    )
    get_run_logger().info(
        f"Grades of {params.filename} written as proposed grades, confirmed by {verdict.approver_id}: "
        f"{summary.changed} changed, {summary.notes_added} notes added"
    )
    publish_markdown(
        artifact_key("spreadsheet-grades", params.occasion_uid),
        upload_report(summary, params.uploaded_by),
        f"Grades uploaded for {params.occasion_uid}",
    )
    return {
        "changed": summary.changed,
        "unchanged": summary.unchanged,
        "left_alone": summary.left_alone,
        "notes_added": summary.notes_added,
    }
