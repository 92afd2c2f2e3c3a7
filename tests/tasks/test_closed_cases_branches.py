"""Closing an exam's case, its branches fast: a graded Norwegian exam transferred on the fakes,
the day moved (only time is mocked). While the law's window for requests is open nothing is
archived; past it, an open request still holds the case; settled, the test is marked graded and the
exam archived once (its scanned sketches with it); a second sweep archives nothing; an appeal
decided after the archive files its decision and the changed protocol in the same case."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

import tasks.case_closing
from models.grading import CommitteeRule, GradingSettings
from store import appeals, registrations
from store.db import transaction
from store.schema import Appeal, ArchiveRecord, AuditEvent, Grade, Occasion
from tasks.archive import archive_appeal_decision
from tasks.case_closing import awaiting_archive, close_case, state_of
from tasks.platform_results import platform_test_id
from tasks.sketches import archive_name
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam, new_grade_into_fs, transferred

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    sizes = {o: len(fakes.ladok.registered_many([o])[o]) for o in fakes.ladok.occasions}
    uid = min((o for o in sizes if sizes[o] >= 5), key=sizes.__getitem__)  # the smallest: quicker
    graded_exam(fakes, uid, RULE)
    assert not transferred(uid)
    return uid


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[date]]:
    """The day the case is judged on: set `today[0]`."""
    day = [datetime.now(UTC).date()]
    monkeypatch.setattr(tasks.case_closing, "now", lambda: datetime.combine(day[0], datetime.min.time(), UTC))
    yield day


def last_day(occasion: str) -> date:
    window = state_of(occasion).window
    assert window is not None and window.name == "appeal"
    return window.due_on


def platform_status(fakes: FakeSystems, occasion: str) -> str:
    return fakes.inspera.get_test(platform_test_id(occasion)).status


def archived(occasion: str) -> dict[str, str]:
    """Filename → case id of what our store says is archived for the exam."""
    with transaction() as session:
        rows = session.query(ArchiveRecord).filter(ArchiveRecord.occasion_id == occasion)
        return {r.filename: r.case_id for r in rows}


def appeal_of_first(occasion: str, received_on: date) -> int:
    with transaction() as session:
        grade = session.query(Grade).filter(Grade.occasion_id == occasion, Grade.grade != "F").first()
        assert grade is not None
        return appeals.receive(
            session, occasion_id=occasion, registration_id=grade.registration_id, received_on=received_on
        ).id


SKETCH = b"%PDF-1.4\n% a scanned sketch\n%%EOF\n"


def sketch_of_first(fakes: FakeSystems, occasion: str) -> str:
    """A scanned sketch attached to the first candidate's submission; their code."""
    test_id = platform_test_id(occasion)
    first = fakes.inspera.list_candidates(test_id)[0]
    fakes.inspera.attach_file(test_id, first.external_user_id, name="sketch.pdf", content=SKETCH)
    with transaction() as session:
        return registrations.codes(session, occasion_id=occasion)[first.external_user_id]


def decide(occasion: str, appeal_id: int) -> int:
    with transaction() as session:
        appeal = appeals.decide(session, appeal_id=appeal_id, new_grade="F")
        return appeal.registration_id


def test_while_the_window_is_open_nothing_is_archived(
    fakes: FakeSystems, occasion: str, today: list[date]
) -> None:
    today[0] = last_day(occasion)
    closed = close_case.fn(occasion)
    assert not closed.archived
    assert closed.why.startswith(f"waits: requests may come until {today[0]} (")
    assert archived(occasion) == {} and fakes.noark.cases == {}
    assert platform_status(fakes, occasion) == "GRADING_IN_PROGRESS"
    assert awaiting_archive.fn() == [occasion]


def test_past_the_window_an_open_appeal_holds_the_case_and_once_decided_it_is_archived(
    fakes: FakeSystems, occasion: str, today: list[date]
) -> None:
    appeal_id = appeal_of_first(occasion, date.today())
    today[0] = last_day(occasion) + timedelta(days=1)
    waiting = close_case.fn(occasion)
    with transaction() as session:
        code = registrations.code_of(
            session, registration_id=session.get_one(Appeal, appeal_id).registration_id
        )
    assert not waiting.archived and waiting.why.endswith(f"; appeal of {code} not settled")
    assert archived(occasion) == {} and platform_status(fakes, occasion) == "GRADING_IN_PROGRESS"

    decide(occasion, appeal_id)
    sketched = sketch_of_first(fakes, occasion)
    closed = close_case.fn(occasion)
    assert closed.archived and closed.why.startswith("closed: requests may come until")
    assert platform_status(fakes, occasion) == "GRADED"
    filed = archived(occasion)
    assert set(filed.values()) == {closed.case_id} and f"appeal-{code}.json" in filed
    assert sum(name.startswith("paper-") for name in filed) > 0
    assert archive_name(sketched, SKETCH) in filed
    with transaction() as session:
        assert session.get_one(Occasion, occasion).status == "archived"
        actions = [e.action for e in session.query(AuditEvent).filter(AuditEvent.occasion_id == occasion)]
    assert actions.count("platform.graded") == actions.count("exam.archived") == 1


def test_a_second_sweep_archives_nothing(fakes: FakeSystems, occasion: str, today: list[date]) -> None:
    today[0] = last_day(occasion) + timedelta(days=1)
    first = close_case.fn(occasion)
    held = {case: list(documents) for case, documents in fakes.noark.documents_of.items()}
    assert first.archived and awaiting_archive.fn() == []
    again = close_case.fn(occasion)
    assert (again.archived, again.why) == (False, "not waiting to be archived (status archived)")
    assert fakes.noark.documents_of == held


def test_an_appeal_decided_after_the_archive_files_in_the_same_case(
    fakes: FakeSystems, occasion: str, today: list[date]
) -> None:
    today[0] = last_day(occasion) + timedelta(days=1)
    case_id = close_case.fn(occasion).case_id
    before = archived(occasion)
    appeal_id = appeal_of_first(occasion, today[0])  # late, admitted by the coordinator
    registration_id = decide(occasion, appeal_id)
    filed = archive_appeal_decision.fn(occasion, appeal_id)
    assert filed.case_id == case_id
    assert (
        new_grade_into_fs(fakes, occasion, registration_id, "appeal").discrepancy is None
    )  # as the appeal flow does
    assert awaiting_archive.fn() == [occasion]
    again = close_case.fn(occasion)
    assert again.archived and again.case_id == case_id
    new = {name for name in archived(occasion) if name not in before}
    assert {n.split("-")[0] for n in new} == {"appeal", "protocol", "audit"}
    assert list(fakes.noark.cases) == [case_id]
