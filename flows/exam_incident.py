"""exam-incident: an invigilator or the exam office reports an incident on exam day (candidate
code, minutes lost, reason); the minutes are given back on the platform before the candidate's
deadline, recorded and audited, and exam-day's close waits for the candidate's new end.

A deployment started with its parameters (the Prefect UI's run form), not a form on exam-day's
run: exam-day does not stay running through the exam (it schedules its close at the deadline and
ends), and incidents come at any time, several at once, each its own run and record."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from models.exam_day import ExamIncident
from tasks.incidents import grant_incident_time
from tasks.reports import artifact_key, publish_markdown


@flow(name="exam-incident")
def exam_incident(params: ExamIncident) -> str:
    granted = grant_incident_time(params, f"run-{flow_run.id}")
    said = (
        f"Candidate {granted.candidate_code} on {params.occasion_uid}: {granted.minutes} minutes given back "
        f"({granted.incident_minutes} incident minutes in all); their time ends {granted.ends_at:%Y-%m-%d %H:%M} UTC"
    )
    get_run_logger().info(said)
    publish_markdown(
        artifact_key("exam-incident", params.occasion_uid, granted.candidate_code),
        f"### Incident on {params.occasion_uid}\n\n{said}.\n\nReason: {params.reason}\n\nEntered by {params.entered_by}.",
        f"Incident time for {granted.candidate_code}",
    )
    return said
