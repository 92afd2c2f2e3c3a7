"""The digital share of a term: sittings and registrations on the platform against all, as exam
offices track their move to digital exams (a large Swedish university went from about 6 % of its
sittings to about 15 % in three years).

A term's bounds are modelled: the spring term (VT) runs from 16 January to 15 August, so that it
holds its June exams and the August re-exam period, and the autumn term (HT) from 16 August to
15 January, holding the January exam period."""

from __future__ import annotations

import re
from datetime import date

from models.domain import ExamType, Frozen
from models.policy import DIGITAL_FORMS, ExamForm

TERM = re.compile(r"^(VT|HT)(\d{4})$")

# The form of an exam planned before its form was recorded, from its exam type.
FORM_OF_EXAM_TYPE = {
    ExamType.DIGITAL_SCHOOL: ExamForm.DIGITAL_CAMPUS,
    ExamType.DIGITAL_REEXAM: ExamForm.DIGITAL_CAMPUS,
    ExamType.HOME: ExamForm.DISTANCE_VIDEO,
    ExamType.PAPER: ExamForm.CAMPUS_WRITTEN,
    ExamType.ORAL: ExamForm.ORAL_CAMPUS,
}


def form_of(form: str, exam_type: str) -> ExamForm:
    """The exam's recorded form, or the one its exam type implies."""
    return ExamForm(form) if form else FORM_OF_EXAM_TYPE[ExamType(exam_type)]


def term_of(day: date) -> str:
    if day < date(day.year, 1, 16):
        return f"HT{day.year - 1}"
    return f"VT{day.year}" if day < date(day.year, 8, 16) else f"HT{day.year}"


def term_days(term: str) -> tuple[date, date]:
    """The term's first day and the day after its last, or ValueError naming the term."""
    match = TERM.match(term)
    if match is None:
        raise ValueError(f"term '{term}' is not a term such as VT2026 or HT2026")
    year = int(match.group(2))
    if match.group(1) == "VT":
        return date(year, 1, 16), date(year, 8, 16)
    return date(year, 8, 16), date(year + 1, 1, 16)


class Share(Frozen):
    term: str
    sittings: int
    digital_sittings: int
    registrations: int
    digital_registrations: int

    @property
    def sittings_percent(self) -> float:
        return _percent(self.digital_sittings, self.sittings)

    @property
    def registrations_percent(self) -> float:
        return _percent(self.digital_registrations, self.registrations)


def share(term: str, sittings: list[tuple[str, str, int]]) -> Share:
    """The term's share from its sittings, each (form, exam type, registrations)."""
    digital = [(f, t, n) for f, t, n in sittings if form_of(f, t) in DIGITAL_FORMS]
    return Share(
        term=term,
        sittings=len(sittings),
        digital_sittings=len(digital),
        registrations=sum(n for _, _, n in sittings),
        digital_registrations=sum(n for _, _, n in digital),
    )


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
