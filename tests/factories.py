"""Rows for tests that set up the store by hand: each takes the fields a test cares about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from store.schema import Occasion, Registration, Student

T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def an_occasion(occasion_id: str = "occ-1", **changes: Any) -> Occasion:
    fields: dict[str, Any] = dict(
        id=occasion_id,
        name="Linear algebra, written exam",
        country="SE",
        exam_type="written",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=5),
        duration_minutes=300,
        scale="A-F",
        register_scale_id=2,
        credits=7.5,
        code_prefix="LA",
        platform_test_id=None,
        updated_at=T0,
    )
    return Occasion(**(fields | changes))


def a_student(uid: str) -> Student:
    return Student(uid=uid, first_name="Ada", last_name="Lovelace", national_id=None, email=None)


def a_registration(student_uid: str, code: str, occasion_id: str = "occ-1", **changes: Any) -> Registration:
    fields: dict[str, Any] = dict(
        occasion_id=occasion_id,
        student_uid=student_uid,
        study_result_uid=f"sr-{student_uid}",
        course_round_uid="round-1",
        module_uid="module-1",
        anonymisation_code=code,
        status="registered",
        updated_at=T0,
    )
    return Registration(**(fields | changes))
