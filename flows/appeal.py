"""appeal: register the appeal (in FS, its old result marked under appeal, and in the archive);
every member of the committee grades blind on their own form and the committee settles its grade
(a difference shown to them for the joint form); a deviation of two grades or more is assessed once
more the same way; the planner approves the new grade before the register gets it."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import appeal_form
from models.domain import ArchivedDocument, Decision, Role
from models.params import AppealRequest
from models.transfer import TransferOutcome
from rules.appeal_committee import BLIND_ROUND, JOINT_ROUND, shown
from tasks.appeal import (
    AppealCase,
    decide_appeal,
    fetch_paper,
    form_committee,
    needs_further_assessment,
    receive_appeal,
)
from tasks.appeal_committee import settle_committee
from tasks.archive import archive_appeal_decision
from tasks.deadlines import compute_deadlines, publish_deadlines
from tasks.exam_names import name_run
from tasks.fs_protocol import confirm_protocol, write_protocol
from tasks.fs_transfer import through_platform
from tasks.register_changes import GradeChange, register_evidence
from tasks.register_marks import archive_appeal_received, close_appeal, mark_appeal
from tasks.reports import artifact_key, publish_markdown
from tasks.transfer import preview_transfer, transfer_results

STAGES = {
    "appeal": ("Grade the appealed paper {} anew", "the original grade is not shown"),
    "further": (
        "Assess the appealed paper {} once more",
        "the appeal committee's grade differs from the original by two grades or more, so a further "
        "assessment by a new committee is required; its grade stands (uhl § 5-3). Neither earlier grade "
        "is shown",
    ),
}


@flow(name="appeal", flow_run_name=name_run)
def appeal(params: AppealRequest) -> str:
    case = receive_appeal(params.occasion_uid, params.anonymisation_code, params.received_on)
    log = get_run_logger()
    log.info(
        f"Appeal of {case.candidate} received on {params.received_on}: within the law, to be graded anew"
    )
    fs_appeal = mark_appeal(params.occasion_uid, case.appeal_id, case.candidate, params.received_on)
    archive_appeal_received(params.occasion_uid, case.appeal_id, case.candidate, params.received_on)
    publish_deadlines(
        params.occasion_uid, compute_deadlines(params.occasion_uid, case.published_on, case.registration_id)
    )
    paper = fetch_paper(params.occasion_uid, case.registration_id)
    graded = committee_grade(params.occasion_uid, case, paper, "appeal")
    if graded is None:
        return f"appeal of {case.candidate} not regraded"
    if needs_further_assessment(params.occasion_uid, case.appeal_id, graded[0]):
        log.info(f"{graded[0]} differs from the original grade by two or more: a further assessment is asked")
        graded = committee_grade(params.occasion_uid, case, paper, "further")
        if graded is None:
            return f"appeal of {case.candidate} not assessed further"
    new_grade, committee = graded
    original = decide_appeal(params.occasion_uid, case.appeal_id, new_grade, ", ".join(committee))
    outcome = register_new_grade(params.occasion_uid, case, (original, new_grade), ", ".join(committee))
    registered = outcome is not None and not outcome.failed and outcome.written + outcome.unchanged > 0
    if fs_appeal is not None and registered:
        close_appeal(params.occasion_uid, case.appeal_id, fs_appeal)
    elif fs_appeal is not None:
        log.info(f"The new grade of {case.candidate} is not registered: FS keeps the old result under appeal")
    filed = archive_appeal_decision(params.occasion_uid, case.appeal_id)
    report_decision(params, case, (original, new_grade), outcome, filed)
    return f"{case.candidate}: {original} → {new_grade}"


def committee_grade(
    occasion: str, case: AppealCase, paper: str, stage: str
) -> tuple[str, tuple[str, ...]] | None:
    """The committee's grade and its members: each member's own form, blind; where they differ, a
    joint round with every member's grade shown. None when a member declines to grade."""
    members = form_committee(occasion, case.appeal_id, stage)
    differ = ""
    for round in range(BLIND_ROUND, JOINT_ROUND + 1):
        grades = {}
        for member in members:
            grade = member_grade(occasion, case, paper, stage, member, round, differ)
            if grade is None:
                return None
            grades[member] = grade
        settlement = settle_committee(occasion, case.appeal_id, stage, round, grades)
        if settlement.grade is not None:
            return settlement.grade, members
        differ = shown(settlement.grades)
    raise AssertionError("the joint round settles or refuses")


