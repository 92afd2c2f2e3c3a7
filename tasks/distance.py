"""A distance exam's checklist: the planned exam read from our store, the announcement posted in
the learning platform once everything it tells the students is set, the list of what is done and
what is not published for a person and logged."""

from __future__ import annotations

from prefect import task

from models.distance import Announcement, ChecklistItem, DistanceExam
from rules.distance import (
    PlannedExam,
    announcement_message,
    announcement_title,
    checklist,
    missing_for_announcement,
)
from store import audit, occasions
from store.db import transaction
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems


@task(name="read-planned-exam")
def read_planned_exam(occasion_uid: str) -> PlannedExam:
    """The exam as planned; UnknownOccasion, saying to plan it first, when it is not."""
    with transaction() as session:
        row = occasions.get(session, occasion_uid)
        return PlannedExam(
            occasion_id=row.id,
            name=row.name,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            platform_test_id=row.platform_test_id,
        )


# Not cached: a run replayed after a crash looks in the course again, and the client posts only
# what the course lacks (Canvas would post the same announcement twice).
@task(name="announce-distance-exam", **OUTSIDE_RETRIES)
def announce(exam: PlannedExam, details: DistanceExam) -> Announcement | None:
    """The course's announcement of the exam, posted unless it is there; None, posting nothing,
    while something it must tell the students is not set."""
    log = run_logger()
    missing = missing_for_announcement(details)
    if missing:
        log.info(
            f"Distance exam {exam.occasion_id}: the announcement in course {details.course_id} waits for "
            + ", ".join(missing)
        )
        return None
    title = announcement_title(exam)
    with systems().learning() as learning:
        announcement, posted = learning.announce(
            details.course_id, title=title, message=announcement_message(exam, details)
        )
    if not posted:
        log.info(
            f"Distance exam {exam.occasion_id}: already announced in course {details.course_id} ({announcement.url})"
        )
        return announcement
    with transaction() as session:
        audit.record(
            session,
            actor="examflow",
            action="distance.announced",
            occasion_id=exam.occasion_id,
            detail={"course_id": details.course_id, "topic_id": announcement.topic_id, "title": title},
        )
    log.info(
        f"Distance exam {exam.occasion_id}: announced in course {details.course_id} ({announcement.url})"
    )
    return announcement


@task(name="distance-checklist")
def report_checklist(
    exam: PlannedExam, details: DistanceExam, announcement: Announcement | None, failure: str | None = None
) -> list[ChecklistItem]:
    """The checklist, its count and every item not done said in the run's log; `failure` is why
    the announcement could not be posted, if it could not."""
    items = checklist(exam, details, announcement, failure)
    open_items = "; ".join(f"{i.item} ({i.detail})" for i in items if not i.done)
    run_logger().info(
        f"Distance exam checklist of {exam.occasion_id}: {sum(i.done for i in items)} of {len(items)} done"
        + (f"; not done: {open_items}" if open_items else "")
    )
    return items


def checklist_rows(items: list[ChecklistItem]) -> list[dict[str, str]]:
    """The checklist as a person reads it in the run's table artifact."""
    return [{"item": i.item, "done": "yes" if i.done else "NO", "detail": i.detail} for i in items]
