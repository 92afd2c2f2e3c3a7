"""A term in numbers, computed on frames of the whole store at once (never exam by exam).

The frames, as `store.term_statistics` reads them:
- sittings: occasion_id, name, course, country, exam_type, form, scale, starts_at (aware), registrations
- grades: occasion_id, grade (approved grades only)
- appeals: occasion_id, status, original_grade, new_grade
- published: occasion_id, published_at (aware): when each candidate's result first reached the register

Every table returned has column titles and values a person reads: words, not codes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from models.domain import Country, ExamType
from rules import law
from rules.digital_share import share, term_of
from rules.exam_times import STOCKHOLM
from rules.grades import Scale

COUNTRY_TITLES = {Country.SE.value: "Sweden", Country.NO.value: "Norway"}
SCALE_TITLES = {
    Scale.AF.value: "A-F",
    Scale.PASS_FAIL.value: "Pass/fail",
    Scale.UGVG.value: "U/G/VG",
    Scale.U345.value: "U/3/4/5",
}
PASS_FAIL_TITLES = {"P": "Pass", "F": "Fail"}
NOT_PUBLISHED = "not yet"


def term_order(term: str) -> tuple[int, int]:
    """VT2026 before HT2026 before VT2027."""
    return int(term[2:]), 0 if term.startswith("VT") else 1


def grade_title(scale: str, grade: str) -> str:
    return PASS_FAIL_TITLES[grade] if scale == Scale.PASS_FAIL.value else grade


def with_terms(sittings: pd.DataFrame) -> pd.DataFrame:
    """The sittings with their exam day (in Stockholm's time, as Oslo's) and term."""
    days = [t.astimezone(STOCKHOLM).date() for t in sittings["starts_at"]]
    return sittings.assign(exam_on=days, term=[term_of(d) for d in days])


def terms_up_to(sittings: pd.DataFrame, term: str) -> list[str]:
    """The terms with sittings, oldest first, up to and including `term`."""
    found = {t for t in sittings["term"] if term_order(t) <= term_order(term)} | {term}
    return sorted(found, key=term_order)


def overview(sittings: pd.DataFrame, grades: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    graded = grades.merge(sittings[["occasion_id", "term"]], on="occasion_id").groupby("term").size()
    rows = []
    for term in terms:
        its = sittings[sittings["term"] == term]
        rows.append(
            {
                "Term": term,
                "Courses examined": its["course"].nunique(),
                "Sittings": len(its),
                "Registrations": int(its["registrations"].sum()),
                "Grades given": int(graded.get(term, 0)),
            }
        )
    return pd.DataFrame(rows)


def digital_shares(sittings: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """Sittings and registrations on the platform against all, per term (`rules.digital_share`)."""
    _check_exam_types(sittings)
    rows = []
    for term in terms:
        its = sittings[sittings["term"] == term]
        found = share(
            term, list(zip(its["form"], its["exam_type"], its["registrations"].astype(int), strict=True))
        )
        rows.append(
            {
                "Term": term,
                "Sittings": found.sittings,
                "Sittings on the platform": found.digital_sittings,
                "Share of sittings (%)": found.sittings_percent,
                "Registrations": found.registrations,
                "Registrations on the platform": found.digital_registrations,
                "Share of registrations (%)": found.registrations_percent,
            }
        )
    return pd.DataFrame(rows)


def _check_exam_types(sittings: pd.DataFrame) -> None:
    known = {t.value for t in ExamType}
    for occasion_id, exam_type in zip(sittings["occasion_id"], sittings["exam_type"], strict=True):
        if exam_type not in known:
            raise ValueError(
                f"occasion {occasion_id}: exam type '{exam_type}' is not one of {', '.join(sorted(known))}"
            )


def _graded(sittings: pd.DataFrame, grades: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    columns = ["occasion_id", "course", "scale", "term"]
    found = grades.merge(sittings[columns], on="occasion_id")
    return found[found["term"].isin(terms)]


def grade_distributions(sittings: pd.DataFrame, grades: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """Per course, grading scale and term: the candidates given each grade of the scale, lowest
    first, and their share of the term's grades in the course."""
    found = _graded(sittings, grades, terms)
    counts = found.groupby(["course", "scale", "term", "grade"]).size()
    rows = []
    for (course, scale), of_course in found.groupby(["course", "scale"]):
        for term in sorted(of_course["term"].unique(), key=term_order):
            total = int((of_course["term"] == term).sum())
            for grade in Scale(scale).grades:
                n = int(counts.get((course, scale, term, grade), 0))
                rows.append(
                    {
                        "Course": course,
                        "Grading scale": SCALE_TITLES[scale],
                        "Term": term,
                        "Grade": grade_title(scale, grade),
                        "Candidates": n,
                        "Share of the term's grades (%)": _percent(n, total),
                    }
                )
    return pd.DataFrame(rows, columns=_DISTRIBUTION_COLUMNS)


_DISTRIBUTION_COLUMNS = [
    "Course",
    "Grading scale",
    "Term",
    "Grade",
    "Candidates",
    "Share of the term's grades (%)",
]


def distribution_table(distributions: pd.DataFrame, share: bool) -> pd.DataFrame:
    """One course's distributions (rows of `grade_distributions`) as a row per term and a column
    per grade, lowest first: candidates, or their share in %; and the term's candidates."""
    value = "Share of the term's grades (%)" if share else "Candidates"
    grades = list(dict.fromkeys(distributions["Grade"]))
    terms = sorted(dict.fromkeys(distributions["Term"]), key=term_order)
    wide = distributions.pivot_table(index="Term", columns="Grade", values=value, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=terms, columns=grades, fill_value=0)
    totals = distributions.groupby("Term")["Candidates"].sum().reindex(terms)
    return wide.assign(Candidates=totals).reset_index().rename_axis(columns=None)


