"""The store functions the flows reach after grading, on SQLite and PostgreSQL (the flow tests run
on SQLite only): committees and conflicts, graders' notes, justifications and appeals, publication
read from the ledger, exam settings, archive records, register requests and the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from deployments.staff import seed_staff
from models.domain import ArchivedDocument
from models.grading import CommitteeRule, GradingSettings
from store import (
    appeals,
    archive,
    committees,
    exam_settings,
    justifications,
    notes,
    outbox,
    register_requests,
    transfer,
)
from store.appeals import AppealRefused
from store.db import transaction
from store.schema import ArchiveRecord, Grade
from tests.store.test_rescoring import OCC, publish, seed

EXAMINER, EXTERNAL = "staff-examiner-1", "staff-grader-ext-1"


def graded(engine: Engine) -> dict[str, int]:
    """The graded exam of tests/store/test_rescoring.py (Swedish), with the office's staff."""
    ids = seed(engine)
    with transaction(engine) as session:
        seed_staff(session)
    return ids


def test_committees_keep_their_first_composition_candidates_and_conflicts(engine: Engine):
    ids = graded(engine)
    with transaction(engine) as session:
        committees.save(
            session, occasion_id=OCC, name="Committee 1", kind="grading", members=[EXAMINER, EXTERNAL]
        )
        committees.save(session, occasion_id=OCC, name="Committee 1", kind="grading", members=[EXAMINER])
        committees.assign_candidates(
            session, occasion_id=OCC, name="Committee 1", registration_ids=[ids["X-0001"], ids["X-0002"]]
        )
        committees.assign_candidates(
            session, occasion_id=OCC, name="Committee 1", registration_ids=[ids["X-0001"]]
        )
        with pytest.raises(LookupError, match="no committee 'Committee 9' on occ-1"):
            committees.assign_candidates(session, occasion_id=OCC, name="Committee 9", registration_ids=[])
        committees.declare_conflict(session, staff_id=EXAMINER, student_uid=f"{OCC}-s3", reason="relative")
    with transaction(engine) as session:
        assert committees.grading_committees(session, occasion_id=OCC) == {
            "Committee 1": [EXAMINER, EXTERNAL]
        }
        assert [s.id for s in committees.members(session, occasion_id=OCC, name="Committee 1")] == [
            EXAMINER,
            EXTERNAL,
        ]
        assert committees.candidates_of(session, occasion_id=OCC, name="Committee 1") == {
            ids["X-0001"]: "X-0001",
            ids["X-0002"]: "X-0002",
        }
        assert committees.committee_of(session, registration_id=ids["X-0002"]) == [EXAMINER, EXTERNAL]
        assert committees.committee_of(session, registration_id=ids["X-0003"]) == []
        assert [s.id for s in committees.original_graders(session, occasion_id=OCC)] == [EXAMINER, EXTERNAL]
        assert set(committees.grader_names(session, occasion_id=OCC)) == {EXAMINER, EXTERNAL}
        assert committees.conflicts(session, staff_ids=[EXAMINER, EXTERNAL]) == {(EXAMINER, f"{OCC}-s3")}


def test_notes_are_kept_once_and_those_for_a_justification_read_by_question(engine: Engine):
    ids = graded(engine)
    given = [
        notes.NoteIn(ids["X-0001"], "Skips the boundary case.", "justification", "q3"),
        notes.NoteIn(ids["X-0001"], "On the whole paper.", "justification"),
        notes.NoteIn(ids["X-0001"], "Hard to read.", "private", "q2"),
    ]
    with transaction(engine) as session:
        assert notes.add(session, occasion_id=OCC, staff_id=EXAMINER, given=given) == 3
        assert notes.add(session, occasion_id=OCC, staff_id=EXAMINER, given=given) == 0
        with pytest.raises(ValueError, match="not public"):
            notes.add(
                session,
                occasion_id=OCC,
                staff_id=EXAMINER,
                given=[notes.NoteIn(ids["X-0001"], "x", "public")],
            )
    with transaction(engine) as session:
        kept = notes.for_justification(session, registration_id=ids["X-0001"])
        scores = notes.paper_scores(session, registration_id=ids["X-0001"])
    assert sorted(kept, key=lambda n: n[0] or 0) == [
        (None, EXAMINER, "On the whole paper."),
        (3, EXAMINER, "Skips the boundary case."),
    ]
    assert scores == [(1, 0.0, 1.0), (2, 2.0, 2.0), (3, 6.0, 7.0)]


