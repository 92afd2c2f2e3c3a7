"""Graders' timesheets in our store: what a grader did on an exam (so what they may claim for), a
timesheet stored once per run, its steps taken in order only, and the totals per grader and exam.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from store import appeals, committees, justifications, staff
from store import grader_claims as claims
from store.db import transaction
from store.schema import Grade, GraderClaimLine, GraderTimesheet, Question
from tests.factories import T0, a_registration, a_student, an_occasion

GRADER, APPEAL_GRADER, EXAMINER, OUTSIDER = (
    "staff-grader-ext-1",
    "staff-appeal-ext-1",
    "staff-examiner-1",
    "staff-outsider-1",
)
CODES = ["EX-0001-AAA", "EX-0002-BBB", "EX-0003-CCC", "EX-0004-DDD"]


def graded_exam(session: Session, occasion_id: str = "occ-1", country: str = "NO") -> list[str]:
    """An exam graded by two committees (the examiner on both, the external grader on the first
    two candidates), the first candidate's appeal graded by an appeal grader, a justification given
    by the examiner on the second and one asked for on the third, and four questions. Returns the
    candidates' codes."""
    for staff_id, name, external in [  # as the sample staff hold them: the flow tests share them
        (GRADER, "Greta Dahl", True),
        (APPEAL_GRADER, "Astrid Moe", True),
        (EXAMINER, "Eva Holm", False),
        (OUTSIDER, "Otto Utenfor", False),
    ]:
        staff.add_staff(
            session, staff_id=staff_id, name=name, email=f"{staff_id}@examflow.local", external=external
        )
    session.add(an_occasion(occasion_id, country=country))
    codes = list(CODES)
    session.add_all(a_student(f"{occasion_id}-s{n}") for n in range(1, len(codes) + 1))
    session.flush()
    registrations = []
    for n, code in enumerate(codes, start=1):
        registration = a_registration(f"{occasion_id}-s{n}", code, occasion_id)
        session.add(registration)
        registrations.append(registration)
    session.flush()
    ids = [r.id for r in registrations]
    committees.save(
        session, occasion_id=occasion_id, name="committee-1", kind="grading", members=[EXAMINER, GRADER]
    )
    committees.save(session, occasion_id=occasion_id, name="committee-2", kind="grading", members=[EXAMINER])
    committees.assign_candidates(
        session, occasion_id=occasion_id, name="committee-1", registration_ids=ids[:2]
    )
    committees.assign_candidates(
        session, occasion_id=occasion_id, name="committee-2", registration_ids=ids[2:]
    )
    session.add(
        Grade(
            registration_id=ids[0],
            occasion_id=occasion_id,
            points=20,
            percent=50,
            grade="D",
            status="approved",
            exam_date=T0.date(),
            updated_at=T0,
        )
    )
    session.flush()
    appeal = appeals.receive(session, occasion_id=occasion_id, registration_id=ids[0], received_on=T0.date())
    committees.save(
        session, occasion_id=occasion_id, name=f"appeal-{appeal.id}", kind="appeal", members=[APPEAL_GRADER]
    )
    given = justifications.request(
        session, occasion_id=occasion_id, registration_id=ids[1], requested_on=T0.date(), due_on=T0.date()
    )
    justifications.give(
        session, justification_id=given.id, text="The grounds.", given_by=EXAMINER, given_on=T0.date()
    )
    justifications.request(
        session, occasion_id=occasion_id, registration_id=ids[2], requested_on=T0.date(), due_on=T0.date()
    )
    session.add_all(
        Question(occasion_id=occasion_id, question_id=f"q{n}", number=n, max_score=10, weight=1)
        for n in range(1, 5)
    )
    session.flush()
    return codes


def test_what_each_grader_did_on_the_exam(engine: Engine) -> None:
    with transaction(engine) as session:
        codes = graded_exam(session)
    with transaction(engine) as session:
        grader, appeal, examiner, outsider = (
            claims.work_of(session, occasion_id="occ-1", staff_id=who)
            for who in (GRADER, APPEAL_GRADER, EXAMINER, OUTSIDER)
        )
    assert grader.graded and grader.candidates == set(codes[:2]) and grader.appeals == set()
    assert grader.justifications == {codes[1]}  # a candidate of theirs; the third is not
    assert grader.questions == {1, 2, 3, 4}
    assert appeal.graded and appeal.appeals == {codes[0]} and appeal.candidates == set()
    assert examiner.candidates == set(codes) and examiner.justifications == {codes[1], codes[2]}
    assert not outsider.graded and outsider.candidates == outsider.appeals == outsider.justifications == set()


