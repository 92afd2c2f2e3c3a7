"""A corrected multiple-choice key rescored for every candidate at once, against a per-row loop.

`python -m bench.grading [--candidates 2000 --questions 60 --sample 200 --repeats 5]`

A fresh, migrated SQLite store holds one Swedish A-F exam: `--candidates` candidates each with a
mark on every one of `--questions` questions (every third a choice question keyed 'B' with the
candidate's answer, the rest scored by hand), their point totals as the import of the results
leaves them, and an approved grade (setup in bulk, untimed). The change: question 1's key corrected
to accept B and C. The timed call is exactly the task body `apply_rescore.fn(params, approver,
digest)` (the store and rules code the flow runs, persisted, without Prefect's engine), the digest
taken from `preview_rescore.fn` beforehand (untimed).

The baseline is a per-row Python loop doing what a key correction by hand does: the key stored, then
for a random `--sample` of candidates, each in its own committed transaction, read the mark, recompute
its score, UPDATE it; recompute the candidate's points from their marks, read the grade held, UPDATE
it, and audit the change where points or grade moved; scaled up to every candidate. Both run with
Python's cyclic garbage collector paused, as the apply task pauses it (`tasks.collector`).

Both are timed on an open connection: the apply on the one its preview used, the loop after an
untimed read. Each measure runs `--repeats` times, in turn with the other and every time on a fresh copy of the
same store, and the medians are compared (a single apply of tens of milliseconds moves with the machine by half its time). Both
stores must then hold the same points and grades for every sampled candidate. The last line reads
`seconds=<median apply> vs_per_row=<median per-row / median apply>`.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bench.common import occasion_row, point_examflow_at, run_and_print, timed
from models.params import Rescore, RescoreKind
from rules.grades import Scale, Thresholds, grade_for_percent, grades_for_points
from store import audit, grading, point_totals
from store.db import engine_for, make_engine, transaction
from store.migrate import upgrade
from store.schema import Grade, Occasion, Registration, Student
from store.upsert import upsert
from tasks import collector
from tasks.rescoring import apply_rescore, preview_rescore

OCCASION = "bench-rescore"
PREFIX = "RSC"
KEY, ACCEPT = "B", ["B", "C"]


def make_exam(engine: Engine, candidates: int, questions: int, seed: int = 3) -> None:
    """The exam, its candidates, marks and approved grades, written in bulk (setup, untimed)."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    ids = np.arange(1, candidates + 1)
    numbers = np.arange(1, questions + 1)
    choice = numbers % 3 == 1
    qs = pd.DataFrame(
        {
            "occasion_id": OCCASION,
            "question_id": [f"q{n}" for n in numbers],
            "number": numbers,
            "max_score": np.where(choice, 1.0, 4.0),
            "weight": 1.0,
            "kind": np.where(choice, "choice", "manual"),
        }
    )
    marks = pd.DataFrame(
        {
            "registration_id": np.repeat(ids, questions),
            "question_id": np.tile(qs.question_id.to_numpy(), candidates),
            "occasion_id": OCCASION,
        }
    )
    is_choice = np.tile(choice, candidates)
    response = rng.choice(list("ABCD"), size=len(marks), p=[0.2, 0.5, 0.2, 0.1])
    marks["response"] = np.where(is_choice, response, None)  # type: ignore[call-overload]  # numpy's stubs refuse None for where()'s x or y; numpy takes it (an object array)
    marks["auto_score"] = np.where(is_choice, (response == KEY).astype(float), np.nan)
    manual = rng.integers(0, 9, size=len(marks)) / 2
    marks["manual_score"] = np.where(is_choice, np.nan, manual)
    marks["score"] = marks.manual_score.fillna(marks.auto_score)
    points = (
        (marks.score * np.tile(qs.weight.to_numpy(), candidates))
        .groupby(marks.registration_id)
        .sum()
        .round(2)
    )
    max_points = float((qs.max_score * qs.weight).sum())
    grades = pd.DataFrame(
        {
            "registration_id": points.index,
            "occasion_id": OCCASION,
            "points": points.to_numpy(),
            "percent": (points / max_points * 100).round(2).to_numpy(),
            "grade": grades_for_points(points, max_points, Thresholds(scale=Scale.AF)).astype(str).to_numpy(),
            "status": "approved",
            "exam_date": now.date(),
        }
    )
    with transaction(engine) as session:
        _people(session, ids, now)
        grading.save_questions(session, qs)
        grading.save_marks(session, marks)
        point_totals.refresh(session, occasion_id=OCCASION)  # as the import of the results does
        grading.save_grades(session, grades)


