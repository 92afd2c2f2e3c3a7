"""The grading store functions the flows reach, on SQLite and PostgreSQL (the flow tests run on
SQLite only): questions, marks and graders' marks upserted from frames, the proposed grades'
fingerprint and approval, the protocol, what a committee's graders see, candidates by code."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine

from deployments.staff import seed_staff
from store import committees, grader_view, grading, registrations, spreadsheet_grades
from store.db import transaction
from tests.store.test_rescoring import OCC, seed

EXAMINER, EXTERNAL = "staff-examiner-1", "staff-grader-ext-1"


def graded(engine: Engine) -> dict[str, int]:
    """The graded exam of tests/store/test_rescoring.py with the office's staff, and one grading
    committee of the examiner and the external grader holding the first two candidates."""
    ids = seed(engine)
    with transaction(engine) as session:
        seed_staff(session)
        committees.save(
            session, occasion_id=OCC, name="Committee 1", kind="grading", members=[EXAMINER, EXTERNAL]
        )
        committees.assign_candidates(
            session, occasion_id=OCC, name="Committee 1", registration_ids=[ids["X-0001"], ids["X-0002"]]
        )
    return ids


def grader_marks(rows: list[tuple[int, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["registration_id", "staff_id", "score"])
    return frame.assign(question_id="q3", occasion_id=OCC)


def test_questions_marks_and_graders_marks_are_upserted_and_replaced(engine: Engine):
    ids = graded(engine)
    first, second = ids["X-0001"], ids["X-0002"]
    questions = pd.DataFrame(
        [(OCC, "q1", 1, 2.0, 0.5, "choice"), (OCC, "q4", 4, 3.0, 1.0, "manual")],
        columns=["occasion_id", "question_id", "number", "max_score", "weight", "kind"],
    )
    marks = pd.DataFrame(
        [(first, "q4", OCC, None, 2.5, 2.5, None)],
        columns=[
            "registration_id",
            "question_id",
            "occasion_id",
            "auto_score",
            "manual_score",
            "score",
            "response",
        ],
    )
    with transaction(engine) as session:
        grading.save_questions(session, questions)
        grading.save_marks(session, marks)
        grading.save_marks(session, marks.assign(manual_score=3.0, score=3.0))
        grading.save_grader_marks(
            session,
            grader_marks([(first, EXAMINER, 6.0), (first, EXTERNAL, 5.0), (second, EXAMINER, 4.0)]),
            [first, second],
        )
        grading.save_grader_marks(session, grader_marks([(first, EXAMINER, 6.5)]), [first])
    with transaction(engine) as session:
        assert grading.question_ids(session, occasion_id=OCC) == {1: "q1", 2: "q2", 3: "q3", 4: "q4"}
        held = grading.exam_marks(session, occasion_id=OCC).set_index(["registration_id", "question_id"])
        assert held.loc[(first, "q4"), "score"] == 3.0
        assert (held.loc[(first, "q1"), "max_score"], held.loc[(first, "q1"), "weight"]) == (2.0, 0.5)
        assert spreadsheet_grades.max_points(session, occasion_id=OCC) == 1.0 + 2.0 + 7.0 + 3.0
        seen = grader_view.committee_marks(
            session, occasion_id=OCC, committee="Committee 1", graders=[EXAMINER, EXTERNAL]
        )
        progress = grader_view.committee_progress(session, occasion_id=OCC)
    assert list(seen.code) == ["X-0001", "X-0002"]
    assert seen.loc[0, f"Q3 {EXAMINER}"] == 6.5 and seen.loc[1, f"Q3 {EXAMINER}"] == 4.0
    assert f"Q3 {EXTERNAL}" not in seen.columns  # replaced: the platform no longer has that score
    assert list(seen["auto points"]) == [2.0, 0.5]  # q1 weighted 0.5 now: 0 + 2, then 1 x 0.5 + 0
    assert progress.to_dict("records") == [
        {
            "committee": "Committee 1",
            "candidates": 2,
            "graders": f"{EXAMINER}, {EXTERNAL}",
            "scored": f"{EXAMINER} 2/4, {EXTERNAL} 0/4",
            "approved own": "none yet",
        }
    ]


def test_proposed_grades_are_approved_as_fingerprinted_and_the_protocol_names_each(engine: Engine):
    ids = graded(engine)
    with transaction(engine) as session:
        held = spreadsheet_grades.held_grades(session, occasion_id=OCC)
        assert held[ids["X-0002"]]["grade"] == "D" and held[ids["X-0002"]]["status"] == "approved"
        proposed = (
            pd.DataFrame(held.values()).drop(columns="source").assign(status="proposed", occasion_id=OCC)
        )
        grading.save_grades(session, proposed, source="spreadsheet")
    with transaction(engine) as session:
        assert grading.count_approved(session, occasion_id=OCC) == 0
        shown = grading.grades_digest(session, occasion_id=OCC, status="proposed")
        assert shown == grading.grades_digest(session, occasion_id=OCC, status="proposed")
        assert (
            spreadsheet_grades.held_grades(session, occasion_id=OCC)[ids["X-0002"]]["source"] == "spreadsheet"
        )
        assert grading.approve_grades(session, occasion_id=OCC) == len(ids)
        assert grading.grades_digest(session, occasion_id=OCC, status="proposed") != shown
        assert grading.count_approved(session, occasion_id=OCC) == len(ids)
        protocol = grading.protocol_frame(session, occasion_id=OCC)
    assert list(protocol.anonymisation_code) == sorted(ids)
    assert set(protocol.first_name) == {"Ada"} and list(protocol.grade) == ["B", "D", "C", "F", "D"]


def test_candidates_are_found_by_code_and_a_stranger_is_named(engine: Engine):
    ids = graded(engine)
    with transaction(engine) as session:
        assert registrations.by_code(session, occasion_id=OCC, code="X-0003").id == ids["X-0003"]
        assert registrations.code_of(session, registration_id=ids["X-0004"]) == "X-0004"
        assert registrations.codes(session, occasion_id=OCC)[f"{OCC}-s1"] == "X-0001"
        assert registrations.review_waiting(session, occasion_id=OCC) is None
        with pytest.raises(
            LookupError, match="no candidate with anonymisation code 'X-9999' on occasion occ-1"
        ):
            registrations.by_code(session, occasion_id=OCC, code="X-9999")
        with pytest.raises(LookupError, match="no registration 0"):
            registrations.code_of(session, registration_id=0)
