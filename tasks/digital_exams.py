"""Digital or paper: a course responsible's application for a digital exam, the exam office's
decision told to the applicant, and the digital share of a term."""

from __future__ import annotations

from datetime import UTC, datetime, time

from prefect import task

from models.approvals import Verdict
from models.domain import Decision, RegisterOccasion, Role
from models.params import DigitalExamApplication
from models.policy import FORM_TITLES
from models.settings import get_settings
from rules.digital_share import Share, share, term_days
from rules.exam_times import STOCKHOLM
from store import audit, digital_exams, outbox, staff
from store.db import transaction
from store.schema import Staff
from tasks.clock import now
from tasks.reports import markdown_table
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


class ApplicationRefused(ValueError):
    """The application cannot be filed; the message names the field and what is wrong."""


@task(name="file-digital-application", **REPLAY_SAFE)
def file_application(params: DigitalExamApplication, occasion: RegisterOccasion) -> int:
    """Files the application of a course responsible; ApplicationRefused, with nothing written, when
    the applicant is no course responsible."""
    with transaction() as session:
        if not staff.holds_role(
            session, staff_id=params.applicant_id, role=Role.COURSE_RESPONSIBLE, occasion_id=occasion.uid
        ):
            raise ApplicationRefused(
                f"applicant_id: {params.applicant_id} is not a course responsible of occasion {occasion.uid}"
            )
        application_id = digital_exams.apply(
            session,
            occasion_id=occasion.uid,
            applicant_id=params.applicant_id,
            form=params.form.value,
            students=params.students,
            reason=params.reason,
            at=now(),
        )
        audit.record(
            session,
            actor=params.applicant_id,
            action="digital.applied",
            occasion_id=occasion.uid,
            detail={"application": application_id, "form": params.form.value, "students": params.students},
        )
    run_logger().info(
        f"Application {application_id} for {FORM_TITLES[params.form]} of {occasion.uid} filed by "
        f"{params.applicant_id} ({params.students} students expected)"
    )
    return application_id


def application_evidence(params: DigitalExamApplication, occasion: RegisterOccasion) -> str:
    rows = [
        {"field": "exam", "value": f"{occasion.name} ({occasion.uid}), {occasion.start_date}"},
        {"field": "applicant", "value": params.applicant_id},
        {"field": "form", "value": FORM_TITLES[params.form]},
        {"field": "students expected", "value": str(params.students)},
        {"field": "reason", "value": params.reason},
    ]
    return f"An application for a digital exam.\n\n{markdown_table(rows)}"


@task(name="decide-digital-application", **REPLAY_SAFE)
def tell_applicant(application_id: int, verdict: Verdict) -> str:
    """Records the exam office's decision and mails it to the applicant; returns the status."""
    approved = verdict.decision == Decision.APPROVE
    with transaction() as session:
        row = digital_exams.decide(
            session,
            application_id=application_id,
            approved=approved,
            decided_by=verdict.approver_id,
            comment=verdict.comment,
            at=now(),
        )
        applicant = session.get_one(Staff, row.applicant_id)
        word = "approved" if approved else "rejected"
        outbox.enqueue(
            session,
            recipient=applicant.email,
            subject=f"Your application for a digital exam ({row.occasion_id}) is {word}",
            body=(
                f"Your application {application_id} to hold the exam of occasion {row.occasion_id} as "
                f"{row.form.replace('_', ' ')} was {word} by the exam office ({verdict.approver_id}).\n\n"
                f"Comment: {verdict.comment or '(none)'}\n"
            ),
        )
        audit.record(
            session,
            actor=verdict.approver_id,
            action=f"digital.{word}",
            occasion_id=row.occasion_id,
            detail={"application": application_id},
        )
        outbox.deliver_pending(session, folder=get_settings().outbox_dir)
    run_logger().info(f"Application {application_id} {word} by {verdict.approver_id}; the applicant was told")
    return row.status


@task(name="record-digital-share", **REPLAY_SAFE)
def record_digital_share(term: str) -> Share:
    """The term's digital share (sittings and registrations on the platform against all), recorded."""
    first, after = term_days(term)
    starts = datetime.combine(first, time(0), STOCKHOLM).astimezone(UTC)
    ends = datetime.combine(after, time(0), STOCKHOLM).astimezone(UTC)
    with transaction() as session:
        sittings = digital_exams.sittings_between(session, starts, ends)
        found = share(term, [(s.form, s.exam_type, s.registrations) for s in sittings])
        digital_exams.record_share(
            session,
            term=term,
            sittings=found.sittings,
            digital_sittings=found.digital_sittings,
            registrations=found.registrations,
            digital_registrations=found.digital_registrations,
            at=now(),
        )
    run_logger().info(
        f"Digital share of {term}: {found.digital_sittings} of {found.sittings} sittings "
        f"({found.sittings_percent} %), {found.digital_registrations} of {found.registrations} "
        f"registrations ({found.registrations_percent} %)"
    )
    return found


def share_rows(found: Share) -> list[dict[str, str]]:
    return [
        {
            "term": found.term,
            "measure": measure,
            "on the platform": str(part),
            "all": str(whole),
            "share": f"{_percent(part, whole)} %",
        }
        for measure, part, whole in (
            ("sittings", found.digital_sittings, found.sittings),
            ("registrations", found.digital_registrations, found.registrations),
        )
    ]


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
