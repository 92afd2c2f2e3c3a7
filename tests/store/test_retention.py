"""Retention in the store, on SQLite and PostgreSQL: an audit detail reduced by retention keeps the
chain verifying while any other change to it is still found (and refused by PostgreSQL); the
holds that stop a purge; which exams retention looks at."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError

from store import audit, legal_holds
from store import retention as store
from store.db import transaction
from store.schema import Appeal, AuditEvent, RegisterRequestRecord, Registration, RetentionPurge
from store.verify_audit import verify
from tests.factories import T0, a_registration, a_student, an_occasion

AT = datetime(2030, 1, 1, tzinfo=UTC)


def an_exam(engine: Engine, occasion_id: str = "occ-1", status: str = "archived") -> int:
    """An exam with one candidate, audited once naming them; its registration id."""
    with transaction(engine) as session:
        session.add(an_occasion(occasion_id, status=status))
        if session.get(type(a_student("stu-1")), "stu-1") is None:
            session.add(a_student("stu-1"))
        session.flush()
        registration = a_registration("stu-1", f"{occasion_id}-001", occasion_id)
        session.add(registration)
        session.flush()
        audit.record(
            session,
            actor="staff-coordinator-1",
            action="candidate.contacted",
            occasion_id=occasion_id,
            detail={"student": "Ada Lovelace", "code": registration.anonymisation_code},
        )
        return registration.id


def rewrite(engine: Engine, **values: object) -> None:
    with transaction(engine) as session:
        session.execute(update(AuditEvent).values(**values))


def test_a_detail_reduced_by_retention_keeps_the_chain_intact(engine: Engine) -> None:
    an_exam(engine)
    with transaction(engine) as session:
        changed = store.rewrite_details(
            session, occasion_id="occ-1", at=AT, rewrite=lambda d: {**d, "student": "occ-1-001"}
        )
    assert changed == 1
    with transaction(engine) as session:
        assert verify(session).intact
        event = session.scalars(select(AuditEvent)).one()
    assert event.detail == {"student": "occ-1-001", "code": "occ-1-001"} and event.purged_at == AT


def test_a_detail_changed_without_the_purge_mark_is_still_found(engine: Engine) -> None:
    an_exam(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="the audit log is append-only: UPDATE"):
                with connection.begin_nested():
                    connection.execute(text("UPDATE audit_log SET detail = '{}'"))
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        connection.execute(text("UPDATE audit_log SET detail = '{}'"))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    with transaction(engine) as session:
        assert "holds a detail that does not match its digest" in (verify(session).broken or "")


def test_postgresql_lets_a_purge_change_the_detail_alone(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the refusal is PostgreSQL's trigger; on SQLite the chain shows the change")
    an_exam(engine)
    for changed in ({"actor": "someone"}, {"hash": "0" * 64}, {"detail_digest": "0" * 64}):
        with pytest.raises(DBAPIError, match="the audit log is append-only: UPDATE"):
            rewrite(engine, detail={}, purged_at=AT, **changed)
    with pytest.raises(DBAPIError, match="the audit log is append-only: DELETE"):
        with transaction(engine) as session:
            session.execute(text("DELETE FROM audit_log"))
    rewrite(engine, detail={}, purged_at=AT)
    with transaction(engine) as session:
        assert verify(session).intact


def test_a_hold_stands_until_lifted_and_an_undecided_appeal_holds_by_itself(engine: Engine) -> None:
    registration_id = an_exam(engine)
    with transaction(engine) as session:
        assert legal_holds.reasons(session, occasion_id="occ-1") == []
        legal_holds.place(
            session, occasion_id="occ-1", kind="case", reason="police inquiry", staff_id="staff-c", at=AT
        )
        session.add(
            Appeal(
                occasion_id="occ-1",
                registration_id=registration_id,
                received_on=date(2026, 2, 1),
                status="received",
                original_grade="C",
            )
        )
    with transaction(engine) as session:
        assert legal_holds.reasons(session, occasion_id="occ-1") == [
            "case held by staff-c since 2030-01-01: police inquiry",
            "appeal of occ-1-001 open since 2026-02-01",
        ]
        assert (
            legal_holds.lift(session, occasion_id="occ-1", kind="complaint", staff_id="staff-c", at=AT) == 0
        )
        assert legal_holds.lift(session, occasion_id="occ-1", kind="case", staff_id="staff-c", at=AT) == 1
        session.execute(update(Appeal).values(status="decided"))
    with transaction(engine) as session:
        assert legal_holds.reasons(session, occasion_id="occ-1") == []


def test_an_appeal_the_register_holds_holds_the_exam_until_its_run_takes_it_up(engine: Engine) -> None:
    registration_id = an_exam(engine)
    with transaction(engine) as session:
        session.add(
            RegisterRequestRecord(
                occasion_id="occ-1",
                request_id="klage-1",
                kind="appeal",
                registration_id=registration_id,
                received_on=date(2026, 2, 2),
                recorded_at=AT,
            )
        )
    with transaction(engine) as session:
        assert legal_holds.reasons(session, occasion_id="occ-1") == [
            "appeal of occ-1-001 received by the register on 2026-02-02"
        ]
        session.add(
            Appeal(
                occasion_id="occ-1",
                registration_id=registration_id,
                received_on=date(2026, 2, 2),
                status="decided",
                original_grade="C",
            )
        )
    with transaction(engine) as session:
        assert legal_holds.reasons(session, occasion_id="occ-1") == []


@pytest.mark.parametrize(
    ("kind", "reason", "message"),
    [("ban", "x", "kind 'ban' is not one of complaint, case"), ("case", " ", "a reason is required")],
)
def test_a_hold_without_a_known_kind_or_a_reason_is_refused(
    engine: Engine, kind: str, reason: str, message: str
) -> None:
    an_exam(engine)
    with pytest.raises(ValueError, match=f"legal hold on occ-1: {message}"):
        with transaction(engine) as session:
            legal_holds.place(session, occasion_id="occ-1", kind=kind, reason=reason, staff_id="s", at=AT)


def test_retention_looks_at_archived_exams_until_every_kind_is_purged(engine: Engine) -> None:
    an_exam(engine, "occ-1")
    an_exam(engine, "occ-2", status="graded")
    an_exam(engine, "occ-3")
    with transaction(engine) as session:
        for kind in ("mails", "answers"):
            session.add(RetentionPurge(occasion_id="occ-3", kind=kind, purged_at=AT, counts={}))
    with transaction(engine) as session:
        assert store.candidates(session, kinds=3) == ["occ-1", "occ-3"]
        assert store.candidates(session, kinds=2) == ["occ-1"]
        assert store.counted_from(session, occasion_id="occ-1") == T0.replace(hour=13)


def test_a_student_registered_for_another_exam_is_kept_for_it(engine: Engine) -> None:
    an_exam(engine, "occ-1")
    an_exam(engine, "occ-2")
    with transaction(engine) as session:
        counts = store.detach_students(session, occasion_id="occ-1")
    assert counts == {"candidates": 1, "students_deleted": 0, "students_kept_for_other_exams": 1}
    with transaction(engine) as session:
        counts = store.detach_students(session, occasion_id="occ-2")
        uids = dict(
            session.execute(select(Registration.occasion_id, Registration.student_uid)).tuples().all()
        )
    assert counts == {"candidates": 1, "students_deleted": 1, "students_kept_for_other_exams": 0}
    assert uids == {"occ-1": "purged:occ-1:occ-1-001", "occ-2": "purged:occ-2:occ-2-001"}