def _people(session: Session, ids: np.ndarray, now: datetime) -> None:
    occasion = occasion_row(
        OCCASION, "bench rescore", prefix=PREFIX, exam_type="digital_school", status="graded", now=now
    )
    upsert(session, Occasion, [occasion], keys=["id"], update=[])
    students = [
        dict(uid=f"s{i}", first_name="A", last_name=f"B{i}", national_id=None, email=None) for i in ids
    ]
    upsert(session, Student, students, keys=["uid"], update=[])
    regs = [
        dict(
            id=int(i),
            occasion_id=OCCASION,
            student_uid=f"s{i}",
            study_result_uid=f"sr{i}",
            course_round_uid="cr",
            module_uid="m",
            anonymisation_code=f"{PREFIX}-{i:04d}-AAA",
            status="registered",
            updated_at=now,
        )
        for i in ids
    ]
    upsert(session, Registration, regs, keys=["id"], update=[])


def per_row(engine: Engine, question_id: str, sample: list[int]) -> None:
    """The loop a platform without bulk rescoring amounts to: the key stored, then one candidate at a
    time, each in its own committed transaction, audited where their points or grade change."""
    with transaction(engine) as session:
        session.execute(
            text("UPDATE questions SET accepted = :a WHERE occasion_id = :o AND question_id = :q"),
            {"a": ",".join(ACCEPT), "o": OCCASION, "q": question_id},
        )
        max_score, max_points = session.execute(
            text(
                "SELECT (SELECT max_score FROM questions WHERE occasion_id = :o AND question_id = :q), "
                "(SELECT SUM(max_score * weight) FROM questions WHERE occasion_id = :o)"
            ),
            {"o": OCCASION, "q": question_id},
        ).one()
    for registration_id in sample:
        with transaction(engine) as session:
            rescore_one(session, registration_id, question_id, max_score, max_points)


def rescore_one(
    session: Session, registration_id: int, question_id: str, max_score: float, max_points: float
) -> None:
    key = {"r": registration_id, "q": question_id}
    response, manual = session.execute(
        text("SELECT response, manual_score FROM marks WHERE registration_id = :r AND question_id = :q"), key
    ).one()
    chosen = set((response or "").upper().replace(" ", "").split(",")) - {""}
    auto = max_score if chosen and chosen <= set(ACCEPT) else 0.0
    session.execute(
        text("UPDATE marks SET auto_score = :a, score = :s WHERE registration_id = :r AND question_id = :q"),
        {**key, "a": auto, "s": auto if manual is None else manual},
    )
    marks = session.execute(
        text(
            "SELECT m.score, q.weight FROM marks m JOIN questions q ON q.occasion_id = m.occasion_id "
            "AND q.question_id = m.question_id WHERE m.registration_id = :r"
        ),
        key,
    )
    points = round(sum(score * weight for score, weight in marks), 2)
    percent = points / max_points * 100
    grade = grade_for_percent(percent, Thresholds(scale=Scale.AF))
    code, points_before, grade_before = session.execute(
        text(
            "SELECT r.anonymisation_code, g.points, g.grade FROM grades g "
            "JOIN registrations r ON r.id = g.registration_id WHERE g.registration_id = :r"
        ),
        key,
    ).one()
    session.execute(
        text("UPDATE grades SET points = :p, percent = :c, grade = :g WHERE registration_id = :r"),
        {"r": registration_id, "p": points, "c": round(percent, 2), "g": grade},
    )
    if (points, grade) != (points_before, grade_before):
        detail = {"candidate": code, "points": [points_before, points], "grade": [grade_before, grade]}
        audit.record(session, actor="bench", action="grade.rescored", occasion_id=OCCASION, detail=detail)


