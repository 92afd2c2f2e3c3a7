from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from models.domain import Country, ExamType
from rules.grades import Scale
from rules.law import (
    Deadline,
    Grader,
    Justification,
    RegradeKind,
    appeal_deadline,
    check_appeal,
    check_appeal_committee,
    check_justification_request,
    check_regrade,
    deadlines,
    grading_deadline,
    justification_deadline,
    justification_request_deadline,
    near_or_past,
    needs_further_assessment,
    roll_to_working_day,
    settled_appeal_grade,
)

NO, SE = Country.NO, Country.SE
TUE = date(2025, 3, 4)  # a Tuesday: 1, 2 and 3 weeks on are Tuesdays too
SAT = date(2025, 3, 8)
SUN = date(2025, 3, 9)


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-03-07", "2025-03-07"),  # Friday stays
        ("2025-03-08", "2025-03-10"),  # Saturday -> Monday
        ("2025-03-09", "2025-03-10"),  # Sunday -> Monday
        ("2025-03-10", "2025-03-10"),  # Monday stays
    ],
)
def test_a_deadline_on_a_weekend_moves_to_monday(day: str, expected: str) -> None:
    assert roll_to_working_day(d(day)) == d(expected)


@pytest.mark.parametrize(
    ("country", "day", "expected"),
    [
        (NO, "2025-04-17", "2025-04-22"),  # Maundy Thursday: Good Friday, the weekend, Easter Monday
        (NO, "2025-04-21", "2025-04-22"),  # Easter Monday
        (NO, "2023-05-17", "2023-05-19"),  # 17 May, then Ascension Day on the 18th
        (NO, "2024-05-17", "2024-05-21"),  # 17 May on a Friday, then Whit Sunday and Whit Monday
        (NO, "2025-12-24", "2025-12-24"),  # Christmas Eve is a working day in Norway
        (NO, "2025-12-25", "2025-12-29"),
        (SE, "2025-12-24", "2025-12-29"),  # Sweden counts Christmas Eve as a holiday for deadlines
        (SE, "2025-06-19", "2025-06-19"),
        (SE, "2025-06-20", "2025-06-23"),  # Midsummer Eve
        (SE, "2025-04-17", "2025-04-17"),  # Maundy Thursday is a working day in Sweden
    ],
)
def test_a_deadline_on_a_public_holiday_moves_to_the_next_working_day(
    country: Country, day: str, expected: str
) -> None:
    assert roll_to_working_day(d(day), country) == d(expected)


@pytest.mark.parametrize(
    ("make", "start", "due", "moved_from"),
    [
        (appeal_deadline, "2025-03-31", "2025-04-22", "2025-04-21"),  # 3 weeks end on Easter Monday
        (justification_request_deadline, "2025-04-10", "2025-04-22", "2025-04-17"),  # Maundy Thursday
        (justification_request_deadline, "2023-05-10", "2023-05-19", "2023-05-17"),  # 17 May
        (grading_deadline, "2025-12-04", "2025-12-29", "2025-12-25"),  # Christmas Day
        (grading_deadline, "2025-12-03", "2025-12-24", None),  # Christmas Eve stays
        (justification_deadline, "2025-04-17", "2025-05-02", "2025-05-01"),  # 1 May
    ],
)
def test_deadlines_move_off_public_holidays(
    make: Callable[[date], Deadline | None], start: str, due: str, moved_from: str | None
) -> None:
    deadline = make(d(start))
    assert deadline is not None
    assert (deadline.due_on, deadline.moved_from) == (d(due), d(moved_from) if moved_from else None)
    assert ("domstolloven" in deadline.source) is bool(moved_from)


def test_an_appeal_on_the_day_after_easter_monday_is_on_time() -> None:
    published = d("2025-03-31")
    assert check_appeal(NO, published, d("2025-04-22")).allowed
    late = check_appeal(NO, published, d("2025-04-23"))
    assert not late.allowed
    assert "by 2025-04-22" in late.reason


