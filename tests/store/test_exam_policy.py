"""The exam policy's records and the digital share's query, on SQLite and PostgreSQL: the planned
exams a re-check reads, an extra sitting planned once per exam and scenario, and a term's sittings
counted with their registrations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from store import digital_exams, exam_policy
from store.db import transaction
from store.schema import DigitalApplication, ExtraSitting, Staff
from tests.factories import T0, a_registration, a_student, an_occasion

ANSWERS = {"controlled_setting": True, "course_level": "first_cycle", "students_at_sitting": 80}


def plan(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add_all(
            [
                an_occasion("occ-early", starts_at=T0 - timedelta(days=1), status="planned"),
                an_occasion(
                    "occ-paper", starts_at=T0 + timedelta(days=2), status="planned", exam_type="paper"
                ),
                an_occasion("occ-digital", starts_at=T0 + timedelta(days=1), status="proposed"),
                an_occasion("occ-closed", starts_at=T0 + timedelta(days=3), status="closed"),
            ]
        )
        session.flush()
        exam_policy.record_form(session, occasion_id="occ-digital", form="digital_campus", at=T0)
        exam_policy.record_form(session, occasion_id="occ-digital", form="distance_video", at=T0)  # replaced
        for granted, answers in ((True, {"old": True}), (False, {"refused": True}), (True, ANSWERS)):
            exam_policy.record_dispensation(
                session,
                occasion_id="occ-digital",
                form="digital_campus",
                scenario="LOW",
                answers=answers,
                presented_by="staff-programme-1",
                granted=granted,
                decided_by="staff-vicerector-1",
                comment="",
                at=T0,
            )


def test_a_recheck_reads_the_exams_planned_from_a_day_with_their_latest_granted_dispensation(
    engine: Engine,
) -> None:
    plan(engine)
    with transaction(engine) as session:
        assert exam_policy.plan_extra_sitting(
            session,
            occasion_id="occ-digital",
            form="distance_video",
            scenario="MEDIUM",
            reason="r",
            planned_by="t",
            at=T0,
        )
        found = exam_policy.planned_from(session, T0)
    assert [(e.occasion_id, e.form, e.exam_type, e.answers, e.extra_sittings) for e in found] == [
        ("occ-digital", "distance_video", "written", ANSWERS, ("MEDIUM",)),
        ("occ-paper", "", "paper", None, ()),
    ]


def test_an_extra_sitting_is_planned_once_per_exam_and_scenario(engine: Engine) -> None:
    plan(engine)
    with transaction(engine) as session:
        fields = dict(occasion_id="occ-paper", form="distance_video", reason="r", planned_by="t", at=T0)
        assert exam_policy.plan_extra_sitting(session, scenario="MEDIUM", **fields)
        assert not exam_policy.plan_extra_sitting(session, scenario="MEDIUM", **fields)
        assert exam_policy.plan_extra_sitting(session, scenario="HIGH", **fields)
    with pytest.raises(IntegrityError):  # the database holds it too
        with transaction(engine) as session:
            session.add(
                ExtraSitting(
                    occasion_id="occ-paper",
                    form="distance_video",
                    scenario="HIGH",
                    reason="r",
                    planned_by="t",
                    planned_at=T0,
                )
            )
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(ExtraSitting)) == 2


def test_a_terms_sittings_come_with_their_current_registrations(engine: Engine) -> None:
    plan(engine)
    with transaction(engine) as session:
        session.add_all([a_student(f"s{i}") for i in range(5)])
        session.flush()
        session.add_all([a_registration(f"s{i}", f"C{i}", occasion_id="occ-paper") for i in range(3)])
        session.add(a_registration("s3", "D3", occasion_id="occ-digital"))
        session.add(a_registration("s4", "D4", occasion_id="occ-digital", status="removed"))
        session.flush()
        found = digital_exams.sittings_between(session, T0, T0 + timedelta(days=3))
    assert [(s.occasion_id, s.form, s.exam_type, s.registrations) for s in found] == [
        ("occ-digital", "distance_video", "written", 1),
        ("occ-paper", "", "paper", 3),
    ]


def test_an_application_is_decided_once_filed(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(Staff(id="staff-course-1", name="Karin Ek", email="k@x", external=False))
        session.flush()
        application = digital_exams.apply(
            session,
            occasion_id="occ-x",
            applicant_id="staff-course-1",
            form="digital_campus",
            students=90,
            reason="a large first-year course",
            at=T0,
        )
        digital_exams.decide(
            session,
            application_id=application,
            approved=True,
            decided_by="staff-coordinator-1",
            comment="ok",
            at=T0,
        )
    with transaction(engine) as session:
        row = session.get_one(DigitalApplication, application)
        assert (row.status, row.decided_by, row.decided_at) == ("approved", "staff-coordinator-1", T0)
