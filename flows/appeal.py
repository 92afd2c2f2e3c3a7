"""appeal: register the appeal, a blind new grading (approval), the new grade transferred."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import Verdict, appeal_form
from models.domain import ArchivedDocument, Decision, Role
from models.params import AppealRequest
from models.transfer import TransferOutcome
from tasks.appeal import (
    AppealCase,
    decide_appeal,
    fetch_paper,
    form_committee,
    needs_further_assessment,
    receive_appeal,
)
from tasks.archive import archive_appeal_decision
from tasks.deadlines import compute_deadlines, publish_deadlines
from tasks.exam_names import name_run
from tasks.reports import artifact_key, publish_markdown
from tasks.transfer import transfer_results


@flow(name="appeal", flow_run_name=name_run)
def appeal(params: AppealRequest) -> str:
    case = receive_appeal(params.occasion_uid, params.anonymisation_code, params.received_on)
    log = get_run_logger()
    log.info(
        f"Appeal of {case.candidate} received on {params.received_on}: within the law, to be graded anew"
    )
    publish_deadlines(
        params.occasion_uid, compute_deadlines(params.occasion_uid, case.published_on, case.registration_id)
    )
    paper = fetch_paper(params.occasion_uid, case.registration_id)
    committee = form_committee(params.occasion_uid, case.appeal_id, "appeal")
    verdict, answer = ask_for_approval(
        kind=f"appeal-{case.appeal_id}",
        occasion_id=params.occasion_uid,
        role=Role.APPEAL_GRADER,
        title=f"Grade the appealed paper {case.candidate} anew",
        evidence=f"Candidate **{case.candidate}**; the original grade is not shown.\n\n#### The paper\n\n{paper}",
        form=appeal_form(case.grades),
        only=committee,
    )
    if verdict.decision == Decision.REJECT:
        log.info(f"The appeal of {case.candidate} was not graded anew: {verdict.approver_id} declined")
        return f"appeal of {case.candidate} not regraded"
    new_grade = answer.new_grade  # type: ignore[attr-defined]
    if needs_further_assessment(params.occasion_uid, case.appeal_id, new_grade):
        log.info(f"{new_grade} differs from the original grade by two or more: a further assessment is asked")
        verdict, new_grade = further_assessment(params.occasion_uid, case, paper)
    original = decide_appeal(params.occasion_uid, case.appeal_id, new_grade, verdict.approver_id)
    outcome = transfer_results(params.occasion_uid, only=[case.registration_id])
    filed = archive_appeal_decision(params.occasion_uid, case.appeal_id)
    report_decision(params, case, verdict.approver_id, (original, new_grade), outcome, filed)
    return f"{case.candidate}: {original} → {new_grade}"


def further_assessment(occasion: str, case: AppealCase, paper: str) -> tuple[Verdict, str]:
    """A new committee grades the paper once more, neither earlier grade shown; its grade stands."""
    further = form_committee(occasion, case.appeal_id, "further")
    verdict, answer = ask_for_approval(
        kind=f"further-assessment-{case.appeal_id}",
        occasion_id=occasion,
        role=Role.APPEAL_GRADER,
        title=f"Assess the appealed paper {case.candidate} once more",
        evidence=f"The appeal committee's grade differs from the original by two grades or more, so a "
        f"further assessment by a new committee is required; its grade stands (uhl § 5-3).\n\n"
        f"Candidate **{case.candidate}**; neither earlier grade is shown.\n\n#### The paper\n\n{paper}",
        form=appeal_form(case.grades),
        only=further,
    )
    return verdict, answer.new_grade  # type: ignore[attr-defined]


def report_decision(
    params: AppealRequest,
    case: AppealCase,
    approver: str,
    grades: tuple[str, str],
    outcome: TransferOutcome,
    filed: ArchivedDocument,
) -> None:
    """The decision in the run's log and as its artifact: the grade before and after, the register's
    writes and the archive's checksum."""
    original, new_grade = grades
    get_run_logger().info(
        f"Appeal of {case.candidate} decided by {approver}: {original} to {new_grade}; to the "
        f"register {outcome.written} written, {len(outcome.failed)} failed; the decision filed in the archive"
    )
    publish_markdown(
        artifact_key("appeal", params.occasion_uid, case.candidate),
        f"### Appeal of {case.candidate}\n\nReceived {params.received_on}; graded anew by "
        f"{approver}: **{original} → {new_grade}**.\n\nTo the register: {outcome.written} written, "
        f"{len(outcome.failed)} failed. The decision is filed in the archive (SHA-256 {filed.sha256[:12]}…).",
        f"Appeal of {case.candidate} on {params.occasion_uid}",
    )
