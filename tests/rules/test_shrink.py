"""The shrink guard holds an answer that empties an occasion, drops too many, or touches a live test."""

from __future__ import annotations

import pytest

from rules.shrink import Shrink, hold_reason, holds


@pytest.mark.parametrize(
    ("held", "answered", "removals", "status", "held_because"),
    [
        (40, 0, 40, "planned", "answered no students where we hold 40"),
        (40, 20, 20, "planned", "20 of 40 registrations (50%) would be removed, more than 10%"),
        (40, 41, 5, "planned", "5 of 40 registrations (12%) would be removed, more than 10%"),
        (40, 39, 1, "active", "the test is active"),
        (40, 39, 1, "closed", "the test is closed"),
        (3, 1, 3, "planned", "every one of the 3 registrations would be removed"),
        (40, 38, 4, "planned", ""),  # 10 %: a legitimate small change
        (40, 45, 0, "active", ""),  # only adds, even on a running test
        (0, 0, 0, "planned", ""),  # nothing held, nothing answered
    ],
)
def test_when_an_answer_is_held(held: int, answered: int, removals: int, status: str, held_because: str):
    reason = hold_reason(Shrink("occ", held, answered, removals, status))
    if held_because:
        assert held_because in reason
    else:
        assert reason == ""


def test_the_share_is_a_setting():
    shrink = Shrink("occ", 100, 80, 20, "planned")
    assert hold_reason(shrink, max_share=0.25) == ""
    assert "more than 10%" in hold_reason(shrink)


def test_holds_lists_only_the_held_occasions_with_their_counts():
    found = holds([Shrink("a", 10, 0, 10, "planned"), Shrink("b", 10, 10, 1, "planned")])
    assert [(h.occasion_id, h.held, h.answered, h.removals) for h in found] == [("a", 10, 0, 10)]
