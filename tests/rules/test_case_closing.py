"""When an exam's case closes: the latest of the law's deadlines for a request over its published
candidates (moved off weekends and public holidays), and no request open."""

from __future__ import annotations

from datetime import date

from models.domain import Country
from rules.case_closing import OpenRequest, Published, case_state, request_window
from rules.law import Justification

EXAM = date(2026, 4, 10)
# 3 weeks after 23 April 2026 is Ascension Day (14 May): the last day moves to Friday 15 May
PUBLISHED = date(2026, 4, 23)


def published(code: str, on: date = PUBLISHED, justification: Justification | None = None) -> Published:
    return Published(code=code, published_on=on, justification=justification)


def test_the_window_ends_on_the_latest_appeal_deadline_moved_off_a_public_holiday() -> None:
    window = request_window(Country.NO, EXAM, [published("A-1"), published("A-2", date(2026, 4, 20))])
    assert window is not None
    assert (window.name, window.due_on, window.moved_from) == ("appeal", date(2026, 5, 15), date(2026, 5, 14))


def test_the_case_is_open_on_the_last_day_and_closed_the_day_after() -> None:
    candidates = [published("A-1")]
    assert not case_state(Country.NO, EXAM, candidates, [], date(2026, 5, 15)).closed
    assert case_state(Country.NO, EXAM, candidates, [], date(2026, 5, 16)).closed


def test_a_justification_given_late_moves_the_window_to_three_weeks_after_it() -> None:
    given = Justification(requested_on=date(2026, 4, 27), given_on=date(2026, 5, 12))
    window = request_window(Country.NO, EXAM, [published("A-1"), published("A-2", justification=given)])
    assert window is not None and window.due_on == date(2026, 6, 2)


def test_an_open_request_keeps_the_case_open_after_the_window_and_is_named() -> None:
    asked = Justification(requested_on=date(2026, 4, 27))
    state = case_state(
        Country.NO,
        EXAM,
        [published("A-1", justification=asked)],
        [OpenRequest(kind="justification", code="A-1")],
        date(2026, 9, 1),
    )
    assert not state.closed
    assert state.why().endswith("; justification of A-1 not settled")


def test_sweden_sets_no_window_a_published_exam_closes_at_once_an_unpublished_never() -> None:
    state = case_state(Country.SE, EXAM, [published("S-1")], [], PUBLISHED)
    assert state.window is None and state.closed
    assert state.why() == "closed: the law sets no deadline for requests, and no request is open"
    assert not case_state(Country.SE, EXAM, [], [], PUBLISHED).closed
    appealed = [OpenRequest(kind="appeal", code="S-1")]
    assert not case_state(Country.SE, EXAM, [published("S-1")], appealed, PUBLISHED).closed
