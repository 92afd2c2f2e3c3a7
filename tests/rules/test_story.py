"""One candidate's rows merged into one timeline: in the order things happened, rows without a
time of their own placed at the exam's start or end, the lifecycle's order kept at one instant,
words for a person (no codes of actions, no Python reprs); and until when each kind is kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from models.settings import RETENTION
from models.story import (
    CandidateRows,
    StoryAppeal,
    StoryApproval,
    StoryArchiveEntry,
    StoryAttendance,
    StoryAuditEntry,
    StoryGrade,
    StoryJustification,
    StoryMark,
    StoryPlatformCandidate,
    StoryRegistration,
    StoryStudent,
    StoryTransfer,
)
from rules.story import kept_until, timeline

START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=4)
GRADED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return START + timedelta(days=days)


def rows(country: str = "SE", **parts: Any) -> CandidateRows:
    registration = StoryRegistration(
        registration_id=7,
        occasion_id="occ-1",
        occasion_name="Linear algebra",
        country=country,
        starts_at=START,
        ends_at=END,
        platform_test_id="t-1",
        student_uid="stu-1",
        code="LA-0007",
        status="registered",
        extra_time_minutes=30,
        updated_at=at(-20),
    )
    student = StoryStudent(uid="stu-1", name="Ada Lovelace", has_national_id=True, has_email=False)
    return CandidateRows(registration=registration, student=student, **parts)


PLATFORM = StoryPlatformCandidate(candidate_code="LA-0007", extra_time_minutes=30)
ATTENDED = StoryAttendance(
    status="present", started_at=START, ended_at=END + timedelta(minutes=30), extra_time_minutes=30
)
MARKS = (
    StoryMark(question=1, score=4, max_score=5, graders=(("Gustav Berg", 4.0), ("Greta Dahl", 3.5))),
    StoryMark(question=2, score=2.5, max_score=5),
)
GRADE = StoryGrade(grade="C", points=6.5, status="approved", source="platform", updated_at=GRADED)
APPROVED = StoryApproval(
    title="Approve the grades", decided_by="Eva Holm", decision="approve", decided_at=GRADED
)
CONFIRMED = StoryTransfer(
    grade="C",
    status="confirmed",
    created_at=at(11),
    updated_at=at(11.01),
    register_result_uid="res-9",
    error=None,
)
FAILED = StoryTransfer(
    grade="C",
    status="failed",
    created_at=at(11),
    updated_at=at(11),
    register_result_uid=None,
    error="the register refused the grade",
)
ASKED = StoryJustification(
    requested_on=date(2026, 3, 23), due_on=date(2026, 4, 6), given_on=date(2026, 3, 25), given_by="Eva Holm"
)
APPEAL = StoryAppeal(
    received_on=date(2026, 4, 1),
    status="decided",
    original_grade="C",
    new_grade="B",
    decided_at=at(30),
    committees=(("appeal", ("Arne Vik", "Astrid Moe")),),
)
FILED = StoryArchiveEntry(
    kind="paper", filename="paper-LA-0007.json", case_id="case-1", sha256="ab" * 32, archived_at=at(12)
)
AUDITED = StoryAuditEntry(
    at=at(21),
    actor="staff-coordinator-1",
    action="appeal.received",
    seq=41,
    detail={"appeal_id": 3, "candidate": "LA-0007"},
)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({}, ["Registered for Linear algebra under the code LA-0007"]),
        (
            {"platform": PLATFORM, "attendance": ATTENDED, "marks": MARKS},
            [
                "Registered for Linear algebra under the code LA-0007",
                "A candidate on the platform's test as LA-0007",  # at the start, before attendance
                "Attendance: present",
                "Marked: 6.5 of 10 on 2 questions",  # at the candidate's own end
            ],
        ),
        (
            {"grade": GRADE, "approvals": (APPROVED,), "transfers": (CONFIRMED,)},
            [
                "Registered for Linear algebra under the code LA-0007",
                "Grade C",  # the grade before its approval at the same instant
                "Approval: Approve the grades",
                "Grade C sent to Ladok",
                "Ladok confirmed grade C",
            ],
        ),
        (
            {"transfers": (FAILED,), "archive": (FILED,), "audit": (AUDITED,)},
            [
                "Registered for Linear algebra under the code LA-0007",
                "Grade C sent to Ladok",
                "The transfer failed",  # the sending first at the same instant
                "Archived: paper-LA-0007.json",
                "Audit log: appeal received",
            ],
        ),
        (
            {"justification": ASKED, "appeal": APPEAL},
            [
                "Registered for Linear algebra under the code LA-0007",
                "Justification requested",
                "Justification given",
                "Appeal received",
                "Appeal decided: grade B (was C)",
            ],
        ),
    ],
)
def test_the_rows_are_merged_in_the_order_things_happened(parts: dict[str, Any], expected: list[str]) -> None:
    assert [e.what for e in timeline(rows(**parts))] == expected


@pytest.mark.parametrize(
    ("parts", "what", "detail"),
    [
        ({"platform": PLATFORM}, "A candidate on the platform's test as LA-0007", "30 minutes' extra time"),
        (
            {"marks": MARKS},
            "Marked: 6.5 of 10 on 2 questions",
            "question 1: 4 of 5 (Gustav Berg 4, Greta Dahl 3.5); question 2: 2.5 of 5",
        ),
        ({"grade": GRADE}, "Grade C", "6.5 points, approved, from the platform"),
        ({"approvals": (APPROVED,)}, "Approval: Approve the grades", "approved by Eva Holm"),
        ({"transfers": (CONFIRMED,)}, "Ladok confirmed grade C", "its result res-9"),
        (
            {"appeal": APPEAL},
            "Appeal decided: grade B (was C)",
            "by the committee appeal: Arne Vik, Astrid Moe",
        ),
        ({"archive": (FILED,)}, "Archived: paper-LA-0007.json", f"paper in case case-1, SHA-256 {'ab' * 32}"),
        (
            {"audit": (AUDITED,)},
            "Audit log: appeal received",
            "by staff-coordinator-1, entry 41 (appeal id: 3; candidate: LA-0007)",
        ),
    ],
)
def test_each_event_reads_as_words(parts: dict[str, Any], what: str, detail: str) -> None:
    found = {e.what: e.detail for e in timeline(rows(**parts))}
    assert found[what] == detail


def test_a_norwegian_exam_names_the_register_plainly() -> None:
    assert [e.system for e in timeline(rows("NO", transfers=(CONFIRMED,)))][-1] == "the student register"


def test_the_marks_lie_at_the_exams_end_without_attendance() -> None:
    marked = next(e for e in timeline(rows(marks=MARKS)) if e.what.startswith("Marked"))
    assert marked.at == END


def test_audit_details_show_lists_as_words_not_reprs() -> None:
    entry = AUDITED.model_copy(update={"detail": {"members": ["staff-appeal-1", "staff-appeal-ext-1"]}})
    (event,) = [e for e in timeline(rows(audit=(entry,))) if e.what.startswith("Audit")]
    assert event.detail.endswith("(members: staff-appeal-1, staff-appeal-ext-1)")
    assert "[" not in event.detail and "'" not in event.detail


@pytest.mark.parametrize(
    ("parts", "since"),
    [({"grade": GRADE}, GRADED), ({}, END)],  # counted from the grade, or from the exam's end
)
def test_each_kind_is_kept_its_period_from_the_grade(parts: dict[str, Any], since: datetime) -> None:
    kept = kept_until(rows(**parts), RETENTION)
    assert kept == {kind: (since + period).date() for kind, period in RETENTION.items()}


def test_the_timeline_ends_with_the_days_the_data_falls_due() -> None:
    retention = RETENTION | {"mails": timedelta(days=90), "answers": timedelta(days=90)}
    events = timeline(rows(grade=GRADE, audit=(AUDITED,)), retention)
    due = [(e.at.date(), e.detail) for e in events if e.what == "Due for deletion"]
    assert due == [
        ((GRADED + timedelta(days=90)).date(), "answers and papers on the platform, mails in the outbox"),
        (
            (GRADED + timedelta(days=730)).date(),
            "names, national ids and the exam's records in examflow, graders' notes",
        ),
        ((GRADED + timedelta(days=3650)).date(), "audit log details"),
    ]
    assert events[-3:] == [e for e in events if e.what == "Due for deletion"]


def test_a_retention_without_every_kind_is_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="retention: no period set for mails, audit"):
        kept_until(rows(), {k: v for k, v in RETENTION.items() if k not in ("mails", "audit")})
