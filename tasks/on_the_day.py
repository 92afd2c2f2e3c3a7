"""What every exam-day entry shares: who may make it, and how it is refused."""

from __future__ import annotations

from models.domain import Role
from store import staff
from store.db import transaction


class ExamDayRefused(Exception):
    """What staff entered on exam day may not be done; the message names the exam and candidate."""


def check_staff(staff_id: str, occasion_id: str, roles: tuple[Role, ...]) -> None:
    with transaction() as session:
        if not any(
            staff.holds_role(session, staff_id=staff_id, role=r, occasion_id=occasion_id) for r in roles
        ):
            names = " or ".join(r.value for r in roles)
            raise ExamDayRefused(f"{staff_id!r} holds no role of {names} for {occasion_id}")
