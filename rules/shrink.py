"""The sync's shrink guard: which occasions a register answer may not shrink without a person.

A register that answers an occasion with no students (a transient empty page, an occasion whose
type changed after registration) looks exactly like everyone de-registering. So an answer that
would remove every registration of an occasion, more than a set share of them, or anyone at all
from a test that is running or closed, is held for a coordinator instead of applied.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_SHARE = 0.10
LIVE_STATUSES = frozenset({"active", "closed", "grading", "graded", "transferred", "archived"})


@dataclass(frozen=True)
class Shrink:
    """What a register answer would do to one occasion."""

    occasion_id: str
    held: int  # registrations we hold now
    answered: int  # registrations the register answered
    removals: int
    status: str  # our occasion's status


@dataclass(frozen=True)
class Hold:
    occasion_id: str
    held: int
    answered: int
    removals: int
    reason: str


def hold_reason(shrink: Shrink, max_share: float = DEFAULT_MAX_SHARE) -> str:
    """Why this answer must wait for a coordinator, or '' when it may be applied."""
    if shrink.removals == 0:
        return ""
    if shrink.status in LIVE_STATUSES:
        return f"the test is {shrink.status}: no candidate is taken off it without a coordinator"
    if shrink.answered == 0:
        return f"the register answered no students where we hold {shrink.held}"
    if shrink.removals >= shrink.held:
        return f"every one of the {shrink.held} registrations would be removed"
    if shrink.removals > max_share * shrink.held:
        share = shrink.removals / shrink.held
        return f"{shrink.removals} of {shrink.held} registrations ({share:.0%}) would be removed, more than {max_share:.0%}"
    return ""


def holds(shrinks: list[Shrink], max_share: float = DEFAULT_MAX_SHARE) -> list[Hold]:
    """The occasions to hold, each with its counts and reason."""
    found = ((s, hold_reason(s, max_share)) for s in shrinks)
    return [Hold(s.occasion_id, s.held, s.answered, s.removals, reason) for s, reason in found if reason]
