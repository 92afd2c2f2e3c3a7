"""The digital share of a term: which sittings count as on the platform, and the term's days."""

from __future__ import annotations

from datetime import date

import pytest

from rules.digital_share import share, term_days, term_of


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (date(2026, 1, 15), "HT2025"),
        (date(2026, 1, 16), "VT2026"),
        (date(2026, 6, 5), "VT2026"),
        (date(2026, 8, 15), "VT2026"),
        (date(2026, 8, 16), "HT2026"),
        (date(2026, 12, 31), "HT2026"),
    ],
)
def test_a_day_belongs_to_its_term(day: date, term: str) -> None:
    assert term_of(day) == term
    first, after = term_days(term)
    assert first <= day < after


def test_a_bad_term_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="term 'HT26' is not a term such as VT2026 or HT2026"):
        term_days("HT26")


def test_the_share_counts_digital_forms_and_old_exams_by_their_type() -> None:
    found = share(
        "HT2026",
        [
            ("digital_campus", "paper", 120),  # the form recorded decides
            ("campus_written", "digital_school", 300),
            ("distance_video", "home", 40),
            ("", "digital_reexam", 20),  # planned before forms were recorded: by its type
            ("", "paper", 500),
            ("oral_campus", "oral", 20),
        ],
    )
    assert (found.sittings, found.digital_sittings) == (6, 3)
    assert (found.registrations, found.digital_registrations) == (1000, 180)
    assert (found.sittings_percent, found.registrations_percent) == (50.0, 18.0)


def test_an_empty_term_has_no_share() -> None:
    found = share("VT2027", [])
    assert (found.sittings_percent, found.registrations_percent) == (0.0, 0.0)
