"""The law's deadlines for an exam, and which of them are near or past, for a person to see."""

from __future__ import annotations

from datetime import date

from prefect import task
from sqlalchemy.orm import Session

from models.domain import Country, GradingInformation
from rules import law
from store import justifications, occasions
from store.db import transaction
from tasks.clock import now
from tasks.exam_names import key_of, title_of
from tasks.reports import markdown_table, publish_markdown
from tasks.retries import OUTSIDE_RETRIES, REPLAY_SAFE
from tasks.run_logs import run_logger
from tasks.systems import systems

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
        key_of("deadlines", occasion),
        f"### Deadlines of {title_of(occasion)}\n\n{text}",
        f"Deadlines of {title_of(occasion)}, near or past marked",
    )


@task(name="register-deadlines", **REPLAY_SAFE, **OUTSIDE_RETRIES)
def register_deadlines(occasion_id: str) -> list[dict[str, str]]:
    """The grading deadline and publication date the exam's register holds (FS's
    `sensurinformasjon`), in the rows of `compute_deadlines`; a grading deadline later than the
    law's is marked so. None where the register keeps none (Ladok)."""
    with transaction() as session:
        occasion = occasions.get(session, occasion_id)
        country, exam_on = Country(occasion.country), occasion.ends_at.date()
    with systems().register(country=country) as register:
        info = register.grading_information(occasion_id)
    if info is None:
        return []
    _log_commissions(occasion_id, info)
    allowed = {d.name: d for d in law.deadlines(country, exam_on)}.get("grading")
    found = [
        law.Deadline(name=name, due_on=when.date(), source=f"the register ({field})")
        for name, field, when in (
            ("grading (the register's)", "sensurfrist", info.grading_deadline),
            ("publication (the register's)", "kunngjoringsdato", info.announced_at),
        )
        if when is not None
    ]
    flagged = {s.deadline.name: s for s in law.near_or_past(found, now().date(), WARN_DAYS)}
    return [
        {
            "deadline": d.name,
            "due": d.due_on.isoformat(),
            "status": _status(flagged.get(d.name)) + _beyond(d, allowed),
            "source": d.source,
        }
        for d in found
    ]


def _beyond(deadline: law.Deadline, allowed: law.Deadline | None) -> str:
    if allowed is None or not deadline.name.startswith("grading") or deadline.due_on <= allowed.due_on:
        return ""
    return f"; LATER than the law allows ({allowed.due_on})"


def _log_commissions(occasion_id: str, info: GradingInformation) -> None:
    shown = ", ".join(
        f"{c.number} ({len(c.graders)} graders, {sum(g.external for g in c.graders)} external)"
        for c in info.commissions
    )
    run_logger().info(
        f"The register names {len(info.commissions)} grading commission(s) for {occasion_id}"
        + (f": {shown}" if shown else "")
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
