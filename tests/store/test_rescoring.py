"""A rescore read and written in the store, on SQLite and PostgreSQL: the marks frame and its digest,
the persisted apply (marks, question, grades keeping their status, audit rows), and refusals (marks
changed since the preview, the Swedish guard) that write nothing. The exam is the one of
tests/rules/test_rescoring.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from models.params import Rescore, RescoreKind
from rules.rescoring import RescoreRefused
from store import rescoring, transfer
from store.db import transaction
from store.schema import AuditEvent, Grade, Mark, Question, TransferLedgerEntry
from tasks.rescoring import apply_rescore, preview_rescore
from tests.conftest import examflow_environment
from tests.rules.test_rescoring import CANDIDATES, QUESTIONS
from tests.store.test_schema import a_registration, a_student, an_occasion

T0 = datetime(2026, 1, 20, 9, tzinfo=UTC)
OCC = "occ-1"


def seed(engine: Engine, country: str = "SE", occasion_id: str = OCC) -> dict[str, int]:
    """The exam graded and approved; the registration id of each code."""
    with transaction(engine) as session:
        session.add(an_occasion(occasion_id, country=country, status="graded"))
        students = [f"{occasion_id}-s{i}" for i in range(1, len(CANDIDATES) + 1)]
        session.add_all(a_student(uid) for uid in students)
        session.flush()
        regs = {
            code: a_registration(uid, code, occasion_id)
            for uid, code in zip(students, CANDIDATES, strict=True)
        }
        session.add_all(regs.values())
        session.add_all(
            Question(occasion_id=occasion_id, question_id=q, number=n, max_score=m, weight=1.0, kind=k)
            for n, (q, k, m) in QUESTIONS.items()
        )
        session.flush()
        for code, (grade, answers) in CANDIDATES.items():
            rid = regs[code].id
            scores = [manual if manual is not None else auto for _, auto, manual in answers]
            session.add_all(
                Mark(
                    registration_id=rid,
                    question_id=QUESTIONS[n][0],
                    occasion_id=occasion_id,
                    auto_score=auto,
                    manual_score=manual,
                    score=score,
                    response=response,
                )
                for n, ((response, auto, manual), score) in enumerate(zip(answers, scores, strict=True), 1)
            )
            points = sum(scores)
            session.add(
                Grade(
                    registration_id=rid,
                    occasion_id=occasion_id,
                    points=points,
                    percent=points * 10,
                    grade=grade,
                    status="approved",
                    exam_date=date(2026, 1, 15),
                    updated_at=T0,
                )
            )
        session.flush()
        return {code: r.id for code, r in regs.items()}


def publish(engine: Engine, registration_id: int, status: str = "confirmed") -> None:
    with transaction(engine) as session:
        session.add(
            TransferLedgerEntry(
                idempotency_key=f"k-{registration_id}-{status}",
                occasion_id=OCC,
                registration_id=registration_id,
                grade="B",
                exam_date=date(2026, 1, 15),
                status=status,
                created_at=T0,
                updated_at=T0,
            )
        )


@pytest.fixture
def examflow(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """examflow's tasks pointed at the test's database."""
    url = engine.url.render_as_string(hide_password=False)
    with examflow_environment({"EXAMFLOW_DATABASE_URL": url, "EXAMFLOW_HOME": str(tmp_path)}):
        yield engine


def key(**fields: Any) -> Rescore:
    fields = {"kind": RescoreKind.KEY, "question_number": 1, "accept": ["B", "C"], **fields}
    return Rescore(occasion_uid=OCC, reason="the key of question 1 was wrong", **fields)


def held(engine: Engine) -> dict[str, Any]:
    """Everything a rescore may write, to compare before and after."""
    with transaction(engine) as session:
        return {
            "marks": sorted(
                session.execute(
                    select(Mark.registration_id, Mark.question_id, Mark.auto_score, Mark.score)
                ).all()
            ),
            "questions": sorted(
                session.execute(select(Question.question_id, Question.weight, Question.accepted)).all()
            ),
            "grades": sorted(
                session.execute(
                    select(Grade.registration_id, Grade.points, Grade.percent, Grade.grade, Grade.status)
                ).all()
            ),
            "audit": session.execute(select(AuditEvent.action)).scalars().all(),
        }


def test_marks_frame_reads_every_mark_with_its_question_and_grade_and_a_stable_digest(engine: Engine) -> None:
    ids = seed(engine)
    with transaction(engine) as session:
        frame = rescoring.marks_frame(session, occasion_id=OCC)
        again = rescoring.marks_frame(session, occasion_id=OCC)
    assert len(frame) == 15 and tuple(frame.columns) == rescoring.MARK_COLUMNS
    row = frame[(frame.registration_id == ids["X-0003"]) & (frame.number == 1)].iloc[0]
    assert (row.kind, row.max_score, row.response, row.auto_score, row.manual_score, row.score) == (
        "choice",
        1.0,
        "C",
        0.0,
        0.5,
        0.5,
    )
    assert (row.anonymisation_code, row.grade) == ("X-0003", "C")
    assert rescoring.digest(frame) == rescoring.digest(again)
    with transaction(engine) as session:
        session.execute(
            update(Mark)
            .where(Mark.registration_id == ids["X-0005"], Mark.question_id == "q3")
            .values(score=4.5)
        )
        assert rescoring.digest(rescoring.marks_frame(session, occasion_id=OCC)) != rescoring.digest(frame)


def test_published_once_any_result_is_confirmed_in_the_register(engine: Engine) -> None:
    ids = seed(engine)
    with transaction(engine) as session:
        assert not transfer.published(session, occasion_id=OCC)
    publish(engine, ids["X-0002"], status="pending")
    with transaction(engine) as session:
        assert not transfer.published(session, occasion_id=OCC)
    publish(engine, ids["X-0002"])
    with transaction(engine) as session:
        assert transfer.published(session, occasion_id=OCC)


def test_apply_writes_marks_question_grades_and_one_audit_event_per_changed_candidate(
    examflow: Engine,
) -> None:
    ids = seed(examflow)
    preview = preview_rescore.fn(key())
    assert (preview.candidates, preview.changed, preview.raised, preview.lowered, preview.marks_changed) == (
        5,
        2,
        2,
        0,
        3,
    )
    assert [
        (r.candidate, r.points_before, r.points_after, r.grade_before, r.grade_after) for r in preview.rows
    ] == [
        ("X-0001", 8.0, 9.0, "B", "A"),
        ("X-0004", 4.0, 5.0, "F", "E"),
    ]
    assert held(examflow)["audit"] == []  # a preview writes nothing

    assert apply_rescore.fn(key(), "examiner-1", preview.digest) == 2
    after = held(examflow)
    q1 = {(r, a, s) for r, q, a, s in after["marks"] if q == "q1"}
    assert q1 == {
        (ids["X-0001"], 1.0, 1.0),
        (ids["X-0002"], 1.0, 1.0),
        (ids["X-0003"], 1.0, 0.5),  # the grader's score stands
        (ids["X-0004"], 1.0, 1.0),
        (ids["X-0005"], 0.0, 0.0),
    }
    assert ("q1", 1.0, "B,C") in after["questions"]
    grades = {r: (p, c, g, s) for r, p, c, g, s in after["grades"]}
    assert grades[ids["X-0001"]] == (9.0, 90.0, "A", "approved")
    assert grades[ids["X-0004"]] == (5.0, 50.0, "E", "approved")
    assert grades[ids["X-0002"]] == (5.0, 50.0, "D", "approved")  # untouched, the grade set by hand too

    with transaction(examflow) as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        stamped = session.get(Grade, ids["X-0001"]).updated_at
    assert [e.action for e in events] == ["question.rescored", "grade.rescored", "grade.rescored"]
    assert {e.actor for e in events} == {"examiner-1"}
    assert events[0].detail["accepted"] == "B,C" and events[0].detail["candidates_changed"] == 2
    by_candidate = {e.detail["candidate"]: (e.detail["points"], e.detail["grade"]) for e in events[1:]}
    assert by_candidate == {"X-0001": ([8.0, 9.0], ["B", "A"]), "X-0004": ([4.0, 5.0], ["F", "E"])}
    assert stamped.tzinfo is not None and stamped > T0


def test_apply_refuses_when_the_marks_changed_since_the_preview_and_writes_nothing(examflow: Engine) -> None:
    ids = seed(examflow)
    preview = preview_rescore.fn(key())
    with transaction(examflow) as session:
        session.execute(
            update(Mark)
            .where(Mark.registration_id == ids["X-0005"], Mark.question_id == "q3")
            .values(score=5.0)
        )
    before = held(examflow)
    with pytest.raises(RescoreRefused, match="changed after the preview"):
        apply_rescore.fn(key(), "examiner-1", preview.digest)
    assert held(examflow) == before


def revision(engine: Engine, occasion_id: str = OCC) -> int:
    with transaction(engine) as session:
        return rescoring.marks_revision(session, occasion_id=occasion_id).number


# Writes to one mark of occ-1 made in raw SQL, past every store function: each moves the revision on.
RAW_WRITES = {
    "update": "UPDATE marks SET response = 'D' WHERE question_id = 'q2' AND registration_id = {r}",
    "delete": "DELETE FROM marks WHERE question_id = 'q2' AND registration_id = {r}",
    "insert": "INSERT INTO marks (registration_id, question_id, occasion_id, score) VALUES ({r}, 'q9', 'occ-1', 1.0)",
}


@pytest.mark.parametrize("write", RAW_WRITES, ids=str)
def test_the_marks_revision_moves_on_at_every_write_to_a_mark_even_in_raw_sql(
    engine: Engine, write: str
) -> None:
    ids = seed(engine)
    seed(engine, occasion_id="occ-2")
    before, other = revision(engine), revision(engine, "occ-2")
    assert before > 0
    with engine.begin() as connection:
        connection.exec_driver_sql(RAW_WRITES[write].format(r=ids["X-0003"]))
    assert revision(engine) > before
    assert revision(engine, "occ-2") == other  # another occasion's marks were not written


def test_a_mark_written_while_a_rescore_holds_the_revision_waits_for_its_end(engine: Engine) -> None:
    """The revision is read locked (FOR UPDATE on PostgreSQL, the writer lock on SQLite): a mark of
    the occasion written meanwhile waits until the rescore's transaction ends."""
    ids = seed(engine)
    held, written = threading.Event(), []

    def write_a_mark() -> None:
        held.wait()
        with engine.begin() as connection:
            connection.exec_driver_sql(RAW_WRITES["update"].format(r=ids["X-0003"]))
        written.append(time.monotonic())

    writer = threading.Thread(target=write_a_mark)
    writer.start()
    with transaction(engine) as session:
        rescoring.marks_revision(session, occasion_id=OCC)
        held.set()
        time.sleep(0.5)
        released = time.monotonic()
        assert written == []
    writer.join(timeout=30)
    assert written and written[0] >= released


