"""register-events: the registrations made and withdrawn in the register since the last poll
(Norway: FS's student events) brought in between nightly syncs, by syncing the occasions they touch."""

from __future__ import annotations

from prefect import flow

from flows.registration_sync import registration_sync
from models.domain import Country
from models.params import SyncRegistrations
from tasks.register_events import read_register_events, save_register_cursor
from tasks.run_logs import run_logger


@flow(name="register-events")
def register_events(country: Country = Country.NO) -> dict[str, int]:
    read = read_register_events(country)
    synced = (
        registration_sync(SyncRegistrations(occasion_uids=read.occasion_ids)) if read.occasion_ids else {}
    )
    save_register_cursor(country, read.cursor)  # only once synced: a failed run reads them again
    run_logger().info(
        f"{read.events} register events read; {len(read.occasion_ids)} occasions synced again"
        + ("" if read.occasion_ids else " (none touched)")
    )
    return {"events": read.events, "occasions": len(read.occasion_ids), **synced}
