"""exam-day under Prefect on a synced exam whose window has passed: attendance taken, the test
closed and opened for assessment."""

from __future__ import annotations

from flows.exam_day import exam_day
from models.params import OccasionStep
from store.db import transaction
from store.schema import Attendance, Occasion, Registration
from tasks.registration import list_syncable_occasions
from tests.flows.conftest import World
from tests.flows.exams import Phase, count, exam_at


def test_exam_day_takes_attendance_and_opens_for_assessment(world: World):
    occasion = exam_at(world, Phase.SYNCED).occasion
    examined = exam_day(OccasionStep(occasion_uid=occasion))
    submitted = count(Attendance, occasion, Attendance.status == "submitted")
    absent = count(Attendance, occasion, Attendance.status == "absent")
    assert submitted > 0
    assert submitted + absent == count(Registration, occasion, Registration.status == "registered")
    assert examined == f"{submitted} submitted, {absent} absent"
    assert occasion not in list_syncable_occasions.fn()  # closed: the nightly sync leaves it alone
    with transaction() as session:
        assert session.get(Occasion, occasion).status == "closed"