def test_the_marks_revision_moves_on_when_marks_are_truncated_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    seed(engine)
    before = revision(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE marks")
    assert revision(engine) > before


def test_apply_refuses_after_a_raw_sql_write_that_keeps_the_marks_count_and_sum(examflow: Engine) -> None:
    """Two unchanged candidates' scores on another question swapped: as many marks, the same total,
    nothing the rescore itself reads."""
    ids = seed(examflow)
    preview = preview_rescore.fn(key())
    with examflow.begin() as connection:
        scores = dict(
            connection.exec_driver_sql(
                "SELECT registration_id, score FROM marks WHERE question_id = 'q3'"
            ).all()
        )
        first, second = ids["X-0002"], ids["X-0003"]
        assert scores[first] != scores[second]
        for registration_id, score in ((first, scores[second]), (second, scores[first])):
            connection.exec_driver_sql(
                f"UPDATE marks SET score = {score} WHERE question_id = 'q3' AND registration_id = {registration_id}"
            )
    before = held(examflow)
    with pytest.raises(RescoreRefused, match="changed after the preview"):
        apply_rescore.fn(key(), "examiner-1", preview.digest)
    assert held(examflow) == before


@pytest.mark.parametrize(("country", "refused"), [("SE", True), ("NO", False)])
def test_lowering_a_published_grade_is_refused_in_sweden_only(
    examflow: Engine, country: str, refused: bool
) -> None:
    ids = seed(examflow, country=country)
    publish(examflow, ids["X-0002"])
    void = Rescore(occasion_uid=OCC, question_number=2, kind=RescoreKind.VOID, reason="ambiguous wording")
    if refused:
        with pytest.raises(RescoreRefused, match=r"X-0001 \(B → C\), X-0005 \(D → E\)"):
            preview_rescore.fn(void)
        before = held(examflow)
        with pytest.raises(RescoreRefused, match="may only raise"):
            apply_rescore.fn(void, "examiner-1", "any digest")
        assert held(examflow) == before
        return
    preview = preview_rescore.fn(void)
    assert (preview.lowered, preview.published) == (2, True)
    assert apply_rescore.fn(void, "examiner-1", preview.digest) == 4  # all but X-0002
    after = held(examflow)
    assert ("q2", 0.0, None) in after["questions"]
    assert {r: g for r, _, _, g, _ in after["grades"]}[ids["X-0001"]] == "C"
