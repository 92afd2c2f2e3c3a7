"""Graders' notes, left with their own approval: checked against their committee, then kept."""

from __future__ import annotations

from prefect import task

from models.approvals import GraderNoteIn
from store import committees, grading, notes
from store.db import transaction
from tasks.retries import REPLAY_SAFE
from tasks.run_logs import run_logger


@task(name="check-notes", **REPLAY_SAFE)
def check_notes(occasion_id: str, committee: str, given: list[GraderNoteIn]) -> str:
    """'' when every note is on a candidate of the committee and a question of the exam, else every
    note that is not, named."""
    with transaction() as session:
        codes = set(committees.candidates_of(session, occasion_id=occasion_id, name=committee).values())
        numbers = set(grading.question_ids(session, occasion_id=occasion_id))
    problems = [
        f"note {i}: {n.code} is not a candidate of {committee}"
        if n.code not in codes
        else f"note {i}: the exam has no question {n.question}"
        for i, n in enumerate(given, start=1)
        if n.code not in codes or (n.question and n.question not in numbers)
    ]
    if problems:
        run_logger().info(f"{len(problems)} of {len(given)} notes are not on the grader's committee or exam")
    return "; ".join(problems)


@task(name="save-notes", **REPLAY_SAFE)
def save_notes(occasion_id: str, committee: str, staff_id: str, given: list[GraderNoteIn]) -> int:
    """Keeps the notes of a committee's grader (a note given twice is kept once); returns how many
    were new."""
    with transaction() as session:
        question_ids = grading.question_ids(session, occasion_id=occasion_id)
        ids = {
            code: i
            for i, code in committees.candidates_of(session, occasion_id=occasion_id, name=committee).items()
        }
        added = notes.add(
            session,
            occasion_id=occasion_id,
            staff_id=staff_id,
            given=[
                notes.NoteIn(
                    registration_id=ids[n.code],
                    text=n.text,
                    purpose="justification" if n.for_justification else "private",
                    question_id=question_ids.get(n.question, ""),
                )
                for n in given
            ],
        )
    kept = sum(n.for_justification for n in given)
    run_logger().info(
        f"{staff_id} left {len(given)} notes on {committee} ({added} new, {kept} meant for a justification)"
    )
    return added