def pass_rates(sittings: pd.DataFrame, grades: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """Per term and course: grades given, passing grades and the pass rate."""
    found = _graded(sittings, grades, terms)
    passed = [Scale(s).is_passing(g) for s, g in zip(found["scale"], found["grade"], strict=True)]
    found = found.assign(passed=passed)
    rows = [
        {
            "Term": term,
            "Course": course,
            "Grades given": len(group),
            "Passed": int(group["passed"].sum()),
            "Pass rate (%)": _percent(int(group["passed"].sum()), len(group)),
        }
        for (term, course), group in found.groupby(["term", "course"])
    ]
    columns = ["Term", "Course", "Grades given", "Passed", "Pass rate (%)"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["Term", "Course"], key=_term_key).reset_index(drop=True)


def appeal_outcome(scale: str, original: str, new: str | None, status: str) -> str:
    if status != "decided" or new is None:
        return "Not yet decided"
    grades = Scale(scale).grades
    step = grades.index(Scale(scale).require(new)) - grades.index(Scale(scale).require(original))
    return "Grade raised" if step > 0 else "Grade lowered" if step < 0 else "Grade unchanged"


OUTCOMES = ("Grade raised", "Grade unchanged", "Grade lowered", "Not yet decided")


def appeal_rates(
    sittings: pd.DataFrame, grades: pd.DataFrame, appeals: pd.DataFrame, terms: list[str]
) -> pd.DataFrame:
    """Per term: grades given, appeals and their share of the grades, and each appeal's outcome."""
    graded = _graded(sittings, grades, terms).groupby("term").size()
    found = appeals.merge(sittings[["occasion_id", "scale", "term"]], on="occasion_id")
    outcomes = [
        appeal_outcome(s, o, n, st)
        for s, o, n, st in zip(
            found["scale"], found["original_grade"], found["new_grade"], found["status"], strict=True
        )
    ]
    found = found.assign(outcome=outcomes)
    rows = []
    for term in terms:
        its = found[found["term"] == term]
        given = int(graded.get(term, 0))
        row = {"Term": term, "Grades given": given, "Appeals": len(its)}
        row["Appeal rate (%)"] = _percent(len(its), given)
        rows.append(row | {o: int((its["outcome"] == o).sum()) for o in OUTCOMES})
    return pd.DataFrame(rows)


def result_times(sittings: pd.DataFrame, published: pd.DataFrame, term: str, today: date) -> pd.DataFrame:
    """Each sitting of the term held by `today` with registrations: the day its last result was first
    published, against the law's deadline (Norway 3 weeks, Sweden 15 working days; holidays
    counted as the law counts them), and by how many days it was late (unpublished: so far)."""
    its = sittings[
        (sittings["term"] == term) & (sittings["exam_on"] <= today) & (sittings["registrations"] > 0)
    ]
    last = published.groupby("occasion_id")["published_at"].max()
    rows = [_result_time(row, last.get(row["occasion_id"]), today) for row in its.to_dict("records")]
    columns = [
        "Course",
        "Sitting",
        "Country",
        "Exam day",
        "Results due",
        "Results published",
        "Days to results",
        "Days late",
    ]
    table = pd.DataFrame(rows, columns=columns).astype({"Days to results": "Int64", "Days late": "int64"})
    return table.sort_values(["Exam day", "Sitting"]).reset_index(drop=True)


def _result_time(row: dict[str, Any], published_at: datetime | None, today: date) -> dict[str, Any]:
    exam_on: date = row["exam_on"]
    due = law.result_deadline(Country(row["country"]), exam_on).due_on
    published_on = None if published_at is None else published_at.astimezone(STOCKHOLM).date()
    ended = published_on or today
    return {
        "Course": row["course"],
        "Sitting": f"{row['name']} ({row['occasion_id']})",
        "Country": COUNTRY_TITLES[row["country"]],
        "Exam day": exam_on.isoformat(),
        "Results due": due.isoformat(),
        "Results published": NOT_PUBLISHED if published_on is None else published_on.isoformat(),
        "Days to results": None if published_on is None else (published_on - exam_on).days,
        "Days late": max(0, (ended - due).days),
    }


def late_results(times: pd.DataFrame) -> pd.DataFrame:
    """The sittings whose results came, or are still to come, after their deadline, latest first."""
    late = times[times["Days late"] > 0]
    columns = ["Course", "Sitting", "Results due", "Results published", "Days late"]
    return late[columns].sort_values("Days late", ascending=False).reset_index(drop=True)


def headline(
    term: str, overview_row: dict[str, object], share_row: dict[str, object], times: pd.DataFrame
) -> str:
    """The figures a summary quotes; a sitting whose results are not yet due is neither on time nor late."""
    published = times["Results published"] != NOT_PUBLISHED
    on_time = int((published & (times["Days late"] == 0)).sum())
    late = int((times["Days late"] > 0).sum())
    return (
        f"{term}: {overview_row['Sittings']} sittings, {overview_row['Registrations']} registrations, "
        f"{share_row['Share of sittings (%)']} % of sittings on the platform; results on time for "
        f"{on_time} of {len(times)} sittings held, late for {late}"
    )


def _term_key(column: pd.Series) -> pd.Series:
    return column.map(term_order) if column.name == "Term" else column


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
