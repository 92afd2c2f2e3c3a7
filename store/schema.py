"""examflow's own record of every exam: SQLAlchemy 2.0 typed tables.

Natural keys come from the register (occasion, student, module uids); a registration is the
pair (occasion, student) and everything graded hangs off it. Schema changes go through the
Alembic migrations in `store/migrations`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC on every backend, read back as aware UTC: SQLite keeps no zone."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: examflow stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, str: String(255), datetime: UtcDateTime}


class Occasion(Base):
    __tablename__ = "occasions"

    id: Mapped[str] = mapped_column(primary_key=True, comment="the register's occasion uid")
    name: Mapped[str]
    country: Mapped[str] = mapped_column(String(2))
    exam_type: Mapped[str]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    scale: Mapped[str] = mapped_column(comment="grade scale name, e.g. A-F")
    register_scale_id: Mapped[int]
    credits: Mapped[float]
    code_prefix: Mapped[str] = mapped_column(String(16))
    platform_test_id: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(32), default="planned")
    updated_at: Mapped[datetime]


class CourseRound(Base):
    __tablename__ = "course_rounds"

    uid: Mapped[str] = mapped_column(primary_key=True)
    code: Mapped[str]
    scale_id: Mapped[int]


class Module(Base):
    """A module (moment) of a course version; the course rounds of one version share it."""

    __tablename__ = "modules"

    uid: Mapped[str] = mapped_column(primary_key=True)
    code: Mapped[str]
    name: Mapped[str]
    credits: Mapped[float]
    scale_id: Mapped[int]
    reportable: Mapped[bool]


class CourseRoundModule(Base):
    __tablename__ = "course_round_modules"

    course_round_uid: Mapped[str] = mapped_column(ForeignKey("course_rounds.uid"), primary_key=True)
    module_uid: Mapped[str] = mapped_column(ForeignKey("modules.uid"), primary_key=True)


class OccasionModule(Base):
    __tablename__ = "occasion_modules"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    module_uid: Mapped[str] = mapped_column(ForeignKey("modules.uid"), primary_key=True)


class Student(Base):
    __tablename__ = "students"

    uid: Mapped[str] = mapped_column(primary_key=True)
    first_name: Mapped[str]
    last_name: Mapped[str]
    national_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None]


class Registration(Base):
    """A student on an occasion, under an anonymisation code that never changes once shown."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("occasion_id", "student_uid"),
        UniqueConstraint("occasion_id", "anonymisation_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    student_uid: Mapped[str] = mapped_column(ForeignKey("students.uid"))
    study_result_uid: Mapped[str]
    course_round_uid: Mapped[str]
    module_uid: Mapped[str]
    anonymisation_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    extra_time_minutes: Mapped[int] = mapped_column(default=0)
    separate_room: Mapped[bool] = mapped_column(default=False)
    equipment: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[datetime]


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    email: Mapped[str]
    external: Mapped[bool] = mapped_column(default=False)


class StaffRole(Base):
    """A role held by a person, for one occasion or (occasion_id empty) for every occasion."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role", "occasion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    role: Mapped[str] = mapped_column(String(32))
    occasion_id: Mapped[str] = mapped_column(default="")


class Committee(Base):
    __tablename__ = "committees"
    __table_args__ = (UniqueConstraint("occasion_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(16), default="grading")


class CommitteeMember(Base):
    __tablename__ = "committee_members"

    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)


class CommitteeCandidate(Base):
    __tablename__ = "committee_candidates"

    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)


class ConflictOfInterest(Base):
    """A grader's declared conflict with a student: never in the same committee."""

    __tablename__ = "conflicts_of_interest"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    student_uid: Mapped[str] = mapped_column(ForeignKey("students.uid"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(500), default="")


class ExamSettings(Base):
    """How one exam is graded (models.grading.GradingSettings as JSON)."""

    __tablename__ = "exam_settings"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class SimilarityReport(Base):
    """The similarity service's report on one candidate's text answers."""

    __tablename__ = "similarity_reports"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    document_id: Mapped[str]
    status: Mapped[str] = mapped_column(String(16), comment="pending or done")
    percent: Mapped[float | None]
    checked_at: Mapped[datetime]


class Question(Base):
    __tablename__ = "questions"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(primary_key=True)
    number: Mapped[int]
    max_score: Mapped[float]
    weight: Mapped[float]  # 0 once the question is voided
    kind: Mapped[str] = mapped_column(
        String(16), default="manual", server_default="manual", comment="choice (auto-scored) or manual"
    )
    accepted: Mapped[str | None] = mapped_column(
        String(200), comment="a choice question's accepted alternatives once its key is corrected"
    )


class Mark(Base):
    __tablename__ = "marks"
    # A rescore reads one question's marks in candidate order; they lie together, as store.grading
    # writes marks question by question.
    __table_args__ = (Index("ix_marks_question", "occasion_id", "question_id", "registration_id"),)

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    auto_score: Mapped[float | None]
    manual_score: Mapped[float | None]
    score: Mapped[float]
    response: Mapped[str | None] = mapped_column(String(200), comment="a choice question's answer")


class MarkRevision(Base):
    """The revision of an occasion's marks and questions, moved on by database triggers on `marks`
    (migration 0006) and `questions` (0007) at every insert, update or delete, whoever writes it (our
    store functions or raw SQL); examflow's code only reads it. No row: no mark was ever written."""

    __tablename__ = "mark_revisions"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, comment="moved on by triggers on marks at every write")
    totals_revision: Mapped[int | None] = mapped_column(
        BigInteger, comment="the revision at which point_totals were last made equal to the marks"
    )


class PointTotal(Base):
    """A candidate's points, the weighted sum of every mark they hold, unrounded: kept so that a rescore
    takes them instead of summing all the marks of every candidate it moves (store/point_totals.py).
    Trusted only while the occasion's `MarkRevision.totals_revision` equals its revision."""

    __tablename__ = "point_totals"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), index=True)
    points: Mapped[float]


