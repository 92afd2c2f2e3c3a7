"""candidate-story: everything examflow knows of one candidate across systems, in order, for the
exam office: a markdown artifact for staff (by anonymisation code) and the file answering the
student's request for access to their data under $EXAMFLOW_HOME/requests/. Anyone else asking is
refused, and the refusal audited, before anything of the candidate is read."""

from __future__ import annotations

from prefect import flow, get_run_logger

from models.settings import get_settings
from models.story import CandidateStory
from tasks.clock import now
from tasks.reports import artifact_key, publish_markdown
from tasks.story import audit_shown, check_reader, gather
from tasks.story_report import staff_markdown, write_access_file


@flow(name="candidate-story")
def candidate_story(params: CandidateStory) -> str:
    check_reader(params)
    rows = gather(params)
    key = artifact_key("candidate-story", params.occasion_uid or "student")
    exams = ", ".join(r.registration.code for r in rows)
    publish_markdown(key, staff_markdown(rows, get_settings().retention), f"The story of candidate {exams}")
    file = write_access_file(rows, now())
    audit_shown(params, rows, file)
    get_run_logger().info(f"The story of {len(rows)} exams published; the student's access file written")
    return file
