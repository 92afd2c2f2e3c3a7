"""archive: papers, sketches, grade protocol, justifications and appeal decisions to the records
archive's case file of the exam, each a registry entry, checksummed. Archives now, when a person
starts it; the lifecycle archives through `archive-closed-cases`, once the case is closed."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.params import OccasionStep
from tasks.archive import archive_exam
from tasks.exam_names import key_of, name_run, title_of
from tasks.reports import markdown_table, publish_markdown


@flow(name="archive", flow_run_name=name_run)
def archive(params: OccasionStep) -> str:
    summary = archive_exam(params.occasion_uid)
    get_run_logger().info(
        f"Archived {params.occasion_uid} in case {summary.case_id}: {summary.documents} documents "
        f"({summary.papers} papers filed by this run), {summary.bytes} bytes, every checksum equal to ours"
    )
    publish_markdown(
        key_of("archive", params.occasion_uid),
        f"### Archived {title_of(params.occasion_uid)}\n\n{markdown_table([summary.model_dump()])}",
        f"Archive of {title_of(params.occasion_uid)}",
    )
    return f"archived {summary.documents} documents in case {summary.case_id}"
