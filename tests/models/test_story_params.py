"""candidate-story's parameters: a candidate by occasion and code, or a student by uid, never
both nor half of one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from models.story import CandidateStory


@pytest.mark.parametrize(
    ("given", "subject"),
    [
        ({"occasion_uid": "occ-1", "code": "LA-0007"}, "candidate LA-0007 of occ-1"),
        ({"student_uid": "stu-1"}, "student stu-1"),
    ],
)
def test_a_candidate_or_a_student_is_asked_about(given: dict[str, Any], subject: str) -> None:
    assert CandidateStory(asker_id="staff-coordinator-1", **given).subject() == subject


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"code": "LA-0007"},
        {"occasion_uid": "occ-1"},
        {"occasion_uid": "occ-1", "code": "LA-0007", "student_uid": "stu-1"},
    ],
)
def test_neither_both_nor_half_is_refused(given: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="give either occasion_uid and code, or student_uid"):
        CandidateStory(asker_id="staff-coordinator-1", **given)
