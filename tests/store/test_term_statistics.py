"""The term in numbers read in bulk from the store, on SQLite and PostgreSQL: only current
registrations and approved grades count, a course is named by its modules, and a result's
publication is the first time it was confirmed in the register."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store import term_statistics as read
from store.db import transaction
from store.schema import Appeal, ExamFormRecord, Grade, Module, OccasionModule, TransferLedgerEntry
from tests.factories import a_registration, a_student, an_occasion

ALGEBRA_2025 = datetime(2025, 3, 2, 7, tzinfo=UTC)
ALGEBRA_2026 = datetime(2026, 3, 2, 7, tzinfo=UTC)
DATABASES_2026 = datetime(2026, 3, 9, 7, tzinfo=UTC)


def _grades(session: Session, occasion_id: str, given: str) -> list[int]:
    """A registration and an approved grade per grade in `given`; returns the registrations' ids."""
    ids = []
    for i, grade in enumerate(given.split()):
        uid = f"{occasion_id}-s{i}"
        session.add(a_student(uid))
        session.flush()
        registration = a_registration(uid, f"{occasion_id.upper()}-{i:03d}", occasion_id)
        session.add(registration)
        session.flush()
        ids.append(registration.id)
        session.add(
            Grade(
                registration_id=registration.id,
                occasion_id=occasion_id,
                points=None,
                percent=None,
                grade=grade,
                status="approved",
                exam_date=None,
                updated_at=ALGEBRA_2025,
            )
        )
    return ids


def _confirmed(session: Session, occasion_id: str, registration_id: int, at: datetime, n: int) -> None:
    session.add(
        TransferLedgerEntry(
            idempotency_key=f"{occasion_id}-{registration_id}-{n}",
            occasion_id=occasion_id,
            registration_id=registration_id,
            grade="A",
            exam_date=at.date(),
            status="confirmed",
            register_result_uid=None,
            error=None,
            created_at=at,
            updated_at=at,
        )
    )


def a_term(session: Session) -> None:
    """Algebra (Sweden, A-F, module MA101) in VT2025 and VT2026, Databases (Norway, P/F, no module,
    on the platform) in VT2026; one appeal decided; results published on 10 and 27 March 2026."""
    session.add(Module(uid="m-ma101", code="MA101", name="Algebra", credits=7.5, scale_id=2, reportable=True))
    session.add_all(
        [
            an_occasion(
                "alg-25", exam_type="paper", starts_at=ALGEBRA_2025, ends_at=ALGEBRA_2025 + timedelta(hours=4)
            ),
            an_occasion(
                "alg-26", exam_type="paper", starts_at=ALGEBRA_2026, ends_at=ALGEBRA_2026 + timedelta(hours=4)
            ),
            an_occasion(
                "db-26",
                name="Databases, digital exam",
                country="NO",
                exam_type="digital_school",
                scale="P/F",
                starts_at=DATABASES_2026,
                ends_at=DATABASES_2026 + timedelta(hours=4),
            ),
        ]
    )
    session.flush()
    session.add_all(OccasionModule(occasion_id=o, module_uid="m-ma101") for o in ("alg-25", "alg-26"))
    session.add(ExamFormRecord(occasion_id="db-26", form="digital_campus", recorded_at=ALGEBRA_2025))
    _grades(session, "alg-25", "A F E")
    algebra = _grades(session, "alg-26", "B C")
    databases = _grades(session, "db-26", "P P F")
    session.add(a_student("gone"))
    session.flush()
    session.add(a_registration("gone", "ALG-26-GONE", "alg-26", status="deregistered"))
    session.add(
        Appeal(
            occasion_id="db-26",
            registration_id=databases[2],
            received_on=date(2026, 3, 20),
            status="decided",
            original_grade="F",
            new_grade="P",
            decided_at=DATABASES_2026 + timedelta(days=20),
        )
    )
    published = datetime(2026, 3, 10, 12, tzinfo=UTC)
    _confirmed(session, "alg-26", algebra[0], published, 1)
    _confirmed(session, "alg-26", algebra[0], published + timedelta(days=5), 2)  # a later appeal's grade
    _confirmed(session, "alg-26", algebra[1], published, 1)
    _confirmed(session, "db-26", databases[0], datetime(2026, 3, 27, 12, tzinfo=UTC), 1)


def test_the_store_is_read_in_four_frames(engine: Engine) -> None:
    with transaction(engine) as session:
        a_term(session)
    with transaction(engine) as session:
        sittings = read.sittings(session)
        grades, appeals, published = read.grades(session), read.appeals(session), read.published(session)
    assert sittings[
        ["occasion_id", "course", "country", "form", "scale", "registrations"]
    ].values.tolist() == [
        ["alg-25", "MA101 Algebra", "SE", "", "A-F", 3],
        ["alg-26", "MA101 Algebra", "SE", "", "A-F", 2],
        ["db-26", "Databases, digital exam", "NO", "digital_campus", "P/F", 3],
    ]
    assert list(sittings["starts_at"]) == [ALGEBRA_2025, ALGEBRA_2026, DATABASES_2026]
    assert sorted(grades.itertuples(index=False, name=None)) == sorted(
        [("alg-25", "A"), ("alg-25", "F"), ("alg-25", "E"), ("alg-26", "B"), ("alg-26", "C")]
        + [("db-26", "P"), ("db-26", "P"), ("db-26", "F")]
    )
    assert appeals.values.tolist() == [["db-26", "decided", "F", "P"]]
    assert sorted(published.itertuples(index=False, name=None)) == [
        ("alg-26", datetime(2026, 3, 10, 12, tzinfo=UTC)),
        ("alg-26", datetime(2026, 3, 10, 12, tzinfo=UTC)),
        ("db-26", datetime(2026, 3, 27, 12, tzinfo=UTC)),
    ]


def test_proposed_grades_and_pending_transfers_are_not_counted(engine: Engine) -> None:
    with transaction(engine) as session:
        a_term(session)
        session.flush()
        for row in session.query(Grade).filter(Grade.occasion_id == "alg-25"):
            row.status = "proposed"
        for row in session.query(TransferLedgerEntry).filter(TransferLedgerEntry.occasion_id == "db-26"):
            row.status = "pending"
    with transaction(engine) as session:
        assert set(read.grades(session)["occasion_id"]) == {"alg-26", "db-26"}
        assert set(read.published(session)["occasion_id"]) == {"alg-26"}
