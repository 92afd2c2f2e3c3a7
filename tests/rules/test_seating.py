"""The seating plan's decisions: seats with power first, separate rooms for those who write apart,
loan PCs from each building's pool, staffing by ratio, and every conflict found before the day."""

from __future__ import annotations

from datetime import date

import pytest

from rules.rooms import Room
from rules.seating import (
    DOUBLE_BOOKED,
    TOO_FEW_INVIGILATORS,
    TOO_FEW_IT_SUPPORT,
    TOO_FEW_LOAN_PCS,
    TOO_FEW_OUTLETS,
    TOO_FEW_SEATS,
    TOO_FEW_SEPARATE,
    TWO_EXAMS,
    Candidate,
    Conflict,
    Elsewhere,
    LoanPcApplication,
    LoanPcDecision,
    Ratios,
    loan_pc_deadline,
    plan_seating,
    seat,
    staff,
)

HALL = Room("Q21", "Main", seats=4, power_seats=2)
SMALL = Room("Q22", "Main", seats=2, power_seats=0)
APART = Room("S1", "Annex", seats=1, power_seats=1, separate_room=True)
RATIOS = Ratios(candidates_per_invigilator=2, candidates_per_it_support=4)


def where(seats: list) -> dict[str, tuple[str, int, bool]]:
    return {s.code: (s.room, s.number, s.power) for s in seats}


def test_equipment_then_most_extra_time_get_the_seats_with_power_first() -> None:
    people = [
        Candidate("A-1"),
        Candidate("A-2", extra_time_minutes=30),
        Candidate("A-3", equipment="screen reader"),
        Candidate("A-4", extra_time_minutes=60),
        Candidate("A-5"),
    ]
    seats, left = seat([SMALL, HALL], people)
    assert left == []
    assert where(seats) == {
        "A-3": ("Q21", 1, True),
        "A-4": ("Q21", 2, True),
        "A-2": ("Q21", 3, False),
        "A-1": ("Q21", 4, False),
        "A-5": ("Q22", 1, False),
    }


def test_a_separate_room_candidate_sits_only_in_a_separate_room() -> None:
    people = [Candidate("A-1", separate_room=True), Candidate("A-2", separate_room=True), Candidate("A-3")]
    seats, left = seat([HALL, APART], people)
    assert where(seats) == {"A-1": ("S1", 1, True), "A-3": ("Q21", 1, True)}
    assert left == [Candidate("A-2", separate_room=True)]


@pytest.mark.parametrize(
    ("exam_day", "deadline"),
    [
        (date(2026, 10, 22), date(2026, 10, 19)),  # Thursday: Monday
        (date(2026, 10, 19), date(2026, 10, 14)),  # Monday: the Wednesday before
        (date(2026, 1, 8), date(2026, 1, 2)),  # Epiphany (6 Jan) is no working day
    ],
)
def test_the_loan_pc_deadline_counts_working_days(exam_day: date, deadline: date) -> None:
    assert loan_pc_deadline(exam_day) == deadline


def test_loan_pcs_go_in_order_of_application_from_the_pool_of_the_applicants_building() -> None:
    people = [Candidate(f"A-{n}") for n in range(1, 6)] + [Candidate("A-6", separate_room=True)]
    applications = [
        LoanPcApplication("A-5", date(2026, 10, 1)),
        LoanPcApplication("A-1", date(2026, 10, 2)),
        LoanPcApplication("A-2", date(2026, 10, 3)),
        LoanPcApplication("A-6", date(2026, 10, 3)),
        LoanPcApplication("A-3", date(2026, 10, 30)),
        LoanPcApplication("A-9", date(2026, 10, 1)),
    ]
    plan = plan_seating(
        [HALL, SMALL, APART],
        people,
        applications=applications,
        pools={"Main": 3, "Annex": 0},
        deadline=date(2026, 10, 19),
        invigilators=[],
        it_support=[],
        ratios=RATIOS,
        elsewhere=Elsewhere(loan_pcs={"Main": 1}),
    )
    assert plan.loan_pcs == [
        LoanPcDecision("A-5", True, "Main", ""),
        LoanPcDecision("A-9", False, "", "has no seat"),
        LoanPcDecision("A-1", True, "Main", ""),
        LoanPcDecision("A-2", False, "Main", "no loan PC left in Main"),
        LoanPcDecision("A-6", False, "Annex", "no loan PC left in Annex"),
        LoanPcDecision("A-3", False, "Main", "applied on 2026-10-30, after 2026-10-19"),
    ]
    assert [c for c in plan.conflicts if c.kind == TOO_FEW_LOAN_PCS] == [
        Conflict(TOO_FEW_LOAN_PCS, "1 applicant(s) in Annex get no loan PC: the pool is empty"),
        Conflict(TOO_FEW_LOAN_PCS, "1 applicant(s) in Main get no loan PC: the pool is empty"),
    ]


