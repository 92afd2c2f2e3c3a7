"""The law's deadlines for an exam, and which of them are near or past, for a person to see."""

from __future__ import annotations

from datetime import date

from prefect import task
from sqlalchemy.orm import Session

from models.domain import Country
from rules import law
from store import justifications, occasions
from store.db import transaction
from tasks.clock import now
from tasks.reports import artifact_key, markdown_table, publish_markdown
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger

WARN_DAYS = 3


@task(name="compute-deadlines", **REPLAY_SAFE)
def compute_deadlines(
    occasion_id: str, published_on: date | None = None, registration_id: int | None = None
) -> list[dict[str, str]]:
    """Every deadline the law sets for the exam so far, each marked past, near or open; for one
    candidate (`registration_id`), counted from their justification where they asked for one."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        justification = None if registration_id is None else justification_of(session, registration_id)
    found = law.deadlines(Country(occasion.country), occasion.ends_at.date(), published_on, justification)
    today = now().date()
    flagged = {s.deadline.name: s for s in law.near_or_past(found, today, WARN_DAYS)}
    run_logger().info(
        f"Deadlines of {occasion_id}: {len(found)} set by the law, {len(flagged)} near or past"
        + ("" if registration_id is None else " (for one candidate, from their justification)")
    )
    return [
        {
            "deadline": d.name,
            "due": d.due_on.isoformat(),
            "status": _status(flagged.get(d.name)),
            "source": d.source,
        }
        for d in found
    ]


def publish_deadlines(occasion: str, rows: list[dict[str, str]]) -> None:
    """The deadlines `compute_deadlines` found, as the run's artifact for a person to see."""
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


def _status(flag: law.DeadlineStatus | None) -> str:
    if flag is None:
        return "open"
    return f"PAST by {-flag.days_left} days" if flag.past else f"near: {flag.days_left} days left"


def justification_of(session: Session, registration_id: int) -> law.Justification | None:
    """The candidate's justification as the law sees it: the appeal's 3 weeks run from when it was
    given, and have not started while it is asked for and not yet given."""
    record = justifications.for_registration(session, registration_id=registration_id)
    if record is None:
        return None
    return law.Justification(requested_on=record.requested_on, given_on=record.given_on)
