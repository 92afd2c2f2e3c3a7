"""Exams built up to a phase for the test that asks, quickly: each phase's tasks called directly
(`task.fn`) in the order its flow calls them, over the systems in use, and each approval opened and
answered through the same steps a flow's approval takes (the one-time code mailed, read from the
mail folder and judged in our store). The reports a flow publishes for a person are left out: the
tests of a flow's own wiring, its reports and its approval forms run the flow itself under Prefect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select

from deployments.approver import mail_for
from deployments.demo import import_protocols
from models.approvals import ApprovalForm, ApprovalRequest, GraderApprovalForm, GraderNoteIn, appeal_form
from models.domain import Country, Role
from models.grading import CommitteeRule, GradingSettings, JointApproval
from models.params import ExamTimes, PlanExam
from store import audit
from store.db import transaction
from store.schema import Approval, Attendance, Grade, Occasion, Registration
from tasks.appeal import decide_appeal, form_committee, needs_further_assessment, receive_appeal
from tasks.approvals import check_answer, open_approval
from tasks.archive import archive_appeal_decision, archive_exam
from tasks.committees import form_grading_committees
from tasks.exam_day import activate_test, close_and_open_for_assessment, record_attendance, wait_for_deadline
from tasks.fs_protocol import confirm_protocol, write_protocol
from tasks.fs_transfer import (
    check_before_fs_transfer,
    preview_fs_transfer,
    read_back,
    through_platform,
    transfer_through_platform,
)
from tasks.grading import approve_grades, import_results, use_settings
from tasks.notes import check_notes, save_notes
from tasks.plagiarism import check_similarity
from tasks.planning import (
    check_plan,
    create_platform_test,
    fetch_occasion,
    plan_times,
    save_plan,
)
from tasks.registration import push_to_platform, sync_from_register
from tasks.transfer import check_before_transfer, transfer_results
from tests.flows.conftest import World, past_window

# Two graders per committee, one of them external: of the office's three graders the external and,
# by staff id, the examiner sit on the one committee; staff-grader-1 is left out.
RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
COMMITTEE = ["staff-examiner-1", "staff-grader-ext-1"]


class Phase(IntEnum):
    PLANNED = 1
    SYNCED = 2
    EXAMINED = 3
    GRADED = 4
    TRANSFERRED = 5
    APPEALED = 6
    ARCHIVED = 7


@dataclass
class Exam:
    """One exam on an occasion of its own (a Norwegian one's an assessment unit in FS, a Swedish
    one's an occasion in Ladok); each method takes it through one phase."""

    world: World
    occasion: str
    times: ExamTimes
    country: Country = Country.NO

    def approve(
        self,
        kind: str,
        role: Role,
        staff_id: str,
        *,
        form: type[ApprovalForm] = ApprovalForm,
        only: tuple[str, ...] = (),
        problem: str = "",
        **fields: Any,
    ) -> None:
        """Opens the approval and answers it as `staff_id` with the code mailed to them, as the
        approval steps of a flow run do; its own id stands in for the run's."""
        run_id = f"built-{uuid4()}"
        ticket = open_approval.fn(
            ApprovalRequest(
                key=f"{run_id}:{kind}",
                occasion_id=self.occasion,
                kind=kind,
                role=role,
                title=f"{kind} of {self.occasion}",
                flow_run_id=run_id,
                only=only,
            )
        )
        mail = mail_for(self.world.outbox, run_id, staff_id)
        assert mail is not None, f"no code was mailed to {staff_id} for {kind}"
        answer = form(
            approver_id=staff_id, decision="approve", comment="checked", approval_code=mail.code, **fields
        )
        verdict = check_answer.fn(ticket.approval_id, 1, answer, problem)
        assert verdict.accepted, verdict.reason

    def plan(self) -> None:
        params = PlanExam(
            occasion_uid=self.occasion,
            times=self.times,
            code_prefix="TDA",
            country=self.country,
            grading=RULE,
        )
        occasion, rounds = fetch_occasion.fn(self.occasion, self.country)
        window = plan_times.fn(params.times, occasion, rounds)
        checks = check_plan.fn(occasion, rounds, window)
        save_plan.fn(params, occasion, rounds, window, checks)
        self.approve("plan", Role.COORDINATOR, "staff-coordinator-1")
        create_platform_test.fn(params, occasion, window)

    def sync(self) -> None:
        synced = sync_from_register.fn([self.occasion])
        assert not synced.held, synced.held
        push_to_platform.fn([self.occasion])

    def take_exam(self) -> None:
        activate_test.fn(self.occasion)
        assert wait_for_deadline.fn(self.occasion, False) == "reached"
        close_and_open_for_assessment.fn(self.occasion)
        record_attendance.fn(self.occasion)

    def grade(self, notes: dict[str, list[dict[str, Any]]] | None = None) -> None:
        """The grading flow's steps; `notes` are those each grader leaves with their own approval."""
        uid = self.occasion
        settings, _ = use_settings.fn(uid, None)
        panel = form_grading_committees.fn(uid, True)
        summary = import_results.fn(uid)
        check_similarity.fn(uid, settings.similarity_threshold)
        for committee, graders in panel.items():
            for grader in graders:
                given = [GraderNoteIn(**n) for n in (notes or {}).get(grader, [])]
                problem = check_notes.fn(uid, committee, given)
                kind = f"grading-own-{grader}"
                self.approve(
                    kind,
                    Role.GRADER,
                    grader,
                    form=GraderApprovalForm,
                    only=(grader,),
                    problem=problem,
                    notes=given,
                )
                save_notes.fn(uid, committee, grader, given)
        graders = sorted({g for members in panel.values() for g in members})
        askings = (
            [(f"grading-joint-{g}", g, (g,)) for g in graders]
            if settings.joint_approval == JointApproval.ALL
            else [("grading", graders[0], tuple(graders))]
        )
        for kind, grader, only in askings:
            self.approve(kind, Role.GRADER, grader, only=only)
        approve_grades.fn(uid, askings[-1][1], summary.digest)

    def transfer(self) -> None:
        """As `result-transfer`: a Norwegian exam's through the platform's transfer to FS and read
        back from FS, a Swedish one's as drafts in Ladok."""
        if through_platform(self.occasion):
            check_before_fs_transfer.fn(self.occasion)
            preview_fs_transfer.fn(self.occasion)
            self.approve("transfer", Role.PLANNER, "staff-planner-1")
            transfer_through_platform.fn(self.occasion)
            wrong = [c for c in read_back.fn(self.occasion) if c.discrepancy is not None]
            assert not wrong, wrong
            return
        check_before_transfer.fn(self.occasion)
        self.approve("transfer", Role.PLANNER, "staff-planner-1")
        outcome = transfer_results.fn(self.occasion)
        assert not outcome.failed, outcome.failed

    def appeal(self) -> None:
        """The first candidate appeals; the new grade two grades or more away, so a further
        assessment follows, as the appeal flow asks."""
        uid = self.occasion
        code, _, old = first_graded(uid)
        new = "E" if old in ("A", "B") else "A"
        case = receive_appeal.fn(uid, code, date.today())
        form = appeal_form(case.grades)
        committee = form_committee.fn(uid, case.appeal_id, "appeal")
        self.approve(
            f"appeal-{case.appeal_id}",
            Role.APPEAL_GRADER,
            committee[0],
            form=form,
            only=committee,
            new_grade=new,
        )
        if needs_further_assessment.fn(uid, case.appeal_id, new):
            committee = form_committee.fn(uid, case.appeal_id, "further")
            kind = f"further-assessment-{case.appeal_id}"
            self.approve(kind, Role.APPEAL_GRADER, committee[0], form=form, only=committee, new_grade=new)
        decide_appeal.fn(uid, case.appeal_id, new, committee[0])
        write_protocol.fn(uid, [case.registration_id], f"appeal-{case.appeal_id}", "new grade after appeal")
        import_protocols(self.world.fs_url, self.world.home / "fs" / "protocols")()  # the exam office
        check = confirm_protocol.fn(uid, case.registration_id)
        assert check.discrepancy is None, check
        archive_appeal_decision.fn(uid, case.appeal_id)

    def archive(self) -> None:
        archive_exam.fn(self.occasion)


STEPS = {
    Phase.PLANNED: Exam.plan,
    Phase.SYNCED: Exam.sync,
    Phase.EXAMINED: Exam.take_exam,
    Phase.GRADED: Exam.grade,
    Phase.TRANSFERRED: Exam.transfer,
    Phase.APPEALED: Exam.appeal,
    Phase.ARCHIVED: Exam.archive,
}


def exam_at(world: World, phase: Phase | None = None, country: Country = Country.NO) -> Exam:
    """A new exam on an occasion no other test has taken (a Norwegian one on a new unit in FS, a
    Swedish one on a spare occasion of Ladok's term), its window past (so exam day closes at once),
    taken through every phase up to `phase` (none: only its times set)."""
    if country == Country.NO:
        exam = Exam(world, *world.fresh_unit(*past_window()))
    else:
        occasion = world.fresh_occasion()
        exam = Exam(world, occasion, world.reschedule(occasion, *past_window()), Country.SE)
    for step, run in STEPS.items():
        if phase is not None and step <= phase:
            run(exam)
    return exam


def first_graded(occasion: str) -> tuple[str, str, str]:
    """The first candidate by code with a grade: code, student and grade."""
    with transaction() as session:
        row = session.execute(
            select(Registration.anonymisation_code, Registration.student_uid, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
        ).first()
    assert row is not None, f"nobody graded on {occasion}"
    return row[0], row[1], row[2]


def first_submitted(occasion: str) -> str:
    """The first candidate by code who sat the exam."""
    with transaction() as session:
        code = session.scalars(
            select(Registration.anonymisation_code)
            .join(Attendance, Attendance.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion, Attendance.status == "submitted")
            .order_by(Registration.anonymisation_code)
        ).first()
    assert code is not None, f"nobody sat the exam on {occasion}"
    return code


def examiners_notes(code: str) -> dict[str, Any]:
    """The examiner's notes on one candidate: one meant for a justification, one private."""
    return {
        "notes": [
            {
                "code": code,
                "question": 3,
                "text": "The derivation skips the boundary case.",
                "for_justification": True,
            },
            {"code": code, "text": "Handwriting in the sketch hard to read.", "for_justification": False},
        ]
    }


def second_graded(occasion: str) -> str:
    """The second candidate by code with a grade."""
    with transaction() as session:
        codes = session.scalars(
            select(Registration.anonymisation_code)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion)
            .order_by(Registration.anonymisation_code)
        ).all()
    return codes[1]


def count(model: Any, occasion_id: str, *where: Any) -> int:
    with transaction() as session:
        query = select(func.count()).select_from(model).where(model.occasion_id == occasion_id, *where)
        return int(session.scalar(query) or 0)


def refusals(occasion: str, kind: str) -> list[str]:
    """Why each refused answer to the exam's approval of `kind` was refused, in order."""
    with transaction() as session:
        approval_id = session.scalar(
            select(Approval.id).where(Approval.occasion_id == occasion, Approval.kind == kind)
        )
        events = audit.events(session, occasion_id=occasion, action="approval.refused")
    return [e.detail["reason"] for e in events if e.detail["approval_id"] == approval_id]


def approval_kinds(occasion: str) -> list[str]:
    with transaction() as session:
        return list(session.scalars(select(Approval.kind).where(Approval.occasion_id == occasion)))


@contextmanager
def swedish(occasion: str) -> Iterator[None]:
    """The same exam under Swedish law for the length of a test."""
    with transaction() as session:
        session.get_one(Occasion, occasion).country = "SE"
    try:
        yield
    finally:
        with transaction() as session:
            session.get_one(Occasion, occasion).country = "NO"
