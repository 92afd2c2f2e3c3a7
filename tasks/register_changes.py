"""A grade changed after its transfer (an appeal, a correction, a rescore after publication): what
the planner approves before the register gets it, and the students told once it has."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task

from models.domain import Frozen
from models.settings import get_settings
from models.transfer import Action, TransferItem
from store import outbox, registrations, transfer
from store.db import transaction
from tasks.reports import markdown_table
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


class GradeChange(Frozen):
    registration_id: int
    candidate: str
    before: str
    after: str


def register_evidence(
    title: str, why: str, changes: Sequence[GradeChange], items: Sequence[TransferItem]
) -> str:
    """What the planner decides on: each changed grade and what the register will be written."""
    wanted = {c.registration_id for c in changes}
    written = [
        {"candidate": i.candidate, "grade": i.grade, "exam date": i.exam_date, "action": i.action}
        for i in items
        if i.registration_id in wanted
    ]
    attested = [i.candidate for i in items if i.registration_id in wanted and i.action == Action.LOCKED]
    locked = (
        f"\n\nAttested in the register, not written by examflow: {', '.join(attested)}." if attested else ""
    )
    rows = [{"candidate": c.candidate, "grade": f"{c.before} → {c.after}"} for c in changes]
    return (
        f"### {title}\n\n{why}\n\n{markdown_table(rows)}\n\n#### To the register\n\n"
        f"{markdown_table(written)}{locked}\n\nApprove to write these to the register; reject to leave the "
        "register as it is (the new grades stay in examflow, not registered)."
    )


@task(name="published-changes", **REPLAY_SAFE)
def published_changes(occasion_id: str, changes: Sequence[tuple[str, str, str]]) -> list[GradeChange]:
    """Of (code, grade before, grade after), those whose grade changed and whose result was published."""
    found = []
    with transaction() as session:
        for code, before, after in changes:
            registration = registrations.by_code(session, occasion_id=occasion_id, code=code)
            if before != after and transfer.published_on(session, registration_id=registration.id):
                found.append(
                    GradeChange(registration_id=registration.id, candidate=code, before=before, after=after)
                )
    return found


@task(name="tell-changed-grades", **REPLAY_SAFE)
def tell_changed_grades(occasion_id: str, changes: Sequence[GradeChange], why: str) -> int:
    """Tells each student whose published grade changed, through the outbox; returns how many."""
    with transaction() as session:
        for change in changes:
            outbox.to_student(
                session,
                registration_id=change.registration_id,
                subject=f"Your grade on {occasion_id} has changed",
                body=(
                    f"Your grade on the exam {occasion_id} (code {change.candidate}) has changed "
                    f"from {change.before} to {change.after}.\nWhy: {why}\nThe new grade is registered.\n"
                ),
            )
    with transaction() as session:
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    run_logger().info(f"{len(changes)} students of {occasion_id} told their published grade changed")
    return len(changes)
