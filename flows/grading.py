"""grading: the results export → points → proposed grades → grader approval."""

from __future__ import annotations

from prefect import flow

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import OccasionStep
from tasks.chaining import start_phase
from tasks.deadlines import compute_deadlines
from tasks.grading import GradingSummary, approve_grades, import_results
from tasks.reports import artifact_key, markdown_table, publish_markdown


def grading_report(occasion: str, summary: GradingSummary) -> str:
    total = max(summary.graded, 1)
    rows = [
        {"grade": g, "candidates": n, "share": f"{n / total:.0%}", "": "█" * round(40 * n / total)}
        for g, n in summary.distribution.items()
    ]
    thresholds = ", ".join(f"{g} ≥ {p:g} %" for g, p in summary.thresholds.items())
    return (
        f"### Proposed grades for {occasion}\n\n{summary.graded} graded, {summary.absent} absent, "
        f"out of {summary.max_points:g} points. Thresholds: {thresholds}.\n\n{markdown_table(rows)}"
    )


def publish_deadlines(occasion: str, rows: list[dict[str, str]]) -> None:
    text = (
        markdown_table(rows)
        if rows
        else "The law sets no deadline for this exam (Sweden: local rules apply)."
    )
    publish_markdown(
        artifact_key("deadlines", occasion),
        f"### Deadlines of {occasion}\n\n{text}",
        f"Deadlines of {occasion}, near or past marked",
    )


@flow(name="grading")
def grading(params: OccasionStep) -> dict[str, int]:
    occasion = params.occasion_uid
    summary = import_results(occasion)
    publish_deadlines(occasion, compute_deadlines(occasion))
    report = grading_report(occasion, summary)
    publish_markdown(artifact_key("grades", occasion), report, f"Grade distribution of {occasion}")
    verdict, _ = ask_for_approval(
        kind="grading",
        occasion_id=occasion,
        role=Role.GRADER,
        title=f"Approve the grading of {occasion}",
        evidence=report,
    )
    if verdict.decision == Decision.REJECT:
        return {"approved": 0}
    approved = approve_grades(occasion, verdict.approver_id, summary.digest)
    if params.chain:
        start_phase("result-transfer", {"params": {"occasion_uid": occasion, "chain": True}})
    return {"approved": approved, **summary.distribution}
