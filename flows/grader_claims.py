"""grader-claims: a grader's hours on an exam (the form) → checked whole and priced → approved by
the institute's administrator → the HR system's import file (Paga for a Norwegian exam, Primula for
a Swedish one; neither has a public API) → marked paid, or returned, by HR."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.claims import GraderClaims
from models.domain import Decision, Role
from tasks.exam_names import name_run
from tasks.grader_claims import (
    PricedClaims,
    Timesheet,
    TotalRow,
    claim_totals,
    decide_timesheet,
    export_timesheet,
    preview_claims,
    settle_timesheet,
    submit_claims,
)
from tasks.reports import artifact_key, markdown_table, publish_markdown


def timesheet_table(sheet: PricedClaims) -> str:
    """The lines by kind and reference (anonymisation codes and question numbers only), priced."""
    rows = [
        {
            "line": r.number,
            "for": r.kind.value.replace("_", " "),
            "reference": r.reference,
            "day": r.worked_on.isoformat(),
            "hours": f"{r.hours:.2f}",
            "amount": f"{r.amount:.2f} {sheet.currency}",
        }
        for r in sheet.lines
    ]
    top_up = f" and {sheet.top_up_hours:.2f} hours to reach the minimum fee" if sheet.top_up_hours else ""
    return (
        f"{markdown_table(rows, limit=len(rows))}\n\n**{sheet.hours:.2f} hours claimed{top_up}, at "
        f"{sheet.per_hour:.2f} {sheet.currency} an hour: {sheet.total:.2f} {sheet.currency}.**"
    )


def confirmation_evidence(sheet: PricedClaims) -> str:
    return (
        f"You are about to claim pay as {sheet.grader_id} for grading {sheet.occasion_id} ({sheet.exam}). "
        "Nothing is stored until you confirm; the institute's administrator then approves it and it is "
        f"written to {sheet.hr_system}'s import file.\n\n" + timesheet_table(sheet)
    )


def approval_evidence(sheet: PricedClaims) -> str:
    return (
        f"{sheet.grader_name} ({sheet.grader_id}) claims pay for grading {sheet.occasion_id} "
        f"({sheet.exam}). Each line was checked against their committees, appeals and "
        f"justifications on the exam. On approval it is written to {sheet.hr_system}'s import file.\n\n"
        + timesheet_table(sheet)
    )


def payment_evidence(sheet: Timesheet, file: str) -> str:
    return (
        f"Timesheet {sheet.timesheet_id} of {sheet.grader_name} ({sheet.grader_id}) on {sheet.occasion_id} "
        f"was approved and written to `{file}` for {sheet.hr_system} to import. Approve once it is paid; "
        "reject to return it unpaid, saying why.\n\n" + timesheet_table(sheet)
    )


def totals_report(occasion_id: str, totals: list[TotalRow]) -> str:
    """Totals per grader and exam, by where each timesheet stands."""
    rows = [
        {
            "grader": t.grader,
            "name": t.name,
            "exam": t.exam,
            "status": t.status,
            "timesheets": t.timesheets,
            "hours": f"{t.hours:.2f}",
            "amount": f"{t.amount:.2f} {t.currency}",
        }
        for t in totals
    ]
    return f"### Graders' claims on {occasion_id}\n\n{markdown_table(rows, limit=len(rows))}"


def publish_totals(occasion_id: str, after: str) -> None:
    publish_markdown(
        artifact_key("grader-claims", occasion_id),
        totals_report(occasion_id, claim_totals(occasion_id, after=after)),
        f"Graders' claims on {occasion_id}",
    )


def confirmed_by_grader(preview: PricedClaims) -> bool:
    verdict, _ = ask_for_approval(
        kind="claim",
        occasion_id=preview.occasion_id,
        role=preview.role,
        title=f"Confirm your timesheet on {preview.occasion_id}",
        evidence=confirmation_evidence(preview),
        only=(preview.grader_id,),
    )
    return verdict.decision == Decision.APPROVE


def decided(sheet: Timesheet) -> str:
    """The administrator's decision, stored; the timesheet's status."""
    verdict, _ = ask_for_approval(
        kind=f"claims-{sheet.timesheet_id}",
        occasion_id=sheet.occasion_id,
        role=Role.ADMINISTRATOR,
        title=f"Approve the timesheet of {sheet.grader_id} on {sheet.occasion_id}",
        evidence=approval_evidence(sheet),
    )
    approved = verdict.decision == Decision.APPROVE
    status = decide_timesheet(sheet.timesheet_id, approved=approved, by=verdict.approver_id)
    get_run_logger().info(f"Timesheet {sheet.timesheet_id} {status} by {verdict.approver_id}")
    return status


def settled(sheet: Timesheet, file: str) -> str:
    """HR's answer, stored: paid, or returned unpaid."""
    verdict, _ = ask_for_approval(
        kind=f"paid-{sheet.timesheet_id}",
        occasion_id=sheet.occasion_id,
        role=Role.HR,
        title=f"Mark the timesheet of {sheet.grader_id} on {sheet.occasion_id} paid",
        evidence=payment_evidence(sheet, file),
    )
    paid = verdict.decision == Decision.APPROVE
    status = settle_timesheet(sheet.timesheet_id, paid=paid, by=verdict.approver_id)
    get_run_logger().info(f"Timesheet {sheet.timesheet_id} {status} by {verdict.approver_id} (HR)")
    return status


@flow(name="grader-claims", flow_run_name=name_run)
def grader_claims(params: GraderClaims) -> dict[str, str]:
    log = get_run_logger()
    preview = preview_claims(params)
    log.info(
        f"Checked the claims of {preview.grader_id} on {preview.occasion_id} whole: {len(preview.lines)} "
        f"lines, {preview.hours:.2f} hours, {preview.total:.2f} {preview.currency}; {preview.grader_id} "
        "is asked to confirm"
    )
    if not confirmed_by_grader(preview):
        log.info(f"{preview.grader_id} did not confirm the timesheet: nothing stored")
        return {"status": "withdrawn"}
    sheet = submit_claims(params, confirmed_total=preview.total)
    log.info(f"Timesheet {sheet.timesheet_id} stored; the institute's administrator is asked")
    if decided(sheet) == "rejected":
        publish_totals(sheet.occasion_id, after="decided")
        return {"timesheet": str(sheet.timesheet_id), "status": "rejected"}
    export = export_timesheet(sheet.timesheet_id)
    log.info(
        f"Timesheet {sheet.timesheet_id} written for {sheet.hr_system}: {export.path} ({export.rows} rows)"
    )
    publish_totals(sheet.occasion_id, after="exported")
    status = settled(sheet, export.path)
    publish_totals(sheet.occasion_id, after="settled")
    return {"timesheet": str(sheet.timesheet_id), "status": status, "file": export.path}
