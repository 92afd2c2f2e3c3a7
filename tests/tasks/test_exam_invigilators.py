"""Whom an exam's lockdown browser passwords go to: the invigilators on duty in its seating plan,
else those given the role for that exam, else everyone holding the role."""

from __future__ import annotations

from sqlalchemy import Engine

from models.domain import Role
from store.db import transaction
from store.schema import ExamDuty
from store.staff import add_staff
from tasks.exam_security import _invigilators
from tests.factories import an_occasion


def _staff(engine: Engine, *, for_exam: list[str], everywhere: list[str], on_duty: list[str]) -> None:
    with transaction(engine) as session:
        session.add(an_occasion("occ-1"))
        for staff_id in for_exam + everywhere:
            role = {Role.INVIGILATOR: "occ-1" if staff_id in for_exam else ""}
            add_staff(session, staff_id=staff_id, name=staff_id, email=f"{staff_id}@x.test", roles=role)
        session.flush()
        session.add_all(
            ExamDuty(occasion_id="occ-1", staff_id=s, duty="invigilator", place="Q21") for s in on_duty
        )


def _chosen(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return [p.id for p in _invigilators(session, "occ-1")]


def test_the_seating_plans_invigilators_on_duty_are_chosen(engine: Engine) -> None:
    _staff(engine, for_exam=["inv-exam"], everywhere=["inv-a", "inv-b"], on_duty=["inv-b"])
    assert _chosen(engine) == ["inv-b"]


def test_without_a_plan_those_given_the_role_for_the_exam_are_chosen(engine: Engine) -> None:
    _staff(engine, for_exam=["inv-exam"], everywhere=["inv-a", "inv-b"], on_duty=[])
    assert _chosen(engine) == ["inv-exam"]


def test_with_neither_every_invigilator_is_chosen(engine: Engine) -> None:
    _staff(engine, for_exam=[], everywhere=["inv-a", "inv-b"], on_duty=[])
    assert _chosen(engine) == ["inv-a", "inv-b"]
