"""A candidate's rows gathered from the store, on SQLite and PostgreSQL: every table's rows of the
candidate and none of another's, the approvals of the grade (a grader's own only where they grade
the candidate) and of their own requests only, the exam's protocol and their own papers among the
archive's entries, audit events naming them, and a student found with every exam of theirs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store import audit, story
from store.db import transaction
from store.schema import (
    Appeal,
    Approval,
    ArchiveRecord,
    Attendance,
    Committee,
    CommitteeCandidate,
    CommitteeMember,
    Grade,
    GraderMark,
    GraderNote,
    JustificationRecord,
    Mark,
    OutboxMessage,
    Question,
    Registration,
    Staff,
    TransferLedgerEntry,
)
from tests.factories import T0, a_registration, a_student, an_occasion

LATER = T0 + timedelta(days=10)


def _staff(session: Session) -> None:
    for staff_id, name in [
        ("g1", "Gustav Berg"),
        ("g2", "Greta Dahl"),
        ("a1", "Arne Vik"),
        ("e1", "Eva Holm"),
    ]:
        session.add(Staff(id=staff_id, name=name, email=f"{staff_id}@examflow.local"))


def _exam(session: Session) -> tuple[int, int, int]:
    """Two candidates on occ-1 and the first again on occ-2; their registration ids."""
    session.add_all(
        [
            an_occasion("occ-1"),
            an_occasion("occ-2", starts_at=LATER, ends_at=LATER),
            a_student("s1"),
            a_student("s2"),
        ]
    )
    session.flush()
    regs = [
        a_registration("s1", "LA-0001", extra_time_minutes=30),
        a_registration("s2", "LA-0002"),
        a_registration("s1", "LB-0001", occasion_id="occ-2"),
    ]
    session.add_all(regs)
    session.flush()
    return regs[0].id, regs[1].id, regs[2].id


def _graded(session: Session, mine: int, other: int) -> None:
    session.add_all(
        [
            Question(occasion_id="occ-1", question_id=q, number=n, max_score=5, weight=1)
            for n, q in [(2, "q2"), (1, "q1")]
        ]
    )
    for rid, score in [(mine, 4.0), (other, 1.0)]:
        session.add(
            Attendance(registration_id=rid, occasion_id="occ-1", status="present", started_at=T0, ended_at=T0)
        )
        for q in ("q1", "q2"):
            session.add(Mark(registration_id=rid, question_id=q, occasion_id="occ-1", score=score))
        session.add(
            GraderMark(registration_id=rid, question_id="q1", staff_id="g1", occasion_id="occ-1", score=score)
        )
        session.add(
            Grade(
                registration_id=rid,
                occasion_id="occ-1",
                points=2 * score,
                percent=None,
                grade="C",
                status="approved",
                exam_date=None,
                updated_at=T0,
            )
        )
        session.add(
            TransferLedgerEntry(
                idempotency_key=f"k{rid}",
                occasion_id="occ-1",
                registration_id=rid,
                grade="C",
                exam_date=date(2026, 1, 15),
                status="confirmed",
                register_result_uid=f"res-{rid}",
                created_at=T0,
                updated_at=T0,
            )
        )
    session.add(
        GraderMark(registration_id=mine, question_id="q1", staff_id="g2", occasion_id="occ-1", score=3.5)
    )
    session.add(
        GraderNote(
            occasion_id="occ-1",
            registration_id=mine,
            question_id="q1",
            staff_id="g1",
            purpose="private",
            text="x",
            created_at=T0,
        )
    )


def _requests(session: Session, mine: int, other: int) -> int:
    session.add(
        JustificationRecord(
            occasion_id="occ-1", registration_id=mine, requested_on=date(2026, 1, 20), due_on=date(2026, 2, 3)
        )
    )
    appeals = [
        Appeal(
            occasion_id="occ-1",
            registration_id=rid,
            received_on=date(2026, 1, 25),
            status="decided",
            original_grade="C",
            new_grade="B",
            decided_at=LATER,
        )
        for rid in (mine, other)
    ]
    session.add_all(appeals)
    session.flush()
    committee = Committee(occasion_id="occ-1", name=f"appeal-{appeals[0].id}", kind="appeal")
    session.add(committee)
    session.flush()
    grading = Committee(occasion_id="occ-1", name="committee-1", kind="grading")
    session.add(grading)
    session.flush()
    session.add_all(
        [
            CommitteeMember(committee_id=committee.id, staff_id="a1"),
            CommitteeMember(committee_id=grading.id, staff_id="g1"),
        ]
    )
    session.add(CommitteeCandidate(committee_id=grading.id, registration_id=mine))
    approvals = [
        ("grading-joint", "approve"),
        ("transfer", "approve"),
        (f"appeal-{appeals[0].id}", "approve"),
        (f"appeal-{appeals[1].id}", "approve"),
        ("plan", "approve"),
        ("grading-own-g1", "approve"),
        ("grading-own-g2", "reject"),
    ]
    for n, (kind, decision) in enumerate(approvals):
        session.add(
            Approval(
                key=f"a{n}",
                occasion_id="occ-1",
                kind=kind,
                role="examiner",
                status="decided",
                decided_by="e1",
                decision=decision,
                created_at=T0,
                decided_at=T0,
                title=f"Approve {kind}",
            )
        )
    session.add(
        Approval(key="open", occasion_id="occ-1", kind="grading-own-g1", role="grader", created_at=T0)
    )
    return appeals[0].id


def _archived_and_audited(session: Session, appeal_id: int, mine: int) -> None:
    for n, (kind, name) in enumerate(
        [
            ("protocol", "protocol-occ-1-abc.csv"),
            ("paper", "paper-LA-0001.json"),
            ("paper", "paper-LA-0002.json"),
        ]
    ):
        session.add(
            ArchiveRecord(
                occasion_id="occ-1",
                kind=kind,
                filename=name,
                case_id="case-1",
                document_id=f"d{n}",
                sha256=f"{n}" * 64,
                size=10,
                archived_at=T0,
            )
        )
    audit.record(
        session,
        actor="c1",
        action="appeal.received",
        occasion_id="occ-1",
        detail={"appeal_id": appeal_id, "candidate": "LA-0001"},
    )
    audit.record(
        session,
        actor="c1",
        action="appeal.decided",
        occasion_id="occ-1",
        detail={"appeal_id": appeal_id, "new": "B"},
    )
    audit.record(
        session,
        actor="c1",
        action="appeal.received",
        occasion_id="occ-1",
        detail={"appeal_id": appeal_id + 1, "candidate": "LA-0002"},
    )
    audit.record(session, actor="c1", action="grades.approved", occasion_id="occ-1", detail={"approved": 2})
    audit.record(
        session,
        actor="e1",
        action="regrade.refused",
        occasion_id="occ-1",
        detail={"registration_id": mine, "reason": ["a", "b"]},
    )
    session.add(OutboxMessage(recipient="student:s1", subject="s", body="b", created_at=T0))
    session.add(OutboxMessage(recipient="student:s2", subject="s", body="b", created_at=T0))


@pytest.fixture
def held(engine: Engine) -> tuple[int, int, int, int]:
    """The registration ids (mine, another's, mine on occ-2) and my appeal's id."""
    with transaction(engine) as session:
        _staff(session)
        mine, other, elsewhere = _exam(session)
        _graded(session, mine, other)
        appeal_id = _requests(session, mine, other)
        _archived_and_audited(session, appeal_id, mine)
    return mine, other, elsewhere, appeal_id


def test_the_candidates_rows_are_gathered_and_no_others(
    engine: Engine, held: tuple[int, int, int, int]
) -> None:
    mine, appeal_id = held[0], held[3]
    with transaction(engine) as session:
        assert story.registrations_by_code(session, occasion_id="occ-1", code="LA-0001") == [mine]
        (rows,) = story.gather(session, registration_ids=[mine])
    assert (rows.registration.code, rows.registration.extra_time_minutes, rows.student.name) == (
        "LA-0001",
        30,
        "Ada Lovelace",
    )
    assert [(m.question, m.score, m.graders) for m in rows.marks] == [
        (1, 4.0, (("Gustav Berg", 4.0), ("Greta Dahl", 3.5))),
        (2, 4.0, ()),
    ]
    assert (rows.attendance and rows.attendance.status, rows.grade and rows.grade.points) == ("present", 8.0)
    assert [(t.status, t.register_result_uid) for t in rows.transfers] == [("confirmed", f"res-{mine}")]
    assert rows.justification is not None and rows.justification.due_on == date(2026, 2, 3)
    assert rows.appeal is not None and rows.appeal.committees == (("appeal", ("Arne Vik",)),)
    assert sorted(a.title for a in rows.approvals) == sorted(
        [
            "Approve grading-joint",
            "Approve transfer",
            f"Approve appeal-{appeal_id}",
            "Approve grading-own-g1",  # not g2's: the candidate is not in their committee
        ]
    )
    assert {a.decided_by for a in rows.approvals} == {"Eva Holm"}
    assert [e.filename for e in rows.archive] == ["protocol-occ-1-abc.csv", "paper-LA-0001.json"]
    assert [(e.action, e.detail.get("candidate")) for e in rows.audit] == [
        ("appeal.received", "LA-0001"),
        ("appeal.decided", None),
        ("regrade.refused", None),
    ]
    assert [e.actor for e in rows.audit] == ["c1", "c1", "Eva Holm"]  # staff by name
    assert (rows.notes, rows.mails) == (1, 1)


def test_a_student_is_found_with_every_exam_in_order(engine: Engine, held: tuple[int, int, int, int]) -> None:
    mine, _, elsewhere, _ = held
    with transaction(engine) as session:
        found = story.registrations_of_student(session, student_uid="s1")
        rows = story.gather(session, registration_ids=found)
    assert sorted(found) == sorted([mine, elsewhere])
    assert [r.registration.code for r in rows] == ["LA-0001", "LB-0001"]
    assert rows[1].marks == () and rows[1].grade is None and rows[1].archive == ()


def test_nothing_asked_gathers_nothing(engine: Engine, held: tuple[int, int, int, int]) -> None:
    with transaction(engine) as session:
        assert story.registrations_by_code(session, occasion_id="occ-1", code="LA-9999") == []
        assert story.gather(session, registration_ids=[]) == []
        assert session.query(Registration).count() == 3
