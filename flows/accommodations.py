"""accommodations: a coordinator's decisions on support at exams (the support office's export, or
a form) → checked whole → stored; the registration sync joins those valid on each exam's day into
the platform's extra time.

In Sweden these decisions come from outside the register (Ladok holds none). In Norway they are
FS's (`Eksamenstilpasningssoknad`), to be read from FS once FS is the register for Norwegian exams;
until then a Norwegian exam's decisions are entered here too."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.params import Accommodations
from tasks.accommodations import ImportSummary, import_accommodations
from tasks.reports import markdown_table, publish_markdown


def import_report(summary: ImportSummary, entered_by: str) -> str:
    """By row and student uid: never a personal identity number."""
    rows = [
        {
            "row": r.row,
            "student": r.student_uid,
            "decision": r.decision,
            "extra minutes": r.extra_time_minutes,
            "separate room": "yes" if r.separate_room else "",
            "equipment": r.equipment,
            "valid": f"{r.valid_from} to {r.valid_to}",
        }
        for r in summary.rows
    ]
    return (
        f"### Accommodations from {summary.source}\n\nEntered by {entered_by}: {summary.granted} granted, "
        f"{summary.refused} refused, for {summary.students} student(s); {summary.replaced} earlier "
        f"decision(s) of theirs replaced.\n\n{markdown_table(rows, limit=len(rows))}"
    )


@flow(name="accommodations")
def accommodations(params: Accommodations) -> dict[str, int]:
    summary = import_accommodations(params)
    get_run_logger().info(
        f"Imported {summary.granted + summary.refused} support decisions from {summary.source}, entered by "
        f"{params.entered_by}: {summary.granted} granted, {summary.refused} refused, for {summary.students} "
        f"students; {summary.replaced} earlier decisions replaced"
    )
    publish_markdown("accommodations", import_report(summary, params.entered_by), "Accommodations imported")
    return {"granted": summary.granted, "refused": summary.refused, "replaced": summary.replaced}
