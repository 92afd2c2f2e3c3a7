"""The term in numbers on small frames: each figure checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from models.domain import Country
from rules import law
from rules import term_statistics as stats

SITTING_COLUMNS = [
    "occasion_id",
    "name",
    "course",
    "country",
    "exam_type",
    "form",
    "scale",
    "starts_at",
    "registrations",
]


def sitting(occasion_id: str, day: date, **fields: Any) -> dict[str, Any]:
    row = dict(
        occasion_id=occasion_id,
        name=f"Exam {occasion_id}",
        course="MA101 Algebra",
        country="SE",
        exam_type="paper",
        form="",
        scale="A-F",
        starts_at=datetime(day.year, day.month, day.day, 7, tzinfo=UTC),
        registrations=10,
    )
    return row | fields


def sittings(*rows: dict[str, Any]) -> pd.DataFrame:
    return stats.with_terms(pd.DataFrame(list(rows), columns=SITTING_COLUMNS))


def grades(**by_occasion: str) -> pd.DataFrame:
    """grades(a="A A F") gives occasion a three grades."""
    rows = [(o, g) for o, given in by_occasion.items() for g in given.split()]
    return pd.DataFrame(rows, columns=["occasion_id", "grade"])


@pytest.mark.parametrize(
    ("country", "exam_on", "due_on"),
    [
        # 15 working days from the first working day after the exam: Monday 2 March -> Monday 23 March.
        (Country.SE, date(2026, 3, 2), date(2026, 3, 23)),
        # Easter (Good Friday 3 April, Easter Monday 6 April) is not counted: 27 April, not 23 April.
        (Country.SE, date(2026, 4, 2), date(2026, 4, 27)),
        # Norway: 3 weeks; 17 May 2026 is a Sunday and Constitution Day, so the 18th.
        (Country.NO, date(2026, 4, 26), date(2026, 5, 18)),
        (Country.NO, date(2026, 3, 2), date(2026, 3, 23)),
    ],
)
def test_the_result_deadline_is_the_countrys(country: Country, exam_on: date, due_on: date) -> None:
    assert law.result_deadline(country, exam_on).due_on == due_on


@pytest.mark.parametrize(
    ("scale", "original", "new", "status", "outcome"),
    [
        ("A-F", "C", "B", "decided", "Grade raised"),
        ("A-F", "C", "C", "decided", "Grade unchanged"),
        ("A-F", "E", "FX", "decided", "Grade lowered"),
        ("A-F", "C", None, "received", "Not yet decided"),
        ("P/F", "F", "P", "decided", "Grade raised"),
    ],
)
def test_an_appeals_outcome_in_words(
    scale: str, original: str, new: str | None, status: str, outcome: str
) -> None:
    assert stats.appeal_outcome(scale, original, new, status) == outcome


@pytest.mark.parametrize(
    ("day", "term"),
    [(date(2026, 1, 15), "HT2025"), (date(2026, 1, 16), "VT2026"), (date(2026, 8, 16), "HT2026")],
)
def test_a_sitting_falls_in_its_term(day: date, term: str) -> None:
    assert list(sittings(sitting("a", day))["term"]) == [term]


def test_the_digital_share_counts_sittings_and_registrations_on_the_platform() -> None:
    found = sittings(
        sitting("a", date(2026, 3, 2), form="digital_campus", registrations=30),
        sitting("b", date(2026, 3, 3), exam_type="home", registrations=10),
        sitting("c", date(2026, 3, 4), form="campus_written", exam_type="digital_school", registrations=60),
        sitting("d", date(2026, 10, 1), form="digital_campus", registrations=5),
    )
    table = stats.digital_shares(found, ["VT2026", "HT2026"])
    assert table.to_dict("records") == [
        {
            "Term": "VT2026",
            "Sittings": 3,
            "Sittings on the platform": 2,
            "Share of sittings (%)": 66.7,
            "Registrations": 100,
            "Registrations on the platform": 40,
            "Share of registrations (%)": 40.0,
        },
        {
            "Term": "HT2026",
            "Sittings": 1,
            "Sittings on the platform": 1,
            "Share of sittings (%)": 100.0,
            "Registrations": 5,
            "Registrations on the platform": 5,
            "Share of registrations (%)": 100.0,
        },
    ]


def test_grade_distributions_per_course_across_years_list_every_grade_of_the_scale() -> None:
    found = sittings(
        sitting("a", date(2025, 3, 2)),
        sitting("b", date(2026, 3, 2)),
        sitting("c", date(2026, 3, 9), course="DA201 Databases", scale="P/F"),
    )
    table = stats.grade_distributions(found, grades(a="A A F E", b="B", c="P F P"), ["VT2025", "VT2026"])
    algebra_2025 = table[(table["Course"] == "MA101 Algebra") & (table["Term"] == "VT2025")]
    assert list(algebra_2025["Grade"]) == ["F", "FX", "E", "D", "C", "B", "A"]
    assert list(algebra_2025["Candidates"]) == [1, 0, 1, 0, 0, 0, 2]
    assert list(algebra_2025["Share of the term's grades (%)"]) == [25.0, 0.0, 25.0, 0.0, 0.0, 0.0, 50.0]
    databases = table[table["Course"] == "DA201 Databases"]
    assert databases[["Grading scale", "Grade", "Candidates"]].values.tolist() == [
        ["Pass/fail", "Fail", 1],
        ["Pass/fail", "Pass", 2],
    ]
    wide = stats.distribution_table(table[table["Course"] == "MA101 Algebra"], share=False)
    assert list(wide.columns) == ["Term", "F", "FX", "E", "D", "C", "B", "A", "Candidates"]
    assert wide.values.tolist() == [["VT2025", 1, 0, 1, 0, 0, 0, 2, 4], ["VT2026", 0, 0, 0, 0, 0, 1, 0, 1]]


def test_pass_rates_per_term_and_course() -> None:
    found = sittings(
        sitting("a", date(2025, 10, 2)),
        sitting("b", date(2026, 3, 2), scale="U/G/VG"),
        sitting("c", date(2026, 3, 9), course="DA201 Databases", scale="P/F"),
    )
    table = stats.pass_rates(found, grades(a="FX E", b="U G VG VG", c="F"), ["HT2025", "VT2026"])
    assert table.values.tolist() == [
        ["HT2025", "MA101 Algebra", 2, 1, 50.0],
        ["VT2026", "DA201 Databases", 1, 0, 0.0],
        ["VT2026", "MA101 Algebra", 4, 3, 75.0],
    ]


def test_appeal_rates_and_outcomes_per_term() -> None:
    found = sittings(
        sitting("a", date(2026, 3, 2), country="NO"), sitting("b", date(2025, 3, 2), country="NO")
    )
    appeals = pd.DataFrame(
        [("a", "decided", "C", "B"), ("a", "decided", "D", "D"), ("a", "received", "E", None)],
        columns=["occasion_id", "status", "original_grade", "new_grade"],
    )
    table = stats.appeal_rates(found, grades(a="A B C D E F B B C D", b="A"), appeals, ["VT2025", "VT2026"])
    assert table.to_dict("records") == [
        {"Term": "VT2025", "Grades given": 1, "Appeals": 0, "Appeal rate (%)": 0.0}
        | dict.fromkeys(stats.OUTCOMES, 0),
        {
            "Term": "VT2026",
            "Grades given": 10,
            "Appeals": 3,
            "Appeal rate (%)": 30.0,
            "Grade raised": 1,
            "Grade unchanged": 1,
            "Grade lowered": 0,
            "Not yet decided": 1,
        },
    ]


def published(*rows: tuple[str, date]) -> pd.DataFrame:
    return pd.DataFrame(
        [(o, datetime(d.year, d.month, d.day, 12, tzinfo=UTC)) for o, d in rows],
        columns=["occasion_id", "published_at"],
    )


def test_results_against_the_deadline_name_the_late_ones() -> None:
    found = sittings(
        sitting("on-time", date(2026, 3, 2)),  # due 23 March
        sitting("late", date(2026, 3, 2), country="NO"),  # due 23 March
        sitting("unpublished", date(2026, 3, 3)),  # due 24 March, nothing published by 30 March
        sitting("waiting", date(2026, 3, 25)),  # due 17 April (Easter not counted): not due yet
        sitting("empty", date(2026, 3, 2), registrations=0),
        sitting("later", date(2026, 4, 20)),  # after today
    )
    times = stats.result_times(
        found,
        published(
            ("on-time", date(2026, 3, 10)), ("on-time", date(2026, 3, 23)), ("late", date(2026, 3, 27))
        ),
        "VT2026",
        date(2026, 3, 30),
    )
    assert times[["Sitting", "Country", "Results due", "Results published", "Days late"]].values.tolist() == [
        ["Exam late (late)", "Norway", "2026-03-23", "2026-03-27", 4],
        ["Exam on-time (on-time)", "Sweden", "2026-03-23", "2026-03-23", 0],
        ["Exam unpublished (unpublished)", "Sweden", "2026-03-24", "not yet", 6],
        ["Exam waiting (waiting)", "Sweden", "2026-04-17", "not yet", 0],
    ]
    assert list(times["Days to results"].astype(object).where(times["Days to results"].notna(), None)) == [
        25,
        21,
        None,
        None,
    ]
    overview = {"Sittings": 6, "Registrations": 50}
    assert stats.headline("VT2026", overview, {"Share of sittings (%)": 0.0}, times) == (
        "VT2026: 6 sittings, 50 registrations, 0.0 % of sittings on the platform; "
        "results on time for 1 of 4 sittings held, late for 2"
    )
    late = stats.late_results(times)
    assert late[["Course", "Sitting", "Days late"]].values.tolist() == [
        ["MA101 Algebra", "Exam unpublished (unpublished)", 6],
        ["MA101 Algebra", "Exam late (late)", 4],
    ]


def test_an_empty_store_gives_empty_tables_not_errors() -> None:
    found = sittings()
    no_grades = grades()
    terms = stats.terms_up_to(found, "VT2026")
    assert terms == ["VT2026"]
    assert stats.overview(found, no_grades, terms).values.tolist() == [["VT2026", 0, 0, 0, 0]]
    assert stats.grade_distributions(found, no_grades, terms).empty
    assert stats.pass_rates(found, no_grades, terms).empty
    assert stats.result_times(found, published(), "VT2026", date(2026, 3, 1)).empty


def test_an_unknown_exam_type_is_named_with_its_occasion() -> None:
    found = sittings(sitting("a", date(2026, 3, 2), exam_type="written"))
    with pytest.raises(ValueError, match="occasion a: exam type 'written' is not one of digital_reexam"):
        stats.digital_shares(found, ["VT2026"])
