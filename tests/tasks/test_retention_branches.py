"""retention's branches, fast, on the in-process fakes and a SQLite store: an exam not yet due, or
whose archive does not confirm its documents, or held, is left untouched; each kind is purged when
its own period has run and a run goes on where the last one stopped; a platform that is down
purges nothing of the answers; a legal hold is placed and lifted by the exam's coordinator only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from integrations.http import Unavailable
from models.domain import ArchivedDocument, PlatformCandidate
from models.retention import LegalHoldRequest, RetentionOutcome
from store import archive, audit
from store.db import transaction
from store.schema import AuditEvent, Grade, LegalHold, Occasion, RetentionPurge, StaffRole, Student
from tasks.retention import retain_exam, set_legal_hold
from tests.conftest import examflow_environment
from tests.factories import T0, a_registration, an_occasion
from tests.fakes import FakeSystems

GRADED = T0 + timedelta(days=10)
YEARS_ON = GRADED + timedelta(days=3651)
OCCASION = "occ-1"
CODES = ("LA-001", "LA-002")


def an_archived_exam(fakes: FakeSystems) -> None:
    """Two graded candidates, on the platform's test and audited by name, the exam's protocol filed
    in the archive with our checksum."""
    test = fakes.inspera.upsert_test(
        external_test_id=OCCASION,
        title="LA",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=4),
        duration_minutes=240,
    )
    fakes.inspera.add_candidates(
        test.test_id,
        [PlatformCandidate(external_user_id=f"stu-{n}", candidate_code=c) for n, c in enumerate(CODES)],
    )
    case_id = fakes.noark.case_file(title=f"Exam LA ({OCCASION})")
    filed = fakes.noark.file_document(
        case_id=case_id,
        kind="protocol",
        title="protocol.csv",
        filename="protocol.csv",
        content=b"x",
        mime_type="text/csv",
    )
    with transaction() as session:
        session.add(an_occasion(OCCASION, status="archived", platform_test_id=test.test_id))
        for n, code in enumerate(CODES):
            session.add(
                Student(
                    uid=f"stu-{n}",
                    first_name="Ada",
                    last_name=f"Lovelace{n}",
                    national_id=f"1990010{n}-1234",
                    email=None,
                )
            )
            session.flush()
            registration = a_registration(f"stu-{n}", code, OCCASION)
            session.add(registration)
            session.flush()
            session.add(
                Grade(
                    registration_id=registration.id,
                    occasion_id=OCCASION,
                    grade="B",
                    status="approved",
                    points=40.0,
                    percent=80.0,
                    exam_date=T0.date(),
                    updated_at=GRADED,
                )
            )
            audit.record(
                session,
                actor="staff-examiner-1",
                action="candidate.noted",
                occasion_id=OCCASION,
                detail={"student": f"Ada Lovelace{n}", "uid": f"stu-{n}", "code": code},
            )
        archive.save(session, occasion_id=OCCASION, kind="protocol", filename="protocol.csv", document=filed)


def purged() -> dict[str, dict[str, int]]:
    with transaction() as session:
        return {p.kind: p.counts for p in session.scalars(select(RetentionPurge))}


def details() -> list[dict[str, object]]:
    with transaction() as session:
        query = (
            select(AuditEvent.detail).where(AuditEvent.action == "candidate.noted").order_by(AuditEvent.seq)
        )
        return list(session.scalars(query))


def test_an_exam_whose_periods_have_not_run_is_left_and_says_when_the_first_falls_due(
    fakes: FakeSystems,
) -> None:
    an_archived_exam(fakes)
    done = retain_exam.fn(OCCASION, GRADED + timedelta(days=364))
    assert done.outcome == RetentionOutcome.NOT_DUE
    assert done.next_due == GRADED + timedelta(days=365)
    assert purged() == {}


def test_an_exam_the_archive_does_not_confirm_is_left_naming_the_document(fakes: FakeSystems) -> None:
    an_archived_exam(fakes)
    [case] = fakes.noark.documents_of
    held = fakes.noark.documents_of[case][0]
    fakes.noark.documents_of[case][0] = ArchivedDocument(**{**held.model_dump(), "sha256": "0" * 64})
    done = retain_exam.fn(OCCASION, YEARS_ON)
    assert done.outcome == RetentionOutcome.UNCONFIRMED
    assert done.reason == "the archive does not hold protocol.csv with our checksum"
    assert purged() == {} and fakes.inspera.tests


def test_an_exam_examflow_does_not_hold_is_refused_naming_it(fakes: FakeSystems) -> None:
    with pytest.raises(LookupError, match="retention: no exam occ-9 in examflow's store"):
        retain_exam.fn("occ-9", YEARS_ON)


def test_an_exam_not_archived_is_left_whatever_its_archive_holds(fakes: FakeSystems) -> None:
    an_archived_exam(fakes)
    with transaction() as session:
        session.get_one(Occasion, OCCASION).status = "graded"
    done = retain_exam.fn(OCCASION, YEARS_ON)
    assert (done.outcome, done.reason) == (RetentionOutcome.UNCONFIRMED, "occ-1 is graded, not archived")
    assert purged() == {}


def test_each_kind_is_purged_when_its_own_period_has_run_and_a_later_run_goes_on(fakes: FakeSystems) -> None:
    an_archived_exam(fakes)
    with examflow_environment({"EXAMFLOW_RETENTION": "personal=30d,mails=30d"}):
        first = retain_exam.fn(OCCASION, GRADED + timedelta(days=30))
        assert first.kinds == ["mails", "personal"]
        assert first.next_due == GRADED + timedelta(days=730)
        # names and ids reduced to the codes in the audit details; their other fields kept
        assert details() == [
            {"student": "LA-001", "uid": "LA-001", "code": "LA-001"},
            {"student": "LA-002", "uid": "LA-002", "code": "LA-002"},
        ]
        assert fakes.inspera.tests  # the answers' period has not run
        second = retain_exam.fn(OCCASION, YEARS_ON)
    assert second.kinds == ["answers", "notes", "audit"]
    assert second.next_due is None
    assert details() == [{"codes": ["LA-001"]}, {"codes": ["LA-002"]}]
    assert purged()["answers"] == {"platform_candidates": 2, "platform_tests": 1, "choice_answers": 0}
    assert not fakes.inspera.tests


def test_a_platform_that_is_down_purges_nothing_of_the_answers_and_the_next_run_does(
    fakes: FakeSystems,
) -> None:
    an_archived_exam(fakes)
    fakes.unavailable("inspera", calls=1)
    with pytest.raises(Unavailable):
        retain_exam.fn(OCCASION, YEARS_ON)
    assert purged() == {} and fakes.inspera.tests
    done = retain_exam.fn(OCCASION, YEARS_ON)
    assert done.outcome == RetentionOutcome.PURGED and set(purged()) == set(done.kinds)
    with transaction() as session:
        events = session.scalar(select(func.count()).where(AuditEvent.action == "retention.purged"))
        assert session.scalar(select(func.count()).select_from(Grade)) == 2
    assert events == 5


def hold(action: str, staff_id: str = "staff-coordinator-1", occasion: str = OCCASION) -> LegalHoldRequest:
    return LegalHoldRequest(
        occasion_uid=occasion, action=action, kind="case", reason="a court case", staff_id=staff_id
    )


def test_a_hold_placed_by_the_coordinator_stops_retention_until_lifted(fakes: FakeSystems) -> None:
    an_archived_exam(fakes)
    assert set_legal_hold.fn(hold("place"), YEARS_ON) == "case hold 1 placed"
    held = retain_exam.fn(OCCASION, YEARS_ON)
    assert held.outcome == RetentionOutcome.HELD
    assert (
        held.reason == f"case held by staff-coordinator-1 since {YEARS_ON.date().isoformat()}: a court case"
    )
    assert purged() == {}
    assert set_legal_hold.fn(hold("lift"), YEARS_ON) == "1 case hold(s) lifted"
    assert retain_exam.fn(OCCASION, YEARS_ON).outcome == RetentionOutcome.PURGED
    with transaction() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.detail)
            .where(AuditEvent.action.like("legal_hold.%"))
            .order_by(AuditEvent.seq)
        ).all()
    # purged of every kind, audit details included: the holds' own details are kept
    assert [tuple(e) for e in events] == [
        ("legal_hold.placed", {"kind": "case", "holds": 1}),
        ("legal_hold.lifted", {"kind": "case", "holds": 1}),
    ]


@pytest.mark.parametrize(
    ("request_", "error", "message"),
    [
        (hold("place", "staff-grader-1"), PermissionError, "staff-grader-1 is not a coordinator of the exam"),
        (hold("place", occasion="occ-9"), ValueError, "no exam occ-9 in examflow's store"),
    ],
)
def test_a_hold_from_one_who_is_not_the_exams_coordinator_is_refused_with_nothing_written(
    fakes: FakeSystems, request_: LegalHoldRequest, error: type[Exception], message: str
) -> None:
    an_archived_exam(fakes)
    with pytest.raises(error, match=f"legal hold on {request_.occasion_uid}: {message}"):
        set_legal_hold.fn(request_, YEARS_ON)
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(LegalHold)) == 0
        assert session.scalar(select(func.count()).where(AuditEvent.action.like("legal_hold.%"))) == 0
        assert session.scalar(select(func.count()).select_from(StaffRole)) > 0  # the sample staff are there
