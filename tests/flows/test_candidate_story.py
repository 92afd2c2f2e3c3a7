"""candidate-story under Prefect, on a graded, transferred and archived exam (the fast world on
in-process fakes of the outside systems, a SQLite store): the exam office gets the whole story in
order as an artifact by code, without the student's name, national id or any code of an action, and
the student's access file under $EXAMFLOW_HOME/requests/ says what is held, where, why and until
when; a planner asks for a student by their uid; a grader is refused, the refusal audited, and
nothing is read or written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import Engine, select

from deployments.staff import seed_staff
from flows.candidate_story import candidate_story
from models.grading import CommitteeRule, GradingSettings
from models.story import CandidateStory
from store.db import transaction
from store.schema import ArchiveRecord, AuditEvent, Registration, Student
from tasks.archive import archive_exam
from tasks.story import StoryRefused
from tasks.systems import installed
from tests.conftest import examflow_environment
from tests.fakes import FakeSystems
from tests.fakes.worlds import SMALL_TERM, graded_exam, transferred

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def exam(sqlite_engine: Engine, tmp_path: Path, prefect_harness: None) -> Iterator[tuple[str, Path]]:
    """A Norwegian exam graded, its grades transferred and its documents archived; its occasion."""
    fakes = FakeSystems.with_term(SMALL_TERM)
    env = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_DATABASE_URL": sqlite_engine.url.render_as_string(hide_password=False),
    }
    with examflow_environment(env), installed(fakes):
        with transaction() as session:
            seed_staff(session)
        uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
        graded_exam(fakes, uid, RULE)
        assert not transferred(uid)  # through the platform's transfer to FS, read back
        archive_exam.fn(uid)
        yield uid, tmp_path


def a_candidate(occasion: str) -> tuple[Registration, Student]:
    with transaction() as session:
        registration = session.scalars(
            select(Registration).where(Registration.occasion_id == occasion).order_by(Registration.id)
        ).first()
        assert registration is not None
        student = session.get(Student, registration.student_uid)
        assert student is not None
        session.expunge_all()
        return registration, student


def audited(action: str) -> list[AuditEvent]:
    with transaction() as session:
        found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        session.expunge_all()
        return found


def test_the_exam_office_gets_the_story_and_the_students_access_file(exam: tuple[str, Path]) -> None:
    occasion, home = exam
    registration, student = a_candidate(occasion)
    code = registration.anonymisation_code
    params = CandidateStory(asker_id="staff-coordinator-1", occasion_uid=occasion, code=code)
    file = Path(candidate_story(params))

    artifact = Artifact.get(f"candidate-story-{occasion.lower()}")
    assert artifact is not None and isinstance(artifact.data, str)
    story = artifact.data
    # The fast world grades, transfers and archives now, before the exam's day in the register: the
    # story is in the order of the times recorded, the lifecycle's order kept at one instant.
    whens = re.findall(r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d) \|", story, flags=re.MULTILINE)
    assert len(whens) >= 9 and whens == sorted(whens)
    order = [
        f"under the code {code}",
        "| Grade ",
        "sent to the student register",
        "the student register confirmed grade",
        f"Archived: paper-{code}.json",
        f"A candidate on the platform's test as {code}",
        "Attendance: ",
        "Marked: ",
    ]
    places = [story.index(words) for words in order]
    assert places == sorted(places)
    with transaction() as session:
        paper = session.scalars(
            select(ArchiveRecord).where(ArchiveRecord.filename == f"paper-{code}.json")
        ).one()
    assert paper.sha256 in story
    assert student.last_name not in story
    assert not student.national_id or student.national_id not in story
    assert not re.search(r"\b(grades|results|exam|appeal)\.[a-z_]+\b", story)  # actions in words
    assert not re.search(r"[\[{]'|None|datetime\(", story)  # no Python reprs

    assert file.parent == home / "requests" and file.exists()
    text = file.read_text()
    assert f"For {student.first_name} {student.last_name}, student id {student.uid}" in text
    assert "GDPR Art. 15" in text and "Kept until" in text and "public task, GDPR Art. 6(1)(e)" in text
    assert f"Archived: paper-{code}.json" in text
    assert [e.detail for e in audited("story.shown")] == [{"candidate": code, "file": str(file)}]


def test_a_planner_gets_a_students_story_by_their_uid(exam: tuple[str, Path]) -> None:
    occasion, home = exam
    registration, student = a_candidate(occasion)
    file = Path(candidate_story(CandidateStory(asker_id="staff-planner-1", student_uid=student.uid)))
    artifact = Artifact.get("candidate-story-student")
    assert artifact is not None and isinstance(artifact.data, str)
    assert f"## Candidate {registration.anonymisation_code}: " in artifact.data
    assert file.parent == home / "requests" and f"student id {student.uid}" in file.read_text()


def test_a_grader_is_refused_and_the_refusal_audited(exam: tuple[str, Path]) -> None:
    occasion, home = exam
    registration, _ = a_candidate(occasion)
    params = CandidateStory(
        asker_id="staff-grader-1", occasion_uid=occasion, code=registration.anonymisation_code
    )
    with pytest.raises(
        StoryRefused, match="staff staff-grader-1 holds neither the coordinator nor the planner role"
    ):
        candidate_story(params)
    (refusal,) = audited("story.refused")
    assert (refusal.actor, refusal.occasion_id) == ("staff-grader-1", occasion)
    assert not (home / "requests").exists() and audited("story.shown") == []