def member_grade(
    occasion: str, case: AppealCase, paper: str, stage: str, member: str, round: int, differ: str
) -> str | None:
    """One member's grade on their own form: blind in the first round; in the joint round with every
    member's grade of the first shown, the original grade never."""
    title, hidden = STAGES[stage]
    joint = (
        f"**The committee differs:** {differ}. Discuss the paper and give the grade you will put your "
        "name to on the committee's joint form; if you still differ, the external member's grade stands.\n\n"
        if round == JOINT_ROUND
        else "Grade on your own: no other member's grade is shown, nor yours to them.\n\n"
    )
    verdict, answer = ask_for_approval(
        kind=f"{stage}-{case.appeal_id}-{member}" + ("-joint" if round == JOINT_ROUND else ""),
        occasion_id=occasion,
        role=Role.APPEAL_GRADER,
        title=f"{member}: "
        + title.format(case.candidate)
        + (" (joint form)" if round == JOINT_ROUND else ""),
        evidence=f"Candidate **{case.candidate}**; {hidden}.\n\n{joint}#### The paper\n\n{paper}",
        form=appeal_form(case.grades),
        only=(member,),
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(f"The appeal of {case.candidate} was not graded anew: {member} declined")
        return None
    return answer.new_grade  # type: ignore[attr-defined]


def new_grade_by_protocol(occasion: str, case: AppealCase, decided_by: str) -> TransferOutcome:
    """FS's "register new grade": the platform's transfer ran once already, so the new grade goes
    as a protocol file the exam office imports into FS; once they say it is imported, FS is read
    back and the grade confirmed or its discrepancy listed."""
    path = write_protocol(
        occasion,
        [case.registration_id],
        f"appeal-{case.appeal_id}",
        f"new grade after appeal, decided by {decided_by}",
    )
    ask_for_approval(
        kind=f"fs-protocol-{case.appeal_id}",
        occasion_id=occasion,
        role=Role.PLANNER,
        title=f"Import the new grade of {case.candidate} into FS",
        evidence=f"The protocol file `fs/protocols/{path.name}` holds the new grade of candidate "
        f"**{case.candidate}**. Import it into FS, then approve: FS is read back to confirm it.",
    )
    check = confirm_protocol(occasion, case.registration_id)
    if check.discrepancy is None:
        return TransferOutcome(written=1, unchanged=0, locked=0, failed=[], ledger={})
    reason = f"{check.discrepancy}: FS holds {check.found or 'no result'} where {check.sent} is approved"
    return TransferOutcome(
        written=0, unchanged=0, locked=0, failed=[{"candidate": check.candidate, "reason": reason}], ledger={}
    )


def register_new_grade(
    occasion: str, case: AppealCase, grades: tuple[str, str], decided_by: str
) -> TransferOutcome | None:
    """The new grade to the register once the planner approves it, like any transfer (on FS, by
    the protocol file the planner imports)."""
    if through_platform(occasion):
        return new_grade_by_protocol(occasion, case, decided_by)
    change = GradeChange(
        registration_id=case.registration_id, candidate=case.candidate, before=grades[0], after=grades[1]
    )
    verdict, _ = ask_for_approval(
        kind=f"transfer-appeal-{case.appeal_id}",
        occasion_id=occasion,
        role=Role.PLANNER,
        title=f"Approve the new grade of {case.candidate} after appeal for the register",
        evidence=register_evidence(
            f"New grade after appeal on {occasion}",
            "The appeal committee set a new grade; it cannot be appealed again.",
            [change],
            preview_transfer(occasion),
        ),
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"{verdict.approver_id} rejected the new grade for the register: nothing written"
        )
        return None
    return transfer_results(occasion, only=[case.registration_id])


def report_decision(
    params: AppealRequest,
    case: AppealCase,
    grades: tuple[str, str],
    outcome: TransferOutcome | None,
    filed: ArchivedDocument,
) -> None:
    """The decision in the run's log and as its artifact: the grade before and after, the register's
    writes and the archive's checksum."""
    original, new_grade = grades
    register = (
        "not written (the planner rejected it)"
        if outcome is None
        else f"{outcome.written} written, {len(outcome.failed)} failed"
    )
    get_run_logger().info(
        f"Appeal of {case.candidate} decided by its committee: {original} to {new_grade}; to the register "
        f"{register}; the decision filed in the archive"
    )
    publish_markdown(
        artifact_key("appeal", params.occasion_uid, case.candidate),
        f"### Appeal of {case.candidate}\n\nReceived {params.received_on}; graded anew by its committee: "
        f"**{original} → {new_grade}**.\n\nTo the register: {register}. The decision is filed in the "
        f"archive (SHA-256 {filed.sha256[:12]}…).",
        f"Appeal of {case.candidate} on {params.occasion_uid}",
    )
