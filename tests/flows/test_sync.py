"""registration-sync under Prefect on a planned Swedish exam (its occasion in Ladok): every registration added with a code that a
second sync keeps."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from flows.registration_sync import registration_sync
from models.domain import Country
from models.params import SyncRegistrations
from store.db import transaction
from store.schema import Registration
from tasks.registration import list_syncable_occasions
from tests.flows.conftest import World
from tests.flows.exams import Phase, count, exam_at


def _codes(occasion: str) -> dict[str, str]:
    with transaction() as session:
        return dict(
            session.execute(
                select(Registration.student_uid, Registration.anonymisation_code).where(
                    Registration.occasion_id == occasion
                )
            ).all()
        )


def test_sync_adds_every_registration_with_stable_codes(world: World):
    occasion = exam_at(world, Phase.PLANNED, Country.SE).occasion
    synced = registration_sync(SyncRegistrations(occasion_uids=[occasion]))
    register = httpx.get(f"{world.ladok_url}/_sim/registrations", params={"occasion": occasion}).json()
    assert occasion in list_syncable_occasions.fn()
    assert synced["adds"] == len(register) > 0
    assert synced["platform_added"] == len(register)
    assert count(Registration, occasion, Registration.status == "registered") == len(register)
    codes = _codes(occasion)
    again = registration_sync(SyncRegistrations(occasion_uids=[occasion]))
    assert again["adds"] == again["removals"] == again["platform_added"] == 0
    assert codes == _codes(occasion)
