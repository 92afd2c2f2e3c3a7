"""registration-sync: register → our store → the platform, nightly and on demand."""

from __future__ import annotations

from prefect import flow

from models.params import SyncRegistrations
from tasks.chaining import start_phase
from tasks.registration import list_syncable_occasions, push_to_platform, sync_from_register
from tasks.reports import publish_table

OCCASIONS_PER_BATCH = 500


@flow(name="registration-sync")
def registration_sync(params: SyncRegistrations) -> dict[str, int]:
    occasion_uids = params.occasion_uids or list_syncable_occasions()
    totals = {
        "occasions": 0,
        "registered": 0,
        "adds": 0,
        "removals": 0,
        "extra_time_changes": 0,
        "other_changes": 0,
        "platform_added": 0,
        "platform_removed": 0,
        "platform_extra_time_updated": 0,
    }
    changes: list[dict[str, str | int]] = []
    for start in range(0, len(occasion_uids), OCCASIONS_PER_BATCH):
        batch = occasion_uids[start : start + OCCASIONS_PER_BATCH]
        synced = sync_from_register(batch)
        pushed = push_to_platform(batch)
        for name in ("occasions", "registered", "adds", "removals", "extra_time_changes", "other_changes"):
            totals[name] += getattr(synced, name)
        totals["platform_added"] += pushed.added
        totals["platform_removed"] += pushed.removed
        totals["platform_extra_time_updated"] += pushed.extra_time_updated
        changes += synced.changes
    publish_table("registration-changes", changes or [{"change": "none"}], f"Registration changes: {totals}")
    if params.chain and len(occasion_uids) == 1:
        start_phase("exam-day", {"params": {"occasion_uid": occasion_uids[0], "chain": True}})
    return totals
