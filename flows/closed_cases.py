"""archive-closed-cases: every exam whose case is closed (the law's window for justifications and
appeals past, every request settled) marked graded on the platform and archived, once; nightly,
and started for one exam by its result transfer. An exam still open waits for a later sweep, with
no process held."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.params import CloseCases
from tasks.case_closing import awaiting_archive, close_case
from tasks.reports import artifact_key, publish_table


@flow(name="archive-closed-cases")
def archive_closed_cases(params: CloseCases) -> dict[str, int]:
    occasion_uids = params.occasion_uids or awaiting_archive()
    closed = [close_case(occasion) for occasion in occasion_uids]
    archived = sum(c.archived for c in closed)
    rows = [
        {
            "exam": c.occasion,
            "archived": "yes" if c.archived else "no",
            "case": c.case_id,
            "documents": c.documents,
            "why": c.why,
        }
        for c in closed
    ]
    publish_table(
        artifact_key("closed-cases"),
        rows or [{"exam": "none waiting to be archived"}],
        f"Cases closed and archived: {archived} of {len(closed)} exams looked at",
    )
    get_run_logger().info(
        f"Closed cases: {archived} archived, {len(closed) - archived} still open or not waiting, of "
        f"{len(closed)} looked at"
    )
    return {"looked_at": len(closed), "archived": archived}