class GraderMark(Base):
    """One grader's score of one answer, kept apart so a grader approves their own before seeing others'."""

    __tablename__ = "grader_marks"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(primary_key=True)
    staff_id: Mapped[str] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    score: Mapped[float]


class GraderNote(Base):
    """A grader's note on a candidate (and question, '' for the whole paper): private, or meant for a
    justification."""

    __tablename__ = "grader_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    question_id: Mapped[str] = mapped_column(default="")
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    purpose: Mapped[str] = mapped_column(String(16), comment="private or justification")
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime]


class Attendance(Base):
    __tablename__ = "attendance"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    extra_time_minutes: Mapped[int] = mapped_column(default=0)


class Grade(Base):
    """The current grade of a registration; `status` moves proposed → approved."""

    __tablename__ = "grades"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    points: Mapped[float | None]
    percent: Mapped[float | None]
    grade: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    exam_date: Mapped[date | None]
    updated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(
        String(16), default="platform", server_default="platform", comment="platform or spreadsheet"
    )


class Approval(Base):
    """One decision asked of a person; `key` makes asking again on a replay a no-op."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(unique=True)
    occasion_id: Mapped[str]
    kind: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    flow_run_id: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(500), default="", server_default="")
    ui_url: Mapped[str | None] = mapped_column(String(500))
    restart: Mapped[str] = mapped_column(
        Text, default="", server_default="", comment="how to start the run again, should it expire"
    )
    expires_at: Mapped[datetime | None] = mapped_column(comment="empty only on approvals opened before 0009")
    reminded_at: Mapped[datetime | None]
    wrong_answers: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="answers without a valid code since the codes were issued"
    )


class ApprovalCode(Base):
    """A one-time code sent to one approver; only its hash is stored."""

    __tablename__ = "approval_codes"
    __table_args__ = (UniqueConstraint("approval_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApprovalAnswer(Base):
    """Every answer given to an approval form, accepted or not, keyed by the form's round."""

    __tablename__ = "approval_answers"

    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"), primary_key=True)
    round: Mapped[int] = mapped_column(primary_key=True)
    approver_id: Mapped[str]
    decision: Mapped[str] = mapped_column(String(16))
    accepted: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(500), default="")
    answered_at: Mapped[datetime]
    code_holder: Mapped[str | None] = mapped_column(
        comment="whose valid code the answer carried, spent by it"
    )
    content: Mapped[dict[str, Any] | None] = mapped_column(
        comment="an accepted answer's fields, its code left out"
    )


