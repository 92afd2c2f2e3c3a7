"""A rescore reads one question's marks and only the points of the candidates whose points may
move (tasks.rescoring.compute), from their point totals or summed; on random exams, on SQLite and
PostgreSQL, that equals the full recomputation from every mark (rules.rescoring.rescore over
store.rescoring.marks_frame), and the points written equal a plain sum(score * weight) over the
marks held after the apply, as do the point totals after rescores one after another."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from models.params import Rescore, RescoreKind
from rules.grades import Scale, Thresholds, grades_for_points
from rules.rescoring import rescore
from store import point_totals, rescoring
from store.db import transaction
from store.schema import Grade, Mark, Question
from tasks.rescoring import CHANGE_COLUMNS, apply_rescore, compute, preview_rescore
from tests.factories import T0, a_registration, a_student, an_occasion
from tests.store.test_rescoring import OCC, examflow  # noqa: F401 (the fixture)

CANDIDATES, QUESTIONS = 60, 9
AF = Thresholds(scale=Scale.AF)


def seed_random(engine: Engine, seed: int) -> None:
    """Every third question a choice question (1 or 2 points, key B), the rest manual in half points;
    weights of 0.5 to 2; a grader's own score on some choice answers; some grades set by hand."""
    rng = np.random.default_rng(seed)
    numbers = np.arange(1, QUESTIONS + 1)
    choice = numbers % 3 == 1
    max_score = np.where(choice, rng.choice([1.0, 2.0], QUESTIONS), rng.choice([4.0, 7.0], QUESTIONS))
    weight = rng.choice([0.5, 1.0, 1.5, 2.0], QUESTIONS)
    with transaction(engine) as session:
        session.add(an_occasion(OCC, country="NO", status="graded"))
        session.add_all(a_student(f"s{i}") for i in range(CANDIDATES))
        session.flush()
        regs = [a_registration(f"s{i}", f"R-{i:03d}", OCC) for i in range(CANDIDATES)]
        session.add_all(regs)
        session.add_all(
            Question(
                occasion_id=OCC,
                question_id=f"q{n}",
                number=int(n),
                max_score=float(m),
                weight=float(w),
                kind="choice" if c else "manual",
            )
            for n, m, w, c in zip(numbers, max_score, weight, choice, strict=True)
        )
        session.flush()
        for reg in regs:
            points = 0.0
            for n, m, w, c in zip(numbers, max_score, weight, choice, strict=True):
                response = str(rng.choice(["A", "B", "C", "B,C", "c", None])) if c else None
                auto = (m if response == "B" else 0.0) if c else None
                manual = float(rng.integers(0, 2 * m + 1) / 2) if not c or rng.random() < 0.1 else None
                score = manual if manual is not None else auto
                points += score * w
                session.add(
                    Mark(
                        registration_id=reg.id,
                        question_id=f"q{n}",
                        occasion_id=OCC,
                        auto_score=auto,
                        manual_score=manual,
                        score=score,
                        response=None if response == "None" else response,
                    )
                )
            total = float((max_score * weight).sum())
            earned = str(grades_for_points(pd.Series([round(points, 2)]), total, AF).iloc[0])
            session.add(
                Grade(
                    registration_id=reg.id,
                    occasion_id=OCC,
                    points=round(points, 2),
                    percent=round(points / total * 100, 2),
                    grade="C" if rng.random() < 0.1 else earned,
                    status="approved",
                    exam_date=date(2026, 1, 15),
                    updated_at=T0,
                )
            )


def sums(engine: Engine) -> pd.Series:
    """Each candidate's points, summed plainly over every mark held."""
    with transaction(engine) as session:
        rows = session.execute(
            select(Mark.registration_id, Mark.score * Question.weight).join(
                Question,
                (Question.occasion_id == Mark.occasion_id) & (Question.question_id == Mark.question_id),
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["registration_id", "points"])
    return frame.groupby("registration_id").points.sum().round(2)


CHANGES = [
    dict(kind=RescoreKind.KEY, question_number=1, accept=["B", "C"]),
    dict(kind=RescoreKind.KEY, question_number=4, accept=["A"]),
    dict(kind=RescoreKind.VOID, question_number=2),
    dict(kind=RescoreKind.WEIGHT, question_number=3, weight=0.25),
    dict(kind=RescoreKind.WEIGHT, question_number=7, weight=3.0),
]


@pytest.mark.parametrize("totals", [True, False], ids=["from-totals", "summed"])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("fields", CHANGES, ids=lambda f: f"{f['kind'].value}-q{f['question_number']}")
def test_the_rescores_reads_give_the_full_recomputation(
    examflow: Engine,  # noqa: F811
    fields: dict,
    seed: int,
    totals: bool,
) -> None:
    seed_random(examflow, seed)
    if totals:
        with transaction(examflow) as session:
            point_totals.refresh(session, occasion_id=OCC)
    params = Rescore(occasion_uid=OCC, reason="checked against a full recomputation", **fields)
    with transaction(examflow) as session:
        fast, _, _, revision = compute(session, params)
        full = rescore(rescoring.marks_frame(session, occasion_id=OCC), params, AF)
    assert revision.totals_current is totals
    changed = [
        c[c.changed][CHANGE_COLUMNS].reset_index(drop=True) for c in (fast.candidates, full.candidates)
    ]
    assert len(changed[0]) > 0
    pd.testing.assert_frame_equal(changed[0], changed[1])
    assert fast.counts() == full.counts() and fast.held == len(full.candidates) == CANDIDATES
    pd.testing.assert_frame_equal(fast.marks, full.marks)
    computed = full.candidates.set_index("registration_id")
    for column in ("points_before", "points_after", "grade_after"):
        pd.testing.assert_series_equal(
            fast.candidates.set_index("registration_id")[column],
            computed[column].loc[fast.candidates.registration_id],
        )

    before = sums(examflow)
    assert (computed.points_before == before.reindex(computed.index)).all()
    preview = preview_rescore.fn(params)
    assert apply_rescore.fn(params, "examiner-1", preview.digest) == preview.changed
    after = sums(examflow)
    assert (computed.points_after == after.reindex(computed.index)).all()
    with transaction(examflow) as session:
        held = dict(session.execute(select(Grade.registration_id, Grade.points)).all())
    assert all(held[r] == after[r] for r in fast.candidates.registration_id[fast.candidates.changed])


def test_rescores_one_after_another_keep_the_totals_equal_to_the_marks(examflow: Engine) -> None:  # noqa: F811
    seed_random(examflow, 3)
    with transaction(examflow) as session:
        point_totals.refresh(session, occasion_id=OCC)
    for fields in CHANGES:
        params = Rescore(occasion_uid=OCC, reason="one correction after another", **fields)
        preview = preview_rescore.fn(params)
        apply_rescore.fn(params, "examiner-1", preview.digest)
        with transaction(examflow) as session:
            assert rescoring.marks_revision(session, occasion_id=OCC).totals_current
            held = rescoring.candidate_points(
                session, occasion_id=OCC, registration_ids=None, from_totals=True
            )
        assert (held.points.round(2) == sums(examflow).reindex(held.index)).all()
