"""regrade under Swedish law: the law's refusals, then the flow under Prefect with its examiner's
form answered from outside, the new grade transferred once the planner approves it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from flows.regrade import regrade
from models.domain import Country
from models.ladok_codes import GRADE_CODES
from models.params import Regrade
from rules.grades import Scale
from store.db import transaction
from store.schema import Grade, Registration
from tasks.regrade import RegradeRefused, check_regrade
from tests.flows.conftest import World, approving
from tests.flows.exams import Phase, exam_at


def _middle_candidate(occasion: str) -> tuple[str, str]:
    """A candidate whose grade can go both up and down."""
    with transaction() as session:
        found = session.execute(
            select(Registration.anonymisation_code, Grade.grade)
            .join(Grade, Grade.registration_id == Registration.id)
            .where(Registration.occasion_id == occasion, Grade.grade.in_(["E", "D", "C", "B"]))
            .order_by(Registration.anonymisation_code.desc())
        ).first()
    assert found is not None, f"no grade between E and B on {occasion}"
    return found[0], found[1]


def test_swedish_regrades_follow_the_law(world: World):
    occasion = exam_at(world, Phase.TRANSFERRED, Country.SE).occasion
    code, grade = _middle_candidate(occasion)
    up, down = (
        Scale.AF.grades[Scale.AF.grades.index(grade) + 1],
        Scale.AF.grades[Scale.AF.grades.index(grade) - 1],
    )

    def asked(kind: str, new: str, heard: bool = False) -> Regrade:
        return Regrade(
            occasion_uid=occasion,
            anonymisation_code=code,
            kind=kind,
            new_grade=new,
            student_heard=heard,
            reason="obvious error in the sum of question 3",
        )

    with pytest.raises(RegradeRefused, match="reconsideration .* may only raise a grade"):
        check_regrade.fn(asked("reconsideration", down))
    with pytest.raises(RegradeRefused, match="the student must be heard"):
        check_regrade.fn(asked("correction", down))
    assert check_regrade.fn(asked("correction", down, heard=True)).original == grade
    with (
        approving(world.outbox, "staff-examiner-1"),
        approving(world.outbox, "staff-planner-1") as planner,
    ):
        result = regrade(asked("reconsideration", up))
    assert len(planner.answers) == 1  # the register got the new grade only once the planner approved it
    assert result == f"{code}: {grade} → {up}"
    with transaction() as session:
        student = session.scalar(
            select(Registration.student_uid).where(
                Registration.occasion_id == occasion, Registration.anonymisation_code == code
            )
        )
    drafts = httpx.get(f"{world.ladok_url}/_sim/results", params={"occasion": occasion}).json()
    assert [GRADE_CODES[d["grade_id"]] for d in drafts if d["student_uid"] == student] == [up]