def test_staff_by_ratio_at_least_one_each_and_one_duty_per_person() -> None:
    people = [Candidate(f"A-{n}") for n in range(1, 6)] + [Candidate("A-6", separate_room=True)]
    seats, _ = seat([HALL, SMALL, APART], people)
    duties, needs = staff(seats, RATIOS, ["both", "i1", "i2", "i3"], ["both", "t1"])
    assert [(n.duty, n.place, n.candidates, n.needed, n.staffed) for n in needs] == [
        ("invigilator", "S1", 1, 1, 1),
        ("invigilator", "Q21", 4, 2, 2),
        ("invigilator", "Q22", 1, 1, 1),
        ("it_support", "Annex", 1, 1, 1),
        ("it_support", "Main", 5, 2, 0),
    ]
    assert [(d.staff_id, d.place) for d in duties] == [
        ("both", "S1"),
        ("i1", "Q21"),
        ("i2", "Q21"),
        ("i3", "Q22"),
        ("t1", "Annex"),
    ]
    assert len({d.staff_id for d in duties}) == len(duties)


CONFLICT_CASES = {
    DOUBLE_BOOKED: (
        dict(elsewhere=Elsewhere(rooms={"Q21": "Physics, written exam"})),
        ["Q21 (Main) is booked for Physics, written exam at the same time"],
    ),
    TOO_FEW_SEATS: (
        dict(together=7),
        ["1 candidate(s) have no seat", "4 candidate(s) sit without a power outlet"],
    ),
    TOO_FEW_SEPARATE: (dict(apart=2), ["1 candidate(s) with a separate room have no seat in one"]),
    TOO_FEW_OUTLETS: (dict(together=4), ["2 candidate(s) sit without a power outlet"]),
    TWO_EXAMS: (
        dict(elsewhere=Elsewhere(candidates={"A-1": ["Physics, written exam"]})),
        ["A-1 is also registered on Physics, written exam"],
    ),
    TOO_FEW_INVIGILATORS: (  # i2 is on duty at another exam at the same time
        dict(invigilators=["i1", "i2"], elsewhere=Elsewhere(staff=frozenset({"i2"}))),
        ["Q21: 2 candidates need 1, 0 free"],
    ),
    TOO_FEW_IT_SUPPORT: (dict(it_support=["t1"]), ["Main: 2 candidates need 1, 0 free"]),
}


@pytest.mark.parametrize("kind", list(CONFLICT_CASES))
def test_each_conflict_is_found_and_only_it(kind: str) -> None:
    """A plan with room to spare (two candidates in the hall, one apart), then one thing changed:
    the conflicts it causes, and only those."""
    case, texts = CONFLICT_CASES[kind]
    people = [Candidate(f"A-{n}") for n in range(1, case.get("together", 2) + 1)]
    people += [Candidate(f"S-{n}", separate_room=True) for n in range(1, case.get("apart", 1) + 1)]
    plan = plan_seating(
        [HALL, SMALL, APART],
        people,
        applications=[],
        pools={},
        deadline=date(2026, 10, 19),
        invigilators=case.get("invigilators", ["i1", "i2", "i3"]),
        it_support=case.get("it_support", ["t1", "t2"]),
        ratios=Ratios(candidates_per_invigilator=30, candidates_per_it_support=30),
        elsewhere=case.get("elsewhere", Elsewhere()),
    )
    assert [c.text for c in plan.conflicts] == texts
    assert plan.conflicts[0].kind == kind
    assert plan.blocked == (kind in {DOUBLE_BOOKED, TOO_FEW_SEATS, TOO_FEW_SEPARATE})


def test_a_plan_with_room_to_spare_has_no_conflict() -> None:
    plan = plan_seating(
        [HALL, SMALL, APART],
        [Candidate("A-1"), Candidate("A-2"), Candidate("S-1", separate_room=True)],
        applications=[],
        pools={},
        deadline=date(2026, 10, 19),
        invigilators=["i1", "i2"],
        it_support=["t1", "t2"],
        ratios=Ratios(candidates_per_invigilator=30, candidates_per_it_support=30),
        elsewhere=Elsewhere(),
    )
    assert plan.conflicts == [] and not plan.blocked
