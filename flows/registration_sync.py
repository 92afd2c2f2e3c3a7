"""registration-sync: register → our store → the platform, nightly and on demand.

An occasion the shrink guard holds (rules.shrink) is left untouched, in the store and on the
platform; the nightly run starts, for each, a run of this flow with `review_shrink` that asks a
coordinator, so the nightly run itself never waits for a person.
"""

from __future__ import annotations

from itertools import count

from prefect import flow, get_run_logger

from flows.approval import ask_for_approval
from models.approvals import Verdict
from models.domain import Decision, Role
from models.params import SyncRegistrations
from tasks.chaining import start_phase
from tasks.exam_names import name_run, title_of
from tasks.registration import (
    HeldOccasion,
    SyncSummary,
    list_syncable_occasions,
    push_to_platform,
    read_ahead,
    record_shrink_decision,
    start_shrink_review,
    sync_from_register,
)
from tasks.reports import publish_table
from tasks.run_logs import counted

OCCASIONS_PER_BATCH = 500
SYNCED = ("occasions", "registered", "adds", "removals", "extra_time_changes", "other_changes")


@flow(name="registration-sync", flow_run_name=name_run)
def registration_sync(params: SyncRegistrations) -> dict[str, int]:
    if params.review_shrink:
        return _review(params.occasion_uids[0], params.chain)
    occasion_uids = params.occasion_uids or list_syncable_occasions()
    log = get_run_logger()
    totals = _zero()
    changes: list[dict[str, str | int]] = []
    held: list[HeldOccasion] = []
    batches = [
        occasion_uids[start : start + OCCASIONS_PER_BATCH]
        for start in range(0, len(occasion_uids), OCCASIONS_PER_BATCH)
    ]
    # the next batch reads the register while this one is stored and pushed (tasks.registration)
    synced_batches = read_ahead(batches, lambda batch: sync_from_register.submit(batch))
    for number, (batch, synced) in enumerate(synced_batches, start=1):
        _push(batch, synced, totals)
        changes += synced.changes
        held += synced.held
        log.info(
            f"Batch {number}: {len(batch)} occasion(s), {synced.adds} added, "
            f"{synced.removals} removed, {len(synced.held)} held for a coordinator."
        )
    publish_table(
        "registration-changes", changes or [{"change": "none"}], f"Registration changes: {counted(totals)}"
    )
    runs = {h.occasion_id: start_shrink_review(h.occasion_id, params.chain) for h in held}
    if held:
        _publish_held(held, runs)
    if params.chain and len(occasion_uids) == 1 and not held:
        start_phase("exam-day", {"params": {"occasion_uid": occasion_uids[0], "chain": True}})
    return totals


def _sync(
    occasion_uids: list[str], totals: dict[str, int], approved: dict[str, list[str]] | None = None
) -> SyncSummary:
    """One batch: the register's answer stored (held occasions left out) and pushed to the platform."""
    synced = sync_from_register(occasion_uids, approved)
    _push(occasion_uids, synced, totals)
    return synced


def _push(occasion_uids: list[str], synced: SyncSummary, totals: dict[str, int]) -> None:
    """A stored batch pushed to the platform (held occasions left out) and added to the totals."""
    held = {h.occasion_id for h in synced.held}
    pushed = push_to_platform([o for o in occasion_uids if o not in held])
    for name in SYNCED:
        totals[name] += getattr(synced, name)
    totals["held"] += len(held)
    totals["platform_added"] += pushed.added
    totals["platform_removed"] += pushed.removed
    totals["platform_extra_time_updated"] += pushed.extra_time_updated


def _publish_held(held: list[HeldOccasion], runs: dict[str, str]) -> None:
    rows = [
        {
            "occasion": h.occasion_id,
            "held": h.held,
            "answered": h.answered,
            "would remove": h.removals,
            "reason": h.reason,
            "review run": runs.get(h.occasion_id, ""),
        }
        for h in held
    ]
    publish_table(
        "registration-held", rows, f"{len(held)} occasion(s) held for a coordinator, nothing of them written"
    )


def _review(occasion_uid: str, chain: bool) -> dict[str, int]:
    """Re-reads the register for a held occasion; while its answer is still held, asks a coordinator
    and applies it only on approval, and only if it removes none but the candidates shown."""
    log = get_run_logger()
    totals = _zero()
    approved: dict[str, list[str]] | None = None
    shown: HeldOccasion | None = None
    approver = ""
    for round in count(1):
        synced = _sync([occasion_uid], totals, approved)
        if not synced.held:
            if shown is not None:
                record_shrink_decision(shown, approver_id=approver, applied=True)
            break
        shown = synced.held[0]
        if approved is not None:
            log.warning(
                f"The answer for occasion {occasion_uid} removes more than was approved; asking again."
            )
        verdict = _ask_to_shrink(occasion_uid, round, shown)
        approver = verdict.approver_id
        if verdict.decision != Decision.APPROVE:
            record_shrink_decision(shown, approver_id=approver, applied=False)
            break
        approved = {occasion_uid: shown.codes}
    totals["held"] = len(synced.held)
    if approved is None and not synced.held:
        log.info(f"The register's answer for occasion {occasion_uid} is no longer held: applied as it came.")
    publish_table(
        "registration-changes",
        synced.changes or [{"change": "none"}],
        f"Registration changes: {counted(totals)}",
    )
    if chain:
        start_phase("exam-day", {"params": {"occasion_uid": occasion_uid, "chain": True}})
    return totals


def _ask_to_shrink(occasion_uid: str, round: int, shown: HeldOccasion) -> Verdict:
    verdict, _ = ask_for_approval(
        kind=f"registration-shrink-{round}",
        occasion_id=occasion_uid,
        role=Role.COORDINATOR,
        title=f"Apply the register's answer that shrinks {title_of(occasion_uid)}?",
        evidence=shrink_evidence(shown),
    )
    return verdict


def _zero() -> dict[str, int]:
    return dict.fromkeys(
        [*SYNCED, "held", "platform_added", "platform_removed", "platform_extra_time_updated"], 0
    )


def shrink_evidence(held: HeldOccasion) -> str:
    """What the coordinator decides on: the counts, the reason and the codes (never names)."""
    return (
        f"The register's answer for occasion {held.occasion_id} would remove {held.removals} of the "
        f"{held.held} registrations we hold (it answered {held.answered}). It was held because "
        f"{held.reason}.\n\n"
        "**Approve** to apply it: these candidates are marked removed and taken off the platform's "
        "test (should the register by then remove anyone else, you are asked again). **Reject** to "
        "leave the occasion as it is; the next nightly sync asks again while the register answers so.\n\n"
        f"**Would be removed ({held.removals}):** {', '.join(held.codes)}"
    )