# ---------------------------------------------------------------- justification (Norway, uhl § 5-2)


@pytest.mark.parametrize(
    ("published", "requested", "allowed", "reason_has"),
    [
        (TUE, TUE, True, "by 2025-03-11"),
        (TUE, d("2025-03-11"), True, "by 2025-03-11"),  # last allowed day
        (TUE, d("2025-03-12"), False, "too late"),  # the day after
        (TUE, d("2025-03-03"), False, "before the result was published"),
        (SAT, d("2025-03-17"), True, "by 2025-03-17"),  # 1 week ends Saturday 15th -> Monday
        (SAT, d("2025-03-18"), False, "by 2025-03-17"),
        (SUN, d("2025-03-17"), True, "by 2025-03-17"),  # ends Sunday 16th -> Monday
        (SUN, d("2025-03-18"), False, "too late"),
    ],
)
def test_justification_request_norway(
    published: date, requested: date, allowed: bool, reason_has: str
) -> None:
    ruling = check_justification_request(NO, published, requested)
    assert ruling.allowed is allowed
    assert reason_has in ruling.reason
    assert ruling.rule == "no.justification_deadline"
    assert "§ 5-2" in ruling.source
    if not allowed:
        assert "§ 5-2" in ruling.reason


def test_justification_request_sweden_is_refused_and_points_to_correction() -> None:
    ruling = check_justification_request(SE, TUE, TUE)
    assert not ruling.allowed
    assert ruling.rule == "se.no_justification_procedure"
    assert "correction" in ruling.reason and "Förvaltningslagen" in ruling.reason


@pytest.mark.parametrize(
    ("requested", "due", "moved_from"),
    [
        ("2025-03-05", "2025-03-19", None),
        ("2025-03-08", "2025-03-24", "2025-03-22"),  # 2 weeks from a Saturday end on a Saturday
    ],
)
def test_justification_is_due_two_weeks_after_the_request(
    requested: str, due: str, moved_from: str | None
) -> None:
    deadline = justification_deadline(d(requested))
    assert deadline.due_on == d(due)
    assert deadline.moved_from == (d(moved_from) if moved_from else None)
    assert "§ 5-2" in deadline.source


# ---------------------------------------------------------------- appeal (Norway, uhl § 5-3)

ASKED_GIVEN = Justification(requested_on=d("2025-03-06"), given_on=d("2025-03-14"))  # appeal due Fri 04-04
ASKED_GIVEN_SAT = Justification(requested_on=d("2025-03-06"), given_on=d("2025-03-15"))  # 04-05 Sat -> 04-07
ASKED_PENDING = Justification(requested_on=d("2025-03-06"))
ASKED_LATE = Justification(requested_on=d("2025-03-12"), given_on=d("2025-03-20"))


@pytest.mark.parametrize(
    ("received", "justification", "allowed", "reason_has"),
    [
        ("2025-03-25", None, True, "due by 2025-03-25"),  # 3 weeks from publication, last day
        ("2025-03-26", None, False, "within 3 weeks of publication (2025-03-04), by 2025-03-25"),
        ("2025-03-03", None, False, "before the result was published"),
        ("2025-03-26", ASKED_GIVEN, True, "due by 2025-04-04"),  # the justification moves it later
        ("2025-04-04", ASKED_GIVEN, True, "due by 2025-04-04"),
        ("2025-04-05", ASKED_GIVEN, False, "the justification given on 2025-03-14, by 2025-04-04"),
        ("2025-04-07", ASKED_GIVEN_SAT, True, "due by 2025-04-07"),
        ("2025-04-08", ASKED_GIVEN_SAT, False, "by 2025-04-07"),
        ("2025-06-01", ASKED_PENDING, True, "not yet given"),
        ("2025-03-25", ASKED_LATE, True, "due by 2025-03-25"),  # a late request moves nothing
        ("2025-03-26", ASKED_LATE, False, "publication (2025-03-04), by 2025-03-25"),
    ],
)
def test_appeal_deadline_norway(
    received: str, justification: Justification | None, allowed: bool, reason_has: str
) -> None:
    ruling = check_appeal(NO, TUE, d(received), justification=justification)
    assert ruling.allowed is allowed
    assert reason_has in ruling.reason
    assert ruling.rule == "no.appeal_deadline"
    if not allowed:
        assert "§ 5-3 (4)" in ruling.reason


