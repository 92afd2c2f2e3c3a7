"""Sorting the requests read from the register: start each once, leave one held alone, refuse an
unknown candidate number by name."""

from __future__ import annotations

from datetime import date

from models.domain import RegisterRequest, RequestKind
from rules.requests import Outcome, sort_requests

CANDIDATES = {"X-0001": 1, "X-0002": 2, "X-0003": 3}


def asked(request_id: str, candidate: str, kind: RequestKind = RequestKind.JUSTIFICATION) -> RegisterRequest:
    return RegisterRequest(
        request_id=request_id, kind=kind, candidate=candidate, received_on=date(2026, 3, 4)
    )


def outcomes(
    found: list[RegisterRequest],
    held: set[tuple[int, str]] | None = None,
    recorded: dict[str, str | None] | None = None,
) -> list[tuple[str, Outcome, str]]:
    sorted_ = sort_requests(
        found, occasion_id="occ-1", candidates=CANDIDATES, held=held or set(), recorded=recorded or {}
    )
    return [(s.request.request_id, s.outcome, s.detail) for s in sorted_]


def test_new_requests_start_and_carry_their_registration() -> None:
    found = [asked("r1", "X-0001"), asked("r2", "X-0001", RequestKind.APPEAL)]
    sorted_ = sort_requests(found, occasion_id="occ-1", candidates=CANDIDATES, held=set(), recorded={})
    assert [(s.outcome, s.registration_id) for s in sorted_] == [(Outcome.START, 1), (Outcome.START, 1)]


def test_an_unknown_candidate_number_is_refused_by_name() -> None:
    assert outcomes([asked("r1", "X-9999")]) == [
        ("r1", Outcome.REFUSED, "candidate number X-9999 is not a candidate on occ-1")
    ]


def test_a_request_started_before_is_held_and_one_recorded_but_not_started_starts_again() -> None:
    found = [asked("r1", "X-0001"), asked("r2", "X-0002")]
    assert outcomes(found, recorded={"r1": "run-1", "r2": None}) == [
        ("r1", Outcome.HELD, "started before: flow run run-1"),
        ("r2", Outcome.START, ""),
    ]


def test_a_kind_already_held_for_the_candidate_is_not_started_twice() -> None:
    found = [
        asked("r1", "X-0001"),
        asked("r2", "X-0002"),
        asked("r3", "X-0002"),
        asked("r4", "X-0001", RequestKind.APPEAL),
    ]
    assert outcomes(found, held={(1, "justification")}) == [
        ("r1", Outcome.HELD, "a justification of X-0001 is already held"),
        ("r2", Outcome.START, ""),
        ("r3", Outcome.HELD, "a justification of X-0002 is already held"),
        ("r4", Outcome.START, ""),
    ]
