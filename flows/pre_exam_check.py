"""pre-exam-check: at T-24 h and T-1 h before an exam (plan-exam schedules both as runs of this
deployment), the platform's candidates, their extra time and rooms, and the exam's security
settings compared with our store and the register; every difference listed for the coordinator,
the fixes pushed to the platform once they approve, then checked again. A test without candidates
while the register has registrations is an alarm: the coordinators are mailed and the run fails."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import PreExamCheck
from models.precheck import PreCheck
from tasks.precheck import (
    PreCheckAlarm,
    PreCheckUnresolved,
    check_before_exam,
    push_fixes,
    sound_alarm,
    still_due,
)
from tasks.reports import artifact_key, markdown_table, publish_markdown, publish_table


@flow(name="pre-exam-check")
def pre_exam_check(params: PreExamCheck) -> str:
    occasion = params.occasion_uid
    if moved := still_due(occasion, params.starts_at):
        get_run_logger().info(f"The {params.window} check checks nothing: {moved}")
        return moved
    check = check_before_exam(occasion, 1)
    _publish(check, params.window, "")
    if check.alarm:
        raise PreCheckAlarm(sound_alarm(check, params.window))
    if not check.differences:
        get_run_logger().info(f"The {params.window} check of {occasion} found no difference")
        return f"{check.on_platform} candidate(s) on the platform, as in our store and the register: no difference"
    verdict, _ = ask_for_approval(
        kind="pre-exam-fixes",
        occasion_id=occasion,
        role=Role.COORDINATOR,
        title=f"Push {len(check.differences)} fix(es) to the platform's test of {occasion}",
        evidence="Approving puts each difference right as its fix says, then checks again. Every "
        "difference is also in the run's table artifact.\n\n"
        + markdown_table([d.row() for d in check.differences], limit=500),
    )
    if verdict.decision != Decision.APPROVE:
        get_run_logger().warning(
            f"{verdict.approver_id} rejected the fixes of {occasion}: {len(check.differences)} difference(s) left"
        )
        return f"{len(check.differences)} difference(s) left as they are: rejected by {verdict.approver_id}"
    push_fixes(check, verdict.approver_id)
    again = check_before_exam(occasion, 2)
    _publish(again, params.window, "after the fixes")
    if again.differences or again.alarm:
        raise PreCheckUnresolved(
            f"exam {occasion}: {len(again.differences)} difference(s) remain after the fixes were pushed; "
            f"see the artifact {_key(again, params.window, 'after the fixes')}"
        )
    get_run_logger().info(f"The {len(check.differences)} difference(s) of {occasion} are put right")
    return f"{len(check.differences)} difference(s) put right; the check again found none"


def _key(check: PreCheck, window: str, stage: str) -> str:
    return artifact_key("pre-exam-check", check.occasion_id, window, stage)


def _publish(check: PreCheck, window: str, stage: str) -> None:
    title = f"Pre-exam check {window} of {check.occasion_id}" + (f", {stage}" if stage else "")
    if check.differences:
        publish_table(_key(check, window, stage), [d.row() for d in check.differences], title)
        return
    counts = (
        f"{check.on_platform} candidate(s) on platform test {check.test_id}, {check.in_store} in our "
        f"store, {check.in_register} in the register"
    )
    publish_markdown(_key(check, window, stage), f"### {title}\n\nNo difference: {counts}.", title)
