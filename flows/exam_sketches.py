"""exam-sketches: the scanned sketches of a paper exam part (a PDF per candidate code in a folder
of examflow's uploads) attached to each candidate's submission on the platform for the graders,
and recorded; `archive` files them with the papers."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.exam_day import ExamSketches
from tasks.sketches import attach_sketches


@flow(name="exam-sketches")
def exam_sketches(params: ExamSketches) -> str:
    attached = attach_sketches(params)
    said = f"Attached {attached.attached} scanned sketch(es) to submissions on {params.occasion_uid}"
    get_run_logger().info(said)
    return said
