"""plan-exam under Prefect, its coordinator's form answered from outside: a wrong code and a wrong
role are asked again, saying why; a decided approval takes no further answer."""

from __future__ import annotations

from prefect.input.actions import read_flow_run_input
from sqlalchemy import select

from deployments.approver import mail_for
from flows.plan_exam import plan_exam
from models.approvals import ApprovalForm
from models.params import PlanExam
from store import audit
from store.approvals import check_answer
from store.db import transaction
from store.schema import Approval, Occasion, OutboxMessage
from tasks.clock import now
from tests.flows.conftest import World, approving
from tests.flows.exams import RULE, Phase, exam_at


def test_plan_asks_again_after_a_wrong_code_and_a_wrong_role(world: World):
    exam = exam_at(world)
    occasion = exam.occasion
    wrong_code = {"approval_code": "ZZZZ2345"}
    not_a_coordinator = {"approver_id": "staff-grader-1"}
    with approving(
        world.outbox, "staff-coordinator-1", first_answers=[wrong_code, not_a_coordinator]
    ) as person:
        result = plan_exam(
            PlanExam(occasion_uid=occasion, times=exam.times, code_prefix="TDA", country="NO", grading=RULE)
        )
    assert person.errors == []
    assert len(person.answers) == 3  # wrong code, wrong role, then the coordinator's valid answer
    with transaction() as session:
        refusals = [
            e.detail["reason"] for e in audit.events(session, occasion_id=occasion, action="approval.refused")
        ]
        decided = audit.events(session, occasion_id=occasion, action="approval.decided")
        row = session.get(Occasion, occasion)
        assert row is not None and row.platform_test_id and row.status == "planned"
    assert refusals == [
        "the approval code is not the one sent to you for this approval",
        "'staff-grader-1' does not hold the role coordinator for this exam",
    ]
    assert [e.actor for e in decided] == ["staff-coordinator-1"]
    with transaction() as session:  # the codes live in the mail folder only, never in our tables
        bodies = session.scalars(select(OutboxMessage.body)).all()
    assert bodies and not any("One-time approval code" in b for b in bodies)
    run_id = person.answers[-1]["flow_run_id"]
    third_form = read_flow_run_input("paused-plan-3-description", flow_run_id=run_id)
    assert "does not hold the role coordinator" in third_form
    assert row.platform_test_id in result


def test_a_decided_approval_takes_no_further_answer_even_with_the_right_code(world: World):
    occasion = exam_at(world, Phase.PLANNED).occasion
    with transaction() as session:
        approval = session.scalar(
            select(Approval).where(Approval.occasion_id == occasion, Approval.kind == "plan")
        )
        assert approval is not None and approval.flow_run_id is not None
        mail = mail_for(world.outbox, approval.flow_run_id, "staff-coordinator-1")
        assert mail is not None
        answer = ApprovalForm(approver_id=mail.staff_id, decision="reject", approval_code=mail.code)
        verdict = check_answer(session, approval_id=approval.id, round=99, now=now(), answer=answer)
        assert approval.decision == "approve"
    assert not verdict.accepted
    assert verdict.reason == "this approval was already decided (approved)"
