"""retention: nightly, each archived exam whose retention periods have run is purged of the kinds
of data due (settings: EXAMFLOW_RETENTION), unless a legal hold stands or the archive does not
confirm every document; a table of what was done with each exam, counts only."""

from __future__ import annotations

from prefect import flow

from models.retention import ExamRetention
from tasks.clock import now
from tasks.reports import publish_table
from tasks.retention import retain_exam, retention_candidates
from tasks.run_logs import run_logger


def report_rows(done: list[ExamRetention]) -> list[dict[str, str]]:
    return [
        {
            "exam": r.occasion_id,
            "outcome": r.outcome.value,
            "kinds purged": ", ".join(r.kinds),
            "counts": ", ".join(f"{name} {n}" for name, n in r.counts.items()),
            "why not": r.reason,
            "next due": r.next_due.date().isoformat() if r.next_due else "",
        }
        for r in done
    ]


@flow(name="retention")
def retention(occasion_uids: list[str] | None = None) -> list[ExamRetention]:
    """`occasion_uids`: these exams only; none: every archived exam with data not purged yet."""
    moment = now()
    chosen = occasion_uids or retention_candidates()
    done = [retain_exam(occasion_id, moment) for occasion_id in chosen]
    if done:
        publish_table("retention", report_rows(done), "What retention did with each exam, counted")
    purged = sum(r.outcome == "purged" for r in done)
    run_logger().info(f"Retention: {purged} of {len(done)} exam(s) purged of data due")
    return done