def held_grades(engine: Engine) -> dict[int, tuple[float, str]]:
    with engine.connect() as connection:
        rows = connection.execute(select(Grade.registration_id, Grade.points, Grade.grade)).all()
    return {r: (p, g) for r, p, g in rows}


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    """Each measure `--repeats` times, every time on a fresh copy of the same store; medians."""
    pristine = directory / "pristine.db"
    engine = make_engine(f"sqlite:///{pristine}")
    upgrade(engine)
    make_exam(engine, args.candidates, args.questions)
    engine.dispose()
    params = Rescore(
        occasion_uid=OCCASION, question_number=1, kind=RescoreKind.KEY, accept=ACCEPT, reason="key corrected"
    )
    bulk, rows, matched = [], [], 0
    for i in range(args.repeats):  # in turn, so that both see the machine in the same state
        bulk.append(apply_once(params, pristine, directory / f"bulk-{i}"))
        _, changed, preview, rescored = bulk[-1]
        sample = sorted(
            random.Random(i).sample(range(1, args.candidates + 1), min(args.sample, args.candidates))
        )
        taken, held = per_row_once(pristine, directory / f"row-{i}.db", preview.question_id, sample)
        rows.append(taken * args.candidates / len(sample))
        matched += sum(rescored[r] == held[r] for r in sample)
    return {
        "candidates": args.candidates,
        "marks": args.candidates * args.questions,
        "changed": changed,
        "raised": preview.raised,
        "bulk": [b[0] for b in bulk],
        "per_row": rows,
        "sampled": len(sample) * args.repeats,
        "matched": matched,
    }


def apply_once(params: Rescore, pristine: Path, home: Path) -> tuple[float, int, Any, dict[int, Any]]:
    """The rescore previewed (untimed) and applied (timed) on a fresh copy of the store; its grades."""
    path = home / "examflow.db"
    home.mkdir()
    shutil.copy(pristine, path)
    url = f"sqlite:///{path}"
    point_examflow_at(url, home)
    preview = preview_rescore.fn(params)
    seconds, changed = timed(lambda: apply_rescore.fn(params, "bench", preview.digest))
    grades = held_grades(engine_for(url))
    engine_for(url).dispose()
    engine_for.cache_clear()
    return seconds, changed, preview, grades


def per_row_once(
    pristine: Path, path: Path, question_id: str, sample: list[int]
) -> tuple[float, dict[int, Any]]:
    """The per-row loop over `sample` (timed, the collector paused as the apply pauses it) on a fresh
    copy of the store, its connection opened beforehand as the apply's is by its preview; the grades
    it leaves."""
    shutil.copy(pristine, path)
    engine = make_engine(f"sqlite:///{path}")
    held_grades(engine)
    with collector.paused():
        seconds, _ = timed(lambda: per_row(engine, question_id, sample))
    grades = held_grades(engine)
    engine.dispose()
    return seconds, grades


def report(f: dict[str, Any]) -> str:
    bulk, per_row = median(f["bulk"]), median(f["per_row"])
    lines = [
        f"{f['candidates']:,} candidates, {f['marks']:,} marks; key of question 1 corrected: "
        f"{f['changed']:,} candidates' points changed, {f['raised']:,} grades raised",
        f"{'measure (median of ' + str(len(f['bulk'])) + ' runs on fresh copies)':<52}"
        f"{'seconds':>9}{'per candidate':>15}{'range (s)':>17}",
        *(
            f"{label:<52}{median(runs):>9.3f}{median(runs) / f['candidates'] * 1e6:>12.1f} us"
            f"{min(runs):>9.3f}-{max(runs):.3f}"
            for label, runs in (
                ("bulk: apply_rescore (load, rules, write, audit)", f["bulk"]),
                (f"per row ({f['sampled'] // len(f['per_row']):,} sampled a run, scaled)", f["per_row"]),
            )
        ),
        f"grades matched: {f['matched']:,} of {f['sampled']:,} sampled candidates",
        f"seconds={bulk:.3f} vs_per_row={per_row / bulk:.1f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2_000)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--sample", type=int, default=200, help="candidates timed one by one, then scaled")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each measure, on fresh copies")
    run_and_print(parser.parse_args(argv), "bench-grading-", run, report)


if __name__ == "__main__":
    main()
