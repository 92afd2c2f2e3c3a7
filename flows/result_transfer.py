"""result-transfer: check against attendance, preview, planner approval, drafts written once."""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.params import OccasionStep
from models.transfer import Action, TransferItem
from tasks.chaining import start_phase
from tasks.exam_names import key_of, name_run, title_of
from tasks.reports import markdown_table, publish_markdown
from tasks.run_logs import counted
from tasks.transfer import check_before_transfer, preview_transfer, transfer_results


def preview_report(occasion: str, checked: dict[str, int], items: list[TransferItem]) -> str:
    """The diff against the register, by anonymisation code: what will be written, what is left."""
    counts = Counter(i.action for i in items)
    rows = [{"action": a.value, "results": counts.get(a, 0)} for a in Action]
    written = [
        {
            "candidate": i.candidate,
            "grade": i.grade,
            "exam date": i.exam_date,
            "points": i.points,
            "action": i.action,
        }
        for i in items
        if i.action in (Action.NEW, Action.UPDATE)
    ]
    locked = [
        {"candidate": i.candidate, "approved grade": i.grade} for i in items if i.action == Action.LOCKED
    ]
    return (
        f"### Transfer of {occasion} to the register\n\n{checked['graded']} approved grades for "
        f"{checked['candidates']} candidates; every submission has a grade, no no-show has one, the "
        f"modules carry equal credits and the register's scale is the exam's.\n\n{markdown_table(rows)}\n\n"
        f"#### To be written\n\n{markdown_table(written, limit=30)}\n\n"
        f"#### Attested in the register: never touched\n\n{markdown_table(locked, limit=30)}"
    )


@flow(name="result-transfer", flow_run_name=name_run)
def result_transfer(params: OccasionStep) -> dict[str, int]:
    occasion = params.occasion_uid
    checked = check_before_transfer(occasion)
    items = preview_transfer(occasion)
    report = preview_report(occasion, checked, items)
    publish_markdown(
        key_of("transfer-preview", occasion), report, f"Transfer preview of {title_of(occasion)}"
    )
    verdict, _ = ask_for_approval(
        kind="transfer",
        occasion_id=occasion,
        role=Role.PLANNER,
        title=f"Approve the transfer of {title_of(occasion)}",
        evidence=report,
    )
    if verdict.decision == Decision.REJECT:
        get_run_logger().info(
            f"{verdict.approver_id} rejected the transfer of {occasion}: nothing was written."
        )
        return {"written": 0}
    outcome = transfer_results(occasion)
    get_run_logger().info(
        f"Transfer of {occasion}: {outcome.written} written, {outcome.unchanged} unchanged, "
        f"{len(outcome.failed)} refused (listed in the transfer artifact for a person)."
    )
    publish_markdown(
        key_of("transfer", occasion),
        f"### Transferred {title_of(occasion)}\n\n{markdown_table([outcome.model_dump(exclude={'failed', 'ledger'})])}\n\n"
        f"Results in the transfer's ledger: {counted(outcome.ledger)}\n\n#### Failed, for a person to handle\n\n{markdown_table(outcome.failed)}",
        f"Transfer of {title_of(occasion)}",
    )
    if params.chain and not outcome.failed:
        start_phase("archive", {"params": {"occasion_uid": occasion, "chain": True}})
    return {"written": outcome.written, "unchanged": outcome.unchanged, "failed": len(outcome.failed)}
