"""spreadsheet-grades: a grader's sheet (.xlsx or .csv) → checked whole → proposed grades and notes."""

from __future__ import annotations

from prefect import flow

from models.params import SpreadsheetGrades
from tasks.reports import artifact_key, markdown_table, publish_markdown
from tasks.spreadsheet_grades import UploadSummary, upload_grades


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


@flow(name="spreadsheet-grades")
def spreadsheet_grades(params: SpreadsheetGrades) -> dict[str, int]:
    summary = upload_grades(params.occasion_uid, params.filename, params.uploaded_by)
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
