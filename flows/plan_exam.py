"""plan-exam: occasion from the register → the plan's times (or the timetable's) → checks →
coordinator approval → the platform's test."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import PlanExam
from tasks.chaining import start_phase
from tasks.planning import (
    check_plan,
    create_platform_test,
    fetch_occasion,
    plan_report,
    plan_times,
    save_plan,
)
from tasks.reports import artifact_key, publish_markdown


@flow(name="plan-exam", log_prints=False)
def plan_exam(params: PlanExam) -> str:
    occasion, rounds = fetch_occasion(params.occasion_uid, params.country)
    window = plan_times(params.times, occasion, rounds)
    checks = check_plan(occasion, rounds, window)
    report = plan_report(occasion, rounds, window, checks)
    publish_markdown(artifact_key("plan", occasion.uid), report, f"Plan of {occasion.name}")
    save_plan(params, occasion, rounds, window, checks)
    verdict, _ = ask_for_approval(
        kind="plan",
        occasion_id=occasion.uid,
        role=Role.COORDINATOR,
        title=f"Approve the plan of {occasion.name}",
        evidence=report,
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"The plan of {occasion.uid} was rejected by {verdict.approver_id}: no test created"
        )
        return f"plan of {occasion.uid} rejected by {verdict.approver_id}: {verdict.comment}"
    test = create_platform_test(params, occasion, window)
    if params.chain:
        start_phase("registration-sync", {"params": {"occasion_uids": [occasion.uid], "chain": True}})
    return f"planned {occasion.uid} as platform test {test.test_id}"
