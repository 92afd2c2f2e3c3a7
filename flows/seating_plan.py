"""seating-plan: a digital exam's rooms, seats, loan PCs and staff on duty → the plan and its
conflicts as a report to print → a coordinator's approval → stored, with a list per room.

A conflict that stops the plan (a room another exam holds at the same time, too few seats or
separate rooms) refuses it before anyone is asked; the others (too few seats with power, loan PCs,
invigilators or IT support, a student in two exams at once) are listed for the coordinator."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import SeatingPlan
from tasks.exam_names import name_run
from tasks.reports import artifact_key, publish_markdown
from tasks.seating import SeatingRefused, draft_seating_plan, load_rooms, save_seating_plan
from tasks.seating_report import plan_markdown


@flow(name="seating-plan", flow_run_name=name_run)
def seating_plan(params: SeatingPlan) -> dict[str, int]:
    log = get_run_logger()
    if params.rooms_file:
        load_rooms(params.rooms_file, params.planned_by, params.occasion_uid)
    draft = draft_seating_plan(params)
    report = plan_markdown(draft)
    publish_markdown(artifact_key("seating-plan", params.occasion_uid), report, f"Seating plan: {draft.exam}")
    if draft.blocked:
        stops = "; ".join(f"{c.kind}: {c.text}" for c in draft.conflicts if c.blocking)
        raise SeatingRefused(f"occasion {params.occasion_uid}: the seating plan cannot be made: {stops}")
    verdict, _ = ask_for_approval(
        kind="seating",
        occasion_id=params.occasion_uid,
        role=Role.COORDINATOR,
        title=f"Approve the seating plan of {draft.exam}",
        evidence=f"Approving books the rooms, seats the candidates, decides the loan PCs and puts the staff "
        f"on duty as below.\n\n{report}",
    )
    if verdict.decision != Decision.APPROVE:
        log.info(f"{verdict.approver_id} rejected the seating plan of {params.occasion_uid}: nothing stored")
        return {
            "seated": 0,
            "rooms": 0,
            "loan_pcs_granted": 0,
            "on_duty": 0,
            "conflicts": len(draft.conflicts),
        }
    files = save_seating_plan(draft, verdict.approver_id)
    log.info(
        f"Seating plan of {params.occasion_uid} approved by {verdict.approver_id}: {len(files)} room lists written"
    )
    return {
        "seated": len(draft.seats),
        "rooms": len(draft.rooms),
        "loan_pcs_granted": sum(d.granted for d in draft.loan_pcs),
        "on_duty": len(draft.duties),
        "conflicts": len(draft.conflicts),
    }
