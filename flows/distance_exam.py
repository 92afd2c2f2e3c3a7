"""distance-exam: the checklist of an exam sat at a distance (the video meeting and its ID check,
the teacher on call, the test on the platform, the students told in the learning platform) with
what is done and what is not; the announcement is posted once all it tells is set. Run again as
items are filled in: what is done stays done, and the announcement is never posted twice."""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from models.distance import Announcement
from models.params import DistanceChecklist
from tasks.distance import announce, checklist_rows, read_planned_exam, report_checklist
from tasks.exam_names import name_run
from tasks.reports import artifact_key, publish_table
from tasks.run_logs import run_logger


class AnnouncementFailed(RuntimeError):
    """The learning platform refused the announcement or stayed unavailable; the checklist says so."""


def failure_of(state: State[Announcement | None]) -> str:
    try:
        state.result()
    except Exception as exc:  # the task's own error, as the person should read it
        return str(exc)
    return state.message or "failed"


@flow(name="distance-exam", flow_run_name=name_run)
def distance_exam(params: DistanceChecklist) -> dict[str, int]:
    exam = read_planned_exam(params.occasion_uid)
    posting: State[Announcement | None] = announce(exam, params.distance, return_state=True)
    failure = None if posting.is_completed() else failure_of(posting)
    announcement = posting.result() if failure is None else None
    items = report_checklist(exam, params.distance, announcement, failure)
    done = sum(i.done for i in items)
    publish_table(
        artifact_key("distance-checklist", exam.occasion_id),
        checklist_rows(items),
        f"Distance exam checklist of {exam.name}: {done} of {len(items)} done",
    )
    if failure is not None:
        raise AnnouncementFailed(
            f"occasion {exam.occasion_id}: the announcement in course {params.distance.course_id} "
            f"was not posted: {failure}"
        )
    run_logger().info(f"Distance exam checklist of {exam.name}: {done} of {len(items)} done")
    return {"done": done, "not_done": len(items) - done, "announced": int(announcement is not None)}
