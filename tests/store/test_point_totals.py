"""Point totals, on SQLite and PostgreSQL: summed from the marks and stamped current; left behind by any
write to a mark or a question, raw SQL included, and by a write made after the stamp in the same
transaction; read by a rescore only while current, and kept current by its apply. The exam is the
one of tests/rules/test_rescoring.py."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine

from store import point_totals, rescoring
from store.db import transaction
from tasks.rescoring import apply_rescore, preview_rescore
from tests.store.test_rescoring import OCC, examflow, key, seed  # noqa: F401 (examflow: the fixture)


def points(engine: Engine, *, from_totals: bool, occasion_id: str = OCC) -> pd.Series:
    with transaction(engine) as session:
        frame = rescoring.candidate_points(
            session, occasion_id=occasion_id, registration_ids=None, from_totals=from_totals
        )
    return frame.points


def current(engine: Engine, occasion_id: str = OCC) -> bool:
    with transaction(engine) as session:
        return rescoring.marks_revision(session, occasion_id=occasion_id).totals_current


def refresh(engine: Engine, occasion_id: str = OCC) -> int:
    with transaction(engine) as session:
        return point_totals.refresh(session, occasion_id=occasion_id)


def test_refresh_sums_every_candidates_marks_and_stamps_them_current(engine: Engine) -> None:
    ids = seed(engine)
    seed(engine, occasion_id="occ-2")
    assert not current(engine)  # marks written, never summed
    assert refresh(engine) == 5 and current(engine) and not current(engine, "occ-2")
    totals = points(engine, from_totals=True)
    pd.testing.assert_series_equal(totals, points(engine, from_totals=False))
    assert totals[ids["X-0003"]] == 6.5  # a grader's 0.5 on q1, 0 on q2, 6 on q3
    with transaction(engine) as session:
        assert rescoring.holders(session, occasion_id=OCC, from_totals=True) == 5
        assert rescoring.holders(session, occasion_id=OCC, from_totals=False) == 5


# Raw SQL past every store function, to a mark or a question of occ-1: each leaves its totals behind.
RAW_WRITES = {
    "mark updated": "UPDATE marks SET score = 2.0 WHERE question_id = 'q2' AND registration_id = {r}",
    "mark deleted": "DELETE FROM marks WHERE question_id = 'q2' AND registration_id = {r}",
    "question reweighted": "UPDATE questions SET weight = 2.0 WHERE occasion_id = 'occ-1' AND question_id = 'q3'",
    "question added": "INSERT INTO questions (occasion_id, question_id, number, max_score, weight, kind) "
    "VALUES ('occ-1', 'q9', 9, 1.0, 1.0, 'manual')",
}


@pytest.mark.parametrize("write", RAW_WRITES, ids=str)
def test_any_write_to_a_mark_or_a_question_leaves_the_totals_behind(engine: Engine, write: str) -> None:
    ids = seed(engine)
    seed(engine, occasion_id="occ-2")
    refresh(engine)
    refresh(engine, "occ-2")
    with engine.begin() as connection:
        connection.exec_driver_sql(RAW_WRITES[write].format(r=ids["X-0003"]))
    assert not current(engine)
    assert current(engine, "occ-2")  # another occasion's totals stand
    refresh(engine)
    assert current(engine)
    pd.testing.assert_series_equal(points(engine, from_totals=True), points(engine, from_totals=False))


def test_a_write_after_the_stamp_in_the_same_transaction_leaves_the_totals_behind(engine: Engine) -> None:
    """On PostgreSQL the revision moves once per transaction; a stamp must not hide a later write."""
    ids = seed(engine)
    with transaction(engine) as session:
        point_totals.refresh(session, occasion_id=OCC)
        session.connection().exec_driver_sql(
            f"UPDATE marks SET score = 3.0 WHERE question_id = 'q3' AND registration_id = {ids['X-0001']}"
        )
    assert not current(engine)


@pytest.mark.parametrize("summed", [True, False], ids=["totals-current", "totals-behind"])
def test_an_apply_leaves_the_totals_current_and_equal_to_the_marks(examflow: Engine, summed: bool) -> None:  # noqa: F811
    ids = seed(examflow)
    if summed:
        refresh(examflow)
    preview = preview_rescore.fn(key())
    assert apply_rescore.fn(key(), "examiner-1", preview.digest) == 2
    assert current(examflow)
    totals = points(examflow, from_totals=True)
    pd.testing.assert_series_equal(totals, points(examflow, from_totals=False))
    assert (totals[ids["X-0001"]], totals[ids["X-0004"]]) == (9.0, 5.0)