def test_a_justification_is_asked_once_and_an_appeal_decided_once(engine: Engine):
    ids = graded(engine)
    today = date(2026, 2, 2)
    with transaction(engine) as session:
        first = justifications.request(
            session, occasion_id=OCC, registration_id=ids["X-0001"], requested_on=today, due_on=today
        )
        again = justifications.request(
            session, occasion_id=OCC, registration_id=ids["X-0001"], requested_on=today, due_on=today
        )
        assert again.id == first.id and justifications.given(session, occasion_id=OCC) == []
        justifications.give(
            session, justification_id=first.id, text="Grounds.", given_by=EXAMINER, given_on=today
        )
        justifications.give(
            session, justification_id=first.id, text="Other.", given_by=EXTERNAL, given_on=today
        )
        [(record, code)] = justifications.given(session, occasion_id=OCC)
        assert (record.text, record.given_by, code) == ("Grounds.", EXAMINER, "X-0001")
        appeal = appeals.receive(session, occasion_id=OCC, registration_id=ids["X-0002"], received_on=today)
        assert (
            appeals.receive(session, occasion_id=OCC, registration_id=ids["X-0002"], received_on=today).id
            == appeal.id
        )
        assert appeals.open_for(session, registration_id=ids["X-0002"])
        assert not appeals.decided_for(session, registration_id=ids["X-0002"])
        appeals.decide(session, appeal_id=appeal.id, new_grade="B")
    with transaction(engine) as session:
        assert session.get(Grade, ids["X-0002"]).grade == "B"
        assert appeals.decided_for(session, registration_id=ids["X-0002"])
        assert not appeals.open_for(session, registration_id=ids["X-0002"])
        [(decided, code)] = appeals.decided(session, occasion_id=OCC)
        assert (decided.original_grade, decided.new_grade, code) == ("D", "B", "X-0002")
        with pytest.raises(AppealRefused, match="already decided"):
            appeals.decide(session, appeal_id=appeal.id, new_grade="A")
        with pytest.raises(AppealRefused, match="cannot be appealed again"):
            appeals.receive(session, occasion_id=OCC, registration_id=ids["X-0002"], received_on=today)


def test_publication_is_the_first_confirmed_transfer(engine: Engine):
    ids = graded(engine)
    publish(engine, ids["X-0001"], status="pending")
    with transaction(engine) as session:
        assert transfer.published_on(session, registration_id=ids["X-0001"]) is None
        assert not transfer.published(session, occasion_id=OCC)
    publish(engine, ids["X-0001"])
    with transaction(engine) as session:
        day = transfer.published_on(session, registration_id=ids["X-0001"])
        assert day is not None and transfer.published(session, occasion_id=OCC)
        since = datetime.combine(day, datetime.min.time(), UTC)
        assert transfer.published_since(session, country="SE", since=since) == [OCC]
        assert transfer.published_since(session, country="SE", since=since + timedelta(days=1)) == []
        assert transfer.published_since(session, country="NO", since=since) == []


def test_settings_archive_records_requests_and_mail_to_a_student(engine: Engine, tmp_path: Path):
    ids = graded(engine)
    rule = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))
    document = ArchivedDocument(case_id="c1", document_id="d1", title="protocol", size=3, sha256="a" * 64)
    with transaction(engine) as session:
        assert exam_settings.get(session, occasion_id=OCC) == GradingSettings()
        exam_settings.put(session, occasion_id=OCC, settings=rule)
        archive.save(session, occasion_id=OCC, kind="protocol", filename="protocol.csv", document=document)
        moved = document.model_copy(update={"document_id": "d2"})
        archive.save(session, occasion_id=OCC, kind="protocol", filename="protocol.csv", document=moved)
        register_requests.record(
            session,
            occasion_id=OCC,
            request_id="r1",
            kind="appeal",
            registration_id=ids["X-0003"],
            received_on=date(2026, 2, 2),
        )
        register_requests.record(
            session,
            occasion_id=OCC,
            request_id="r1",
            kind="appeal",
            registration_id=ids["X-0003"],
            received_on=date(2026, 2, 3),
        )
        assert register_requests.recorded(session, occasion_id=OCC) == {"r1": None}
        register_requests.mark_started(session, occasion_id=OCC, request_id="r1", flow_run_id="run-1")
        with pytest.raises(LookupError, match="request r9 of occ-1 was never recorded"):
            register_requests.mark_started(session, occasion_id=OCC, request_id="r9", flow_run_id="run-9")
        outbox.to_student(session, registration_id=ids["X-0003"], subject="Your appeal", body="Received.")
    with transaction(engine) as session:
        assert exam_settings.get(session, occasion_id=OCC) == rule
        [row] = session.query(ArchiveRecord).filter_by(occasion_id=OCC).all()
        assert row.document_id == "d2"
        assert register_requests.recorded(session, occasion_id=OCC) == {"r1": "run-1"}
        assert (ids["X-0003"], "appeal") in register_requests.held(session, occasion_id=OCC)
        assert register_requests.candidates(session, occasion_id=OCC)["X-0003"] == ids["X-0003"]
        assert outbox.deliver_pending(session, folder=tmp_path) == 1
        assert outbox.deliver_pending(session, folder=tmp_path) == 0
    [mail] = tmp_path.glob("*.eml")
    assert f"student:{OCC}-s3" in mail.read_text()