class TransferLedgerEntry(Base):
    """Written and committed before each write to the register; confirmed after read-back."""

    __tablename__ = "transfer_ledger"
    __table_args__ = (Index("ix_transfer_ledger_occasion_status", "occasion_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(unique=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    grade: Mapped[str] = mapped_column(String(8))
    exam_date: Mapped[date]
    status: Mapped[str] = mapped_column(
        String(16), comment="pending, confirmed, stale (superseded by a re-read) or failed"
    )
    register_result_uid: Mapped[str | None]
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    received_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    original_grade: Mapped[str] = mapped_column(String(8))
    new_grade: Mapped[str | None] = mapped_column(String(8))
    decided_at: Mapped[datetime | None]


class ArchiveRecord(Base):
    __tablename__ = "archive_records"
    __table_args__ = (UniqueConstraint("occasion_id", "filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str]
    case_id: Mapped[str]
    document_id: Mapped[str]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    archived_at: Mapped[datetime]


class AuditEvent(Base):
    """An event of the audit log, chained to the one before it (store/audit_chain.py); on PostgreSQL
    the table refuses UPDATE, DELETE and TRUNCATE (migration 0010)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_occasion", "occasion_id"),
        Index("ix_audit_log_seq", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(64))
    occasion_id: Mapped[str | None]
    detail: Mapped[dict[str, Any]]
    seq: Mapped[int] = mapped_column(BigInteger, comment="place in the hash chain: 1, 2, 3, ...")
    prev_hash: Mapped[str] = mapped_column(String(64))
    detail_digest: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the detail's canonical JSON")
    hash: Mapped[str] = mapped_column(String(64))
    purged_at: Mapped[datetime | None] = mapped_column(
        comment="when retention reduced its detail; its digest is kept"
    )


class OutboxMessage(Base):
    """A notification to a person, delivered as a file in the local mail folder."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str]
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(String(10000))
    created_at: Mapped[datetime]
    delivered_path: Mapped[str | None] = mapped_column(String(1000))
    occasion_id: Mapped[str | None] = mapped_column(comment="the exam a student's mail is about")


class Lock(Base):
    """A named lease held by one process until it ends or expires (e.g. one transfer per exam)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(primary_key=True)
    holder: Mapped[str]
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class JustificationRecord(Base):
    """A student's request for the grounds of their grade, and the examiner's answer."""

    __tablename__ = "justifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    requested_on: Mapped[date]
    due_on: Mapped[date]
    given_on: Mapped[date | None]
    given_by: Mapped[str | None]
    text: Mapped[str | None] = mapped_column(String(10000))


class RegisterRequestRecord(Base):
    """A request for a justification or an appeal read from the register's data (Norway: FS),
    recorded before its flow run is started so that each request is started once."""

    __tablename__ = "register_requests"
    __table_args__ = (
        UniqueConstraint("occasion_id", "request_id"),
        UniqueConstraint("registration_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    request_id: Mapped[str] = mapped_column(String(64), comment="the register's id of the request")
    kind: Mapped[str] = mapped_column(String(16), comment="justification or appeal")
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    received_on: Mapped[date]
    flow_run_id: Mapped[str | None] = mapped_column(
        String(36), comment="the justification or appeal run started for it; empty until started"
    )
    recorded_at: Mapped[datetime]


class AccommodationDecision(Base):
    """A decision on support at exams (extra time, own room, equipment) for a student, valid over
    a period. In Sweden it comes from the support office through a coordinator (file or form), not
    from the register; the sync joins the decisions valid on an exam's day into its extra time."""

    __tablename__ = "accommodation_decisions"
    __table_args__ = (Index("ix_accommodation_decisions_student", "student_uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_uid: Mapped[str] = mapped_column(comment="the register's student uid")
    granted: Mapped[bool] = mapped_column(comment="granted, or refused (kept, never joined)")
    extra_time_minutes: Mapped[int]
    separate_room: Mapped[bool]
    equipment: Mapped[str] = mapped_column(String(500))
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    source: Mapped[str] = mapped_column(comment="the imported file's name, or 'form'")
    entered_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class Room(Base):
    """A room the exam office keeps for exams (its rooms file): seats, seats with a power outlet,
    whether it is for candidates who write apart, and the loan PCs it keeps for its building."""

    __tablename__ = "rooms"

    code: Mapped[str] = mapped_column(String(100), primary_key=True, comment="the room's name, e.g. Q21")
    building: Mapped[str] = mapped_column(String(100))
    seats: Mapped[int]
    power_seats: Mapped[int]
    separate_room: Mapped[bool]
    loan_pcs: Mapped[int]
    source: Mapped[str] = mapped_column(comment="the rooms file it was read from")
    updated_at: Mapped[datetime]


class RoomBooking(Base):
    """A room booked for an exam, from its start to its end with the most extra time in the room."""

    __tablename__ = "room_bookings"
    __table_args__ = (
        UniqueConstraint("occasion_id", "room_code"),
        Index("ix_room_bookings_room", "room_code", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    room_code: Mapped[str] = mapped_column(String(100), ForeignKey("rooms.code"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class SeatAssignment(Base):
    """A candidate's seat in the exam's seating plan."""

    __tablename__ = "seat_assignments"
    __table_args__ = (UniqueConstraint("occasion_id", "room_code", "seat"),)

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    room_code: Mapped[str] = mapped_column(String(100), ForeignKey("rooms.code"))
    seat: Mapped[int]
    power: Mapped[bool] = mapped_column(comment="the seat has a power outlet")


class LoanPcApplication(Base):
    """A candidate's application for a loan PC at an exam, and the exam office's decision."""

    __tablename__ = "loan_pc_applications"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), index=True)
    applied_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), comment="applied, granted or refused")
    building: Mapped[str] = mapped_column(String(100), default="", comment="whose pool lends it")
    reason: Mapped[str] = mapped_column(String(200), default="", comment="why it was refused")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]


class ExamDuty(Base):
    """A person on duty at an exam: an invigilator of a room, or IT support of a building."""

    __tablename__ = "exam_duties"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    duty: Mapped[str] = mapped_column(String(16), comment="invigilator or it_support")
    place: Mapped[str] = mapped_column(String(100), comment="the room (invigilator) or building (IT support)")


class ExamFormRecord(Base):
    """The form an exam is planned in (the policy's forms: campus written, digital on campus, ...)."""

    __tablename__ = "exam_forms"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    form: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime]


class Dispensation(Base):
    """A request to sit an exam in a form the policy allows only by dispensation: the criteria the
    programme director answered and the vice-rector's decision."""

    __tablename__ = "dispensations"
    __table_args__ = (Index("ix_dispensations_occasion", "occasion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    form: Mapped[str] = mapped_column(String(32))
    scenario: Mapped[str] = mapped_column(String(32), comment="the scenario in force on the exam's day")
    answers: Mapped[dict[str, Any]] = mapped_column(
        comment="the criteria answered and the evidence's reference"
    )
    presented_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), comment="granted or refused")
    decided_by: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(String(2000), default="")
    decided_at: Mapped[datetime]


class ExtraSitting(Base):
    """An extra distance sitting the policy requires of an exam sitting on campus, planned once per
    exam and scenario; its day and register occasion are the exam office's to set."""

    __tablename__ = "extra_sittings"
    __table_args__ = (UniqueConstraint("occasion_id", "scenario"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    form: Mapped[str] = mapped_column(String(32), comment="the form of the extra sitting")
    scenario: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(1000))
    planned_by: Mapped[str] = mapped_column(String(64), comment="the flow that planned it")
    planned_at: Mapped[datetime]


class DigitalApplication(Base):
    """A course responsible's application for a digital exam, and the exam office's decision."""

    __tablename__ = "digital_applications"
    __table_args__ = (Index("ix_digital_applications_occasion", "occasion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(comment="the register's occasion uid (planned or not)")
    applicant_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    form: Mapped[str] = mapped_column(String(32))
    students: Mapped[int] = mapped_column(comment="the students the applicant expects at the sitting")
    reason: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), comment="pending, approved or rejected")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(String(2000))
    applied_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class DigitalShare(Base):
    """The digital share of one term as recorded: sittings and registrations on the platform
    against all of them."""

    __tablename__ = "digital_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(8), comment="e.g. HT2026")
    sittings: Mapped[int]
    digital_sittings: Mapped[int]
    registrations: Mapped[int]
    digital_registrations: Mapped[int]
    recorded_at: Mapped[datetime]


class GraderTimesheet(Base):
    """A grader's claim for pay on one exam: submitted, then approved (or rejected) by the institute's
    administrator, exported to the HR system's import file, and marked paid (or returned) by HR.
    Hours are kept in hundredths and money in cents (øre, öre), exact on every backend."""

    __tablename__ = "grader_timesheets"
    __table_args__ = (Index("ix_grader_timesheets_occasion", "occasion_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(
        unique=True, comment="the submitting run's id: a replay submits nothing new"
    )
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff.id"))
    hr_system: Mapped[str] = mapped_column(String(16), comment="paga (Norway) or primula (Sweden)")
    currency: Mapped[str] = mapped_column(String(3))
    rate_cents: Mapped[int] = mapped_column(comment="the hourly rate at submission, in cents")
    hundredths: Mapped[int] = mapped_column(comment="the hours claimed, in hundredths")
    top_up_hundredths: Mapped[int] = mapped_column(comment="hours added to reach the minimum fee")
    amount_cents: Mapped[int]
    status: Mapped[str] = mapped_column(
        String(16), comment="submitted, approved, rejected, exported, paid or returned"
    )
    submitted_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64), comment="the administrator who decided")
    decided_at: Mapped[datetime | None]
    export_file: Mapped[str | None] = mapped_column(String(500))
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None]
    settled_by: Mapped[str | None] = mapped_column(
        String(64), comment="HR's person who marked it paid or returned"
    )
    settled_at: Mapped[datetime | None]


class GraderClaimLine(Base):
    """One line of a timesheet: hours on a candidate, a question set, an appeal or a justification."""

    __tablename__ = "grader_claim_lines"

    timesheet_id: Mapped[int] = mapped_column(ForeignKey("grader_timesheets.id"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), comment="candidate, question_set, appeal or justification")
    reference: Mapped[str] = mapped_column(String(32), comment="an anonymisation code, or question numbers")
    worked_on: Mapped[date]
    hundredths: Mapped[int]
    amount_cents: Mapped[int]


class ExamSecret(Base):
    """An exam's security settings for the platform; its passwords are Fernet tokens under a key
    made from examflow's secret (store.exam_secrets), never plain text."""

    __tablename__ = "exam_secrets"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    lockdown_browser: Mapped[bool]
    start_password: Mapped[str | None] = mapped_column(Text, comment="encrypted")
    quit_password: Mapped[str | None] = mapped_column(Text, comment="encrypted")
    sent_at: Mapped[datetime | None] = mapped_column(comment="when the passwords were mailed to invigilators")
    updated_at: Mapped[datetime]


class AnonymisationCode(Base):
    """Every anonymisation code ever given, by term: a number under a prefix is given once a term,
    whichever exam it was given on."""

    __tablename__ = "anonymisation_codes"
    __table_args__ = (
        UniqueConstraint("term", "prefix", "number"),
        UniqueConstraint("occasion_id", "student_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(8), comment="e.g. VT2027 or HT2027, from the exam's date")
    prefix: Mapped[str] = mapped_column(String(16))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    student_uid: Mapped[str]


class RegisterCursor(Base):
    """How far examflow has read a register's events (Norway: FS's `studenthendelser`), so that
    the next poll reads on from there."""

    __tablename__ = "register_cursors"

    register: Mapped[str] = mapped_column(String(32), primary_key=True, comment="whose events: a country")
    cursor: Mapped[str] = mapped_column(String(512), comment="the register's own, opaque")
    updated_at: Mapped[datetime]


class ExamDayEvent(Base):
    """What happened to a candidate on exam day as entered by staff: an incident's minutes given
    back, or a scanned sketch attached to the submission. `key` makes an entry once only (an
    incident's run, a sketch's file name), so a replayed run records nothing twice."""

    __tablename__ = "exam_day_events"
    __table_args__ = (UniqueConstraint("occasion_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    kind: Mapped[str] = mapped_column(String(16), comment="incident or sketch")
    key: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=0, comment="an incident's minutes given back")
    reason: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str | None] = mapped_column(String(64), comment="a sketch's file")
    attachment_id: Mapped[str | None] = mapped_column(String(64), comment="a sketch's id on the platform")
    entered_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]

class LegalHold(Base):
    """A hold that stops retention purging an exam: a complaint, or a case the coordinator marks;
    in force until lifted."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_occasion", "occasion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"))
    kind: Mapped[str] = mapped_column(String(16), comment="complaint or case")
    reason: Mapped[str] = mapped_column(String(1000))
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime]
    lifted_by: Mapped[str | None] = mapped_column(String(64))
    lifted_at: Mapped[datetime | None]


class RetentionPurge(Base):
    """One kind of an exam's data purged by retention, with what was purged, counted."""

    __tablename__ = "retention_purges"

    occasion_id: Mapped[str] = mapped_column(ForeignKey("occasions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(16), primary_key=True, comment="the kind of data (settings: retention)"
    )
    purged_at: Mapped[datetime]
    counts: Mapped[dict[str, Any]] = mapped_column(comment="what was purged, counted; never the data")
