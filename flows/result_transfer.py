"""result-transfer: check against attendance, preview, planner approval, drafts written once (a
Norwegian exam on FS: through the platform, read back from FS)."""

from __future__ import annotations

from collections import Counter

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.domain import Decision, Role
from models.fs_transfer import FsAction, FsCheck, FsPreviewItem
from models.params import OccasionStep
from models.transfer import Action, TransferItem
from tasks.chaining import start_phase
from tasks.exam_names import key_of, name_run, title_of
from tasks.fs_protocol import write_protocol
from tasks.fs_transfer import (
    check_before_fs_transfer,
    preview_fs_transfer,
    read_back,
    through_platform,
    transfer_through_platform,
)
from tasks.reports import artifact_key, markdown_table, publish_markdown
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
    if through_platform(occasion):
        return transfer_through_fs(params)
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
        # the archive waits for the case to close; this run and the nightly sweep look
        start_phase("archive-closed-cases", {"params": {"occasion_uids": [occasion]}})
    return {"written": outcome.written, "unchanged": outcome.unchanged, "failed": len(outcome.failed)}


# -- a Norwegian exam on FS ----------------------------------------------------------------------
# FS takes no grades over its API, so the platform transfers them, once only; examflow checks,
# previews against FS, asks the planner, has the platform transfer, then reads FS back and lists,
# by candidate number, whatever the transfer dropped or changed.

ACTIONS = {
    FsAction.NEW: "new: the platform's transfer brings it",
    FsAction.HELD: "FS holds this grade already",
    FsAction.OTHER: "FS holds another grade: the once-only transfer leaves it (a protocol file changes it)",
}


def fs_preview_report(occasion: str, checked: dict[str, int], items: list[FsPreviewItem]) -> str:
    counts = Counter(i.action for i in items)
    rows = [{"action": ACTIONS[a], "results": counts.get(a, 0)} for a in FsAction]
    differing = [
        {"candidate number": i.candidate, "approved grade": i.grade, "held in FS": i.held or ""}
        for i in items
        if i.action != FsAction.HELD
    ]
    return (
        f"### Transfer of {occasion} to FS through the exam platform\n\n{checked['graded']} approved grades "
        f"for {checked['candidates']} candidates, each graded by one of {checked['commissions']} commissions "
        f"and on FS's scale; every submission has a grade and no no-show has one.\n\nThe platform's transfer "
        f"to FS runs **once only**; FS is read back after it.\n\n{markdown_table(rows)}\n\n"
        f"#### Not yet in FS as approved\n\n{markdown_table(differing, limit=30)}"
    )


def reconciliation_report(
    occasion: str, checks: list[FsCheck], failed_on_platform: tuple[str, ...], protocol: str | None
) -> str:
    wrong = [
        {
            "candidate number": c.candidate,
            "sent": c.sent,
            "FS holds": c.found or "nothing",
            "what": c.discrepancy,
        }
        for c in checks
        if c.discrepancy is not None
    ]
    reported = ", ".join(failed_on_platform) or "none"
    return (
        f"### {occasion} read back from FS\n\n{len(checks) - len(wrong)} of {len(checks)} approved grades "
        f"confirmed in FS by candidate number. Candidates the platform reported failed: {reported}.\n\n"
        f"#### Dropped or changed by the transfer, for a person to register by protocol file\n\n"
        f"{markdown_table(wrong)}"
        + (
            f"\n\nTheir approved grades are in the protocol file `fs/protocols/{protocol}`: once the exam "
            "office has imported it into FS, run `result-transfer` again to read FS back (the platform "
            "refuses a second transfer; the read-back confirms)."
            if protocol
            else ""
        )
    )


def transfer_through_fs(params: OccasionStep) -> dict[str, int]:
    """The Norwegian branch of `result-transfer`, run inside it."""
    occasion = params.occasion_uid
    checked = check_before_fs_transfer(occasion)
    items = preview_fs_transfer(occasion)
    report = fs_preview_report(occasion, checked, items)
    publish_markdown(artifact_key("transfer-preview", occasion), report, f"FS transfer preview of {occasion}")
    verdict, _ = ask_for_approval(
        kind="transfer",
        occasion_id=occasion,
        role=Role.PLANNER,
        title=f"Approve the platform's transfer of {occasion} to FS",
        evidence=report,
    )
    log = get_run_logger()
    if verdict.decision == Decision.REJECT:
        log.info(f"{verdict.approver_id} rejected the transfer of {occasion} to FS: nothing was transferred.")
        return {"written": 0}
    answer = transfer_through_platform(occasion)
    checks = read_back(occasion)
    wrong = [c for c in checks if c.discrepancy is not None]
    protocol = None
    if wrong:
        note = "not in FS as approved after the platform's transfer"
        protocol = write_protocol(occasion, [c.registration_id for c in wrong], "transfer", note).name
    publish_markdown(
        artifact_key("transfer", occasion),
        reconciliation_report(occasion, checks, () if answer is None else answer.failed, protocol),
        f"Transfer of {occasion} to FS, read back",
    )
    if params.chain and not wrong:
        # as on Ladok: the archive waits for the case to close
        start_phase("archive-closed-cases", {"params": {"occasion_uids": [occasion]}})
    return {"written": len(checks) - len(wrong), "failed": len(wrong)}