@pytest.mark.parametrize(
    ("country", "kwargs", "rule", "reason_has"),
    [
        (NO, {"already_appealed": True}, "no.no_second_appeal", "cannot be appealed again"),
        (NO, {"exam_type": ExamType.ORAL}, "no.oral_not_appealable", "oral exam"),
        (SE, {}, "se.no_appeal", "cannot be appealed in Sweden"),
        (SE, {"already_appealed": False}, "se.no_appeal", "Högskoleförordningen 12 kap. 2 §"),
    ],
)
def test_appeals_refused_whatever_the_date(
    country: Country, kwargs: dict, rule: str, reason_has: str
) -> None:  # type: ignore[type-arg]
    ruling = check_appeal(country, TUE, TUE, **kwargs)
    assert not ruling.allowed
    assert ruling.rule == rule
    assert reason_has in ruling.reason


def test_justification_given_before_requested_is_bad_input() -> None:
    with pytest.raises(ValueError, match="before it was requested"):
        Justification(requested_on=d("2025-03-06"), given_on=d("2025-03-05"))


# ---------------------------------------------------------------- the appeal committee (uhl § 3-9 (5))

ORIGINAL = (Grader(staff_id="o1"), Grader(staff_id="o2", external=True))
APPEAL = (Grader(staff_id="a1"), Grader(staff_id="a2", external=True))


def g(staff_id: str, external: bool = False) -> Grader:
    return Grader(staff_id=staff_id, external=external)


@pytest.mark.parametrize(
    ("proposed", "earlier", "breaches"),
    [
        ((g("n1", True), g("n2")), (ORIGINAL,), ()),
        ((g("n1", True), g("n2", True), g("n3")), (ORIGINAL,), ()),
        ((g("o2", True), g("n2")), (ORIGINAL,), ("o2 sat on an earlier committee",)),
        ((g("n1"), g("n2")), (ORIGINAL,), ("no external grader, at least one is required",)),
        ((g("n1", True),), (ORIGINAL,), ("1 grader(s) proposed, at least 2 are required",)),
        ((g("n1", True), g("n1", True)), (ORIGINAL,), ("1 grader(s) proposed, at least 2 are required",)),
        (
            (g("o1"),),
            (ORIGINAL,),
            (
                "o1 sat on an earlier committee",
                "1 grader(s) proposed, at least 2 are required",
                "no external grader, at least one is required",
            ),
        ),
        (
            (g("a1"), g("n2", True)),
            (ORIGINAL, APPEAL),
            ("a1 sat on an earlier committee",),
        ),  # further assessment
        ((g("a1"), g("n2", True)), (ORIGINAL,), ()),
    ],
)
def test_appeal_committee(
    proposed: tuple[Grader, ...], earlier: tuple[tuple[Grader, ...], ...], breaches: tuple[str, ...]
) -> None:
    ruling = check_appeal_committee(proposed, *earlier)
    assert ruling.breaches == breaches
    assert ruling.allowed is (not breaches)
    assert ruling.rule == "no.appeal_committee"
    for breach in breaches:
        assert breach in ruling.reason
    if breaches:
        assert "§ 3-9 (5)" in ruling.reason


# ---------------------------------------------------------------- the deviation rule (uhl § 5-3 (6))


@pytest.mark.parametrize(
    ("scale", "original", "new", "expected"),
    [
        (Scale.AF, "C", "C", False),
        (Scale.AF, "C", "B", False),
        (Scale.AF, "C", "D", False),
        (Scale.AF, "C", "A", True),
        (Scale.AF, "C", "E", True),
        (Scale.AF, "A", "F", True),
        (Scale.AF, "F", "D", True),
        (Scale.AF, "E", "F", False),
        (Scale.AF, "E", "FX", False),  # FX and F are one step
        (Scale.AF, "D", "FX", True),
        (Scale.PASS_FAIL, "P", "F", False),
    ],
)
def test_needs_further_assessment(scale: Scale, original: str, new: str, expected: bool) -> None:
    assert needs_further_assessment(scale, original, new) is expected


