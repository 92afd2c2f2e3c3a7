"""Anonymisation codes in the sync: the register's own codes are kept, missing ones are given the
next free numbers (never one the register already used), and a code once given never changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from rules.anonymisation import code_number, is_valid_code
from store import registrations
from store.db import transaction
from tasks.registration import REGISTER_COLUMNS, apply_sync
from tests.factories import an_occasion
from tests.flows.conftest import World


def _plan(uid: str) -> None:
    now = datetime.now(UTC)
    with transaction() as session:
        session.add(
            an_occasion(
                uid,
                exam_type="digital_school",
                starts_at=now + timedelta(days=9),
                ends_at=now + timedelta(days=9, hours=4),
                duration_minutes=240,
                code_prefix="SYN",
                platform_test_id="t",
                status="planned",
                updated_at=now,
            )
        )


def _register(uid: str, students: dict[str, str | None]) -> pd.DataFrame:
    rows = [(uid, s, f"sr-{s}", "cr", "m", code, "First", "Last") for s, code in students.items()]
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS).assign(
        extra_time_minutes=0, separate_room=False, equipment=""
    )


def _codes(uid: str) -> dict[str, str]:
    with transaction() as session:
        held = registrations.frame(session, occasion_ids=[uid])
    return dict(zip(held.student_uid, held.anonymisation_code, strict=True))


def test_missing_codes_get_free_numbers_and_codes_never_change(world: World):
    uid = "codes-occasion"
    _plan(uid)
    first = {"s1": "SYN-0001-ABC", "s2": "SYN-0002-XYZ", "s3": None, "s4": None}
    with transaction() as session:
        empty = registrations.frame(session, occasion_ids=[uid])
    apply_sync(_register(uid, first), empty, {uid: "SYN"})
    codes = _codes(uid)
    assert codes["s1"] == "SYN-0001-ABC" and codes["s2"] == "SYN-0002-XYZ"
    assert all(is_valid_code(c) for c in codes.values())
    assert sorted(code_number(c) for c in codes.values()) == [1, 2, 3, 4]

    with transaction() as session:
        held = registrations.frame(session, occasion_ids=[uid])
    later = {**first, "s1": "SYN-0009-QQQ", "s5": None}  # the register now says another code for s1
    summary = apply_sync(_register(uid, later), held, {uid: "SYN"})
    after = _codes(uid)
    assert summary.adds == 1
    assert {s: after[s] for s in codes} == codes  # unchanged, s1 included
    assert code_number(after["s5"]) == 5