def a_line(number: int, code: str, hundredths: int = 50) -> claims.NewLine:
    return claims.NewLine(number, "candidate", code, date(2026, 1, 20), hundredths, hundredths * 450)


def submit(session: Session, key: str, codes: list[str]) -> tuple[GraderTimesheet, bool]:
    lines = [a_line(1, codes[0]), a_line(2, codes[1], 125)]
    return claims.submit(
        session,
        key=key,
        occasion_id="occ-1",
        staff_id=GRADER,
        hr_system="paga",
        currency="NOK",
        rate_cents=45000,
        top_up_hundredths=0,
        amount_cents=sum(line.amount_cents for line in lines),
        lines=lines,
        at=T0,
    )


def test_a_timesheet_is_stored_once_per_run(engine: Engine) -> None:
    with transaction(engine) as session:
        codes = graded_exam(session)
        first, new = submit(session, "run-1", codes)
    with transaction(engine) as session:
        again, new_again = submit(session, "run-1", codes)
        assert new and not new_again
        assert again.id == first.id and again.hundredths == 175 and again.amount_cents == 78750
        assert [
            (line.number, line.reference, line.hundredths)
            for line in claims.lines_of(session, timesheet_id=first.id)
        ] == [
            (1, codes[0], 50),
            (2, codes[1], 125),
        ]
        assert session.scalar(select(func.count()).select_from(GraderTimesheet)) == 1
        assert session.scalar(select(func.count()).select_from(GraderClaimLine)) == 2


def test_a_timesheet_moves_on_in_order_and_a_step_taken_is_not_taken_again(engine: Engine) -> None:
    with transaction(engine) as session:
        sheet_id = submit(session, "run-1", graded_exam(session))[0].id
    with transaction(engine) as session:
        with pytest.raises(
            claims.TimesheetMoveRefused,
            match=f"timesheet {sheet_id} is submitted: only a exported one can be paid",
        ):
            claims.move(session, timesheet_id=sheet_id, step="pay", by="staff-hr-1", at=T0)
    with transaction(engine) as session:
        assert claims.move(session, timesheet_id=sheet_id, step="approve", by="staff-admin-1", at=T0)[1]
        assert not claims.move(session, timesheet_id=sheet_id, step="approve", by="someone-else", at=T0)[1]
        with pytest.raises(
            claims.TimesheetMoveRefused, match="is approved: only a submitted one can be rejected"
        ):
            claims.move(session, timesheet_id=sheet_id, step="reject", by="staff-admin-1", at=T0)
        claims.record_export(session, timesheet_id=sheet_id, path="/hr/paga/x.csv", sha256="ab" * 32, at=T0)
        claims.move(session, timesheet_id=sheet_id, step="pay", by="staff-hr-1", at=T0)
    with transaction(engine) as session:
        sheet = session.get_one(GraderTimesheet, sheet_id)
        assert (sheet.status, sheet.decided_by, sheet.settled_by, sheet.export_file) == (
            "paid",
            "staff-admin-1",
            "staff-hr-1",
            "/hr/paga/x.csv",
        )


def test_totals_per_grader_and_status(engine: Engine) -> None:
    with transaction(engine) as session:
        codes = graded_exam(session)
        first = submit(session, "run-1", codes)[0].id
        submit(session, "run-2", codes)
        claims.move(session, timesheet_id=first, step="approve", by="staff-admin-1", at=T0)
    with transaction(engine) as session:
        totals = claims.totals(session, occasion_id="occ-1")
    assert [
        (t.staff_id, t.status, t.timesheets, t.hundredths, t.amount_cents, t.currency) for t in totals
    ] == [
        (GRADER, "approved", 1, 175, 78750, "NOK"),
        (GRADER, "submitted", 1, 175, 78750, "NOK"),
    ]
    assert totals[0].name == "Greta Dahl" and totals[0].exam == "Linear algebra, written exam"