@pytest.mark.parametrize(
    ("original", "new", "further", "expected"),
    [
        ("C", "B", None, "B"),
        ("C", "D", None, "D"),
        ("C", "A", "B", "B"),  # the further assessment's grade stands
        ("C", "E", "C", "C"),
    ],
)
def test_settled_appeal_grade(original: str, new: str, further: str | None, expected: str) -> None:
    assert settled_appeal_grade(Scale.AF, original, new, further) == expected


@pytest.mark.parametrize(
    ("original", "new", "further", "message"),
    [
        ("C", "A", None, "a further assessment must set the grade"),
        ("C", "B", "A", "no further assessment is held"),
        ("C", "A", "Z", "not on scale"),
    ],
)
def test_settled_appeal_grade_refuses(original: str, new: str, further: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settled_appeal_grade(Scale.AF, original, new, further)


# ---------------------------------------------------------------- changing a grade

A, C, K = RegradeKind.APPEAL, RegradeKind.CORRECTION, RegradeKind.RECONSIDERATION
ADJ = RegradeKind.ADJUSTMENT


@pytest.mark.parametrize(
    ("country", "kind", "original", "new", "published", "heard", "pending", "allowed", "rule", "reason_has"),
    [
        (NO, A, "B", "A", True, False, False, True, "no.appeal_either_way", "higher or lower"),
        (NO, A, "B", "C", True, False, False, True, "no.appeal_either_way", "higher or lower"),
        (NO, A, "B", "D", True, False, False, True, "no.appeal_either_way", "further assessment"),
        (NO, A, "B", "B", True, False, False, True, "no.appeal_either_way", "B -> B"),
        (NO, A, "B", "C", False, False, False, False, "no.appeal_before_publication", "not been published"),
        (NO, C, "B", "C", True, False, True, False, "no.grade_locked", "locked while its appeal is open"),
        (NO, ADJ, "B", "C", True, False, True, False, "no.adjustment_after_publication", "appeal it"),
        (NO, K, "B", "A", True, False, False, False, "no.appeal_only", "through an appeal"),
        (NO, ADJ, "B", "D", False, False, False, True, "no.adjustment_before_publication", "adjust freely"),
        (SE, A, "C", "B", True, True, False, False, "se.no_appeal", "cannot be appealed in Sweden"),
        (SE, C, "C", "B", True, False, False, True, "se.correction", "raises the grade"),
        (SE, C, "C", "D", True, False, False, False, "se.correction", "student must be heard"),
        (SE, C, "C", "D", True, True, False, True, "se.correction", "the student heard"),
        (SE, C, "C", "C", True, True, False, False, "se.correction", "changes nothing"),
        (
            SE,
            C,
            "C",
            "B",
            False,
            False,
            False,
            False,
            "se.correction_before_publication",
            "adjust it instead",
        ),
        (SE, K, "C", "B", True, False, False, True, "se.reconsideration_only_raises", "raises the grade"),
        (SE, K, "C", "D", True, True, False, False, "se.reconsideration_only_raises", "may only raise"),
        (SE, K, "C", "C", True, False, False, False, "se.reconsideration_only_raises", "may only raise"),
        (SE, ADJ, "C", "F", False, False, False, True, "se.adjustment_before_publication", "adjust freely"),
        (SE, ADJ, "C", "A", False, False, False, True, "se.adjustment_before_publication", "adjust freely"),
        (SE, ADJ, "C", "F", True, False, False, False, "se.adjustment_after_publication", "reconsideration"),
    ],
)
def test_check_regrade(
    country: Country,
    kind: RegradeKind,
    original: str,
    new: str,
    published: bool,
    heard: bool,
    pending: bool,
    allowed: bool,
    rule: str,
    reason_has: str,
) -> None:
    ruling = check_regrade(
        country,
        kind,
        original,
        new,
        Scale.AF,
        published=published,
        student_heard=heard,
        appeal_pending=pending,
    )
    assert (ruling.allowed, ruling.rule) == (allowed, rule)
    assert reason_has in ruling.reason
    if not allowed:
        assert ruling.source in ruling.reason


@pytest.mark.parametrize(("original", "new"), [("C", "Q"), ("G", "C")])
def test_check_regrade_refuses_grades_off_the_scale(original: str, new: str) -> None:
    with pytest.raises(ValueError, match="not on scale A-F"):
        check_regrade(SE, C, original, new, Scale.AF, published=True)


# ---------------------------------------------------------------- deadlines shown


@pytest.mark.parametrize(
    ("exam", "due", "moved_from"),
    [
        ("2025-02-11", "2025-03-04", None),
        ("2025-02-15", "2025-03-10", "2025-03-08"),  # 3 weeks from a Saturday exam end on a Saturday
    ],
)
def test_grading_deadline(exam: str, due: str, moved_from: str | None) -> None:
    deadline = grading_deadline(d(exam))
    assert (deadline.due_on, deadline.moved_from) == (d(due), d(moved_from) if moved_from else None)
    assert "§ 3-9 (4)" in deadline.source


@pytest.mark.parametrize(
    ("published", "justification", "expected"),
    [
        (None, None, [("grading", "2025-03-04")]),
        (
            TUE,
            None,
            [("grading", "2025-03-04"), ("justification request", "2025-03-11"), ("appeal", "2025-03-25")],
        ),
        (
            TUE,
            ASKED_PENDING,
            [
                ("grading", "2025-03-04"),
                ("justification request", "2025-03-11"),
                ("justification due", "2025-03-20"),
            ],
        ),
        (
            TUE,
            ASKED_GIVEN,
            [
                ("grading", "2025-03-04"),
                ("justification request", "2025-03-11"),
                ("justification due", "2025-03-20"),
                ("appeal", "2025-04-04"),
            ],
        ),
        (
            TUE,
            ASKED_LATE,
            [("grading", "2025-03-04"), ("justification request", "2025-03-11"), ("appeal", "2025-03-25")],
        ),
    ],
)
def test_deadlines_norway(
    published: date | None, justification: Justification | None, expected: list[tuple[str, str]]
) -> None:
    found = deadlines(NO, d("2025-02-11"), published, justification)
    assert [(x.name, x.due_on.isoformat()) for x in found] == expected
    assert all(x.source for x in found)


def test_deadlines_sweden_are_none() -> None:
    assert deadlines(SE, d("2025-02-11"), TUE, ASKED_GIVEN) == []


def deadline(name: str, due: str) -> Deadline:
    return Deadline(name=name, due_on=d(due), source="test")


@pytest.mark.parametrize(
    ("today", "warn_days", "expected"),
    [
        ("2025-03-01", 3, [("grading", 3)]),  # exactly warn_days left: near
        ("2025-02-28", 3, []),  # one day more: not yet
        ("2025-03-04", 3, [("grading", 0)]),  # due today: near, not past
        ("2025-03-05", 0, [("grading", -1)]),  # the day after: past
        ("2025-03-09", 3, [("grading", -5), ("justification request", 2)]),
        ("2025-03-30", 0, [("grading", -26), ("justification request", -19), ("appeal", -5)]),
    ],
)
def test_near_or_past(today: str, warn_days: int, expected: list[tuple[str, int]]) -> None:
    found = [
        deadline("appeal", "2025-03-25"),
        deadline("grading", "2025-03-04"),
        deadline("justification request", "2025-03-11"),
    ]
    statuses = near_or_past(found, d(today), warn_days)
    assert [(s.deadline.name, s.days_left) for s in statuses] == expected
    assert [s.past for s in statuses] == [n < 0 for _, n in expected]
