"""The day before the exam, checked: what each side holds of a candidate, and each difference found."""

from __future__ import annotations

from enum import StrEnum

from models.domain import Frozen


class Seen(Frozen):
    """A candidate as one side holds them: the platform's test, our store or the register (which
    holds no rooms; its extra time is the decisions in force on the exam's day)."""

    code: str = ""
    extra_time_minutes: int = 0
    building: str = ""
    room: str = ""


class Fix(StrEnum):
    """What puts a difference right: our store synced from the register (and then the platform
    from our store), the platform's test brought in line with our store, or the exam's security
    settings set on the platform and read back."""

    SYNC = "sync"
    PUSH = "push"
    SECURITY = "security"


class Difference(Frozen):
    candidate: str  # the anonymisation code; "(the exam)" for the exam's own settings
    what: str
    platform_says: str
    ours_says: str
    register_says: str
    fix: str
    action: Fix

    def row(self) -> dict[str, str]:
        """As the coordinator reads it in the run's table."""
        return {
            "candidate": self.candidate,
            "what differs": self.what,
            "the platform says": self.platform_says,
            "our store says": self.ours_says,
            "the register says": self.register_says,
            "the fix": self.fix,
        }


class PreCheck(Frozen):
    """One check of an exam: the counts on each side, every difference and, when the platform's
    test has no candidates while the register has registrations, the alarm."""

    occasion_id: str
    test_id: str
    on_platform: int
    in_store: int
    in_register: int
    differences: list[Difference]
    alarm: str = ""
