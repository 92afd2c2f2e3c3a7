"""grading: committees → the results export → marks and proposed grades → each grader approves
their own grading → one or all approve the joint grading."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import GraderApprovalForm
from models.domain import Decision, ExamType, Role
from models.grading import GradingSettings, JointApproval
from models.params import GradeExam
from tasks.chaining import start_phase
from tasks.committees import form_grading_committees
from tasks.deadlines import compute_deadlines, publish_deadlines, register_deadlines
from tasks.exam_names import key_of, name_run, title_of
from tasks.grading import GradingSummary, approve_grades, import_results, summarize_uploaded, use_settings
from tasks.grading_report import grading_report, own_evidence, progress_report
from tasks.notes import check_notes, save_notes
from tasks.plagiarism import check_similarity
from tasks.reports import publish_markdown
from tasks.run_logs import counted

HELD_OUTSIDE_THE_PLATFORM = (ExamType.PAPER, ExamType.ORAL)


def log_proposed(occasion: str, summary: GradingSummary) -> None:
    out_of = f", out of {summary.max_points:g} points" if summary.max_points else ""
    unscored = f"; {summary.unscored} answers still to score by hand" if summary.unscored else ""
    get_run_logger().info(
        f"Proposed grades of {occasion}: {summary.graded} of {summary.candidates} candidates graded, "
        f"{summary.absent} absent{out_of}; {counted(summary.distribution)}{unscored}"
    )


def publish_progress(occasion: str, stage: str) -> None:
    report = progress_report(occasion, stage)
    publish_markdown(key_of("committees", occasion), report, f"Committees of {title_of(occasion)}")


def approve_own(occasion: str, committee: str, grader: str, settings: GradingSettings) -> bool:
    """One grader approves their own grading, seeing only their own marks unless assessment is shared."""
    verdict, answer = ask_for_approval(
        kind=f"grading-own-{grader}",
        occasion_id=occasion,
        role=Role.GRADER,
        title=f"{grader}: approve your own grading of {title_of(occasion)} ({committee})",
        evidence=own_evidence(occasion, committee, grader, settings.shared_assessment),
        form=GraderApprovalForm,
        only=(grader,),
        check=lambda a: check_notes(occasion, committee, a.notes),  # type: ignore[attr-defined]
    )
    save_notes(occasion, committee, grader, answer.notes)  # type: ignore[attr-defined]
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(f"{grader} rejected their own grading of {committee}: grading stops here")
    return verdict.decision == Decision.APPROVE


def approve_joint(occasion: str, graders: list[str], mode: JointApproval, report: str) -> str | None:
    """The joint grading approved by one grader of the exam, or by each; returns who approved last."""
    askings = (
        [(f"grading-joint-{g}", (g,)) for g in graders]
        if mode == JointApproval.ALL
        else [("grading", tuple(graders))]
    )
    approver = None
    for kind, only in askings:
        verdict, _ = ask_for_approval(
            kind=kind,
            occasion_id=occasion,
            role=Role.GRADER,
            title=f"Approve the joint grading of {title_of(occasion)}"
            + (f" ({only[0]})" if len(only) == 1 else ""),
            evidence=report,
            only=only,
        )
        if verdict.decision == Decision.REJECT:
            get_run_logger().info(
                f"{verdict.approver_id} rejected the joint grading of {occasion}: nothing approved"
            )
            return None
        approver = verdict.approver_id
    return approver


@flow(name="grading", flow_run_name=name_run)
def grading(params: GradeExam) -> dict[str, int]:
    occasion = params.occasion_uid
    settings, exam_type = use_settings(occasion, params.settings)
    on_platform = exam_type not in HELD_OUTSIDE_THE_PLATFORM
    panel = form_grading_committees(occasion, on_platform)
    summary = import_results(occasion) if on_platform else summarize_uploaded(occasion)
    log_proposed(occasion, summary)
    flags = check_similarity(occasion, settings.similarity_threshold) if on_platform else []
    publish_deadlines(occasion, compute_deadlines(occasion) + register_deadlines(occasion))
    publish_progress(occasion, "before the graders' own approvals")
    for committee, graders in panel.items():
        for grader in graders:
            if not approve_own(occasion, committee, grader, settings):
                return {"approved": 0}
    publish_progress(occasion, "after the graders' own approvals")
    report = grading_report(occasion, summary, flags, settings.similarity_threshold)
    publish_markdown(key_of("grades", occasion), report, f"Grades of {title_of(occasion)}")
    graders = sorted({g for members in panel.values() for g in members})
    approver = approve_joint(occasion, graders, settings.joint_approval, report)
    if approver is None:
        return {"approved": 0}
    approved = approve_grades(occasion, approver, summary.digest)
    if params.chain:
        start_phase("result-transfer", {"params": {"occasion_uid": occasion, "chain": True}})
    return {"approved": approved, **summary.distribution}
