"""Registrations made and withdrawn in the register between nightly syncs (Norway: FS's
`studenthendelser`): which of the occasions the sync follows they touch, read on from where the
last poll stopped."""

from __future__ import annotations

from prefect import task
from sqlalchemy.orm import Session

from models.domain import Country, Frozen, RegisterEvent
from store import occasions, register_cursors, registrations
from store.db import transaction
from tasks.retries import OUTSIDE_RETRIES
from tasks.run_logs import run_logger
from tasks.systems import systems


class EventsRead(Frozen):
    events: int
    occasion_ids: list[str]
    cursor: str | None


@task(name="read-register-events", **OUTSIDE_RETRIES)
def read_register_events(country: Country) -> EventsRead:
    """The events since the stored cursor and the syncable occasions of `country` they touch: a
    registration by the occasion the register names, a withdrawal by the registration we hold."""
    with transaction() as session:
        after = register_cursors.get(session, register=country.value)
    with systems().register(country=country) as register:
        found = register.registration_events(after)
    with transaction() as session:
        touched = _occasions(session, found.events)
        followed = set(occasions.syncable_ids(session))
        ours = {o for o, c in occasions.countries(session, sorted(touched)).items() if c == country.value}
    chosen = sorted(touched & followed & ours)
    run_logger().info(
        f"Read {len(found.events)} registration event(s) from the register of {country}: "
        f"{len(chosen)} followed occasion(s) to sync" + (f" ({', '.join(chosen)})" if chosen else "")
    )
    return EventsRead(events=len(found.events), occasion_ids=chosen, cursor=found.cursor)


def _occasions(session: Session, events: list[RegisterEvent]) -> set[str]:
    withdrawn = [e.registration_id for e in events if e.occasion_uid is None]
    held = registrations.occasions_of_study_results(session, withdrawn)
    return {e.occasion_uid for e in events if e.occasion_uid} | set(held.values())


@task(name="save-register-cursor")
def save_register_cursor(country: Country, cursor: str | None) -> None:
    """Stores where the next poll reads on from; called once the events' occasions are synced."""
    if cursor is None:
        return
    with transaction() as session:
        register_cursors.put(session, register=country.value, cursor=cursor)
