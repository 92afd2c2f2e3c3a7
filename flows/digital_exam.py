"""digital-exam-application: a course responsible applies to hold an exam digitally, the exam
office decides, the applicant is told through the outbox; the term's digital share is recorded and
shown."""

from __future__ import annotations

from prefect import flow

from flows.approval import ask_for_approval
from models.domain import Role
from models.params import DigitalExamApplication
from rules.digital_share import term_of
from tasks.digital_exams import (
    application_evidence,
    file_application,
    record_digital_share,
    share_rows,
    tell_applicant,
)
from tasks.exam_names import name_run
from tasks.planning import fetch_occasion
from tasks.reports import artifact_key, publish_table
from tasks.run_logs import run_logger


@flow(name="digital-exam-application", flow_run_name=name_run, log_prints=False)
def digital_exam_application(params: DigitalExamApplication) -> str:
    occasion, _ = fetch_occasion(params.occasion_uid)
    application_id = file_application(params, occasion)
    verdict, _ = ask_for_approval(
        kind="digital-exam",
        occasion_id=occasion.uid,
        role=Role.COORDINATOR,
        title=f"Decide the application for a digital exam of {occasion.name}",
        evidence=application_evidence(params, occasion),
    )
    status = tell_applicant(application_id, verdict)
    term = term_of(occasion.start_date)
    found = record_digital_share(term)
    publish_table(
        artifact_key("digital-share", term),
        share_rows(found),
        f"Digital share of {term}: sittings and registrations on the platform against all",
    )
    outcome = f"application {application_id} for {occasion.uid} {status}; digital share of {term}: {found.sittings_percent} % of sittings"
    run_logger().info(outcome)
    return outcome
