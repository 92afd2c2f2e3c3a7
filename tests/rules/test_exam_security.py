"""Lockdown browser rules and the passwords examflow makes for the platform."""

from __future__ import annotations

import pytest

from models.domain import ExamType
from rules.exam_security import (
    QUIT_PASSWORD,
    START_PASSWORD,
    lockdown_refusal,
    new_password,
    new_quit_password,
    new_start_password,
)


@pytest.mark.parametrize("exam_type", list(ExamType))
@pytest.mark.parametrize("lockdown", [True, False])
def test_a_school_exam_requires_the_lockdown_browser(exam_type: ExamType, lockdown: bool) -> None:
    refused = lockdown_refusal(exam_type, lockdown)
    school = exam_type in (ExamType.DIGITAL_SCHOOL, ExamType.DIGITAL_REEXAM)
    assert (refused is not None) == (school and not lockdown)
    if refused:
        assert exam_type.value in refused and "lockdown browser" in refused


def test_passwords_meet_the_platforms_rules_and_differ() -> None:
    starts = {new_start_password() for _ in range(200)}
    quits = {new_quit_password() for _ in range(200)}
    assert all(START_PASSWORD.fullmatch(p) for p in starts)
    assert all(QUIT_PASSWORD.fullmatch(p) and len(p) == 7 for p in quits)
    assert len(starts) == len(quits) == 200
    assert not any(set(p) & set("01OIL") for p in starts | quits)  # nothing to misread on paper


def test_a_password_too_short_for_a_letter_and_a_digit_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        new_password(1)
