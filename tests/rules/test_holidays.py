from __future__ import annotations

from datetime import date

import pytest

from models.domain import Country
from rules.holidays import SOURCES, easter_sunday, holiday_name, is_holiday, public_holidays

NO, SE = Country.NO, Country.SE


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1583, "1583-04-10"),
        (1818, "1818-03-22"),  # the earliest possible date
        (1943, "1943-04-25"),  # the latest possible date
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2011, "2011-04-24"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2038, "2038-04-25"),
    ],
)
def test_easter_sunday(year: int, easter: str) -> None:
    assert easter_sunday(year) == d(easter)


def test_easter_sunday_refuses_years_before_the_gregorian_calendar() -> None:
    with pytest.raises(ValueError, match="1582 is before the Gregorian calendar"):
        easter_sunday(1582)


def test_easter_is_always_a_sunday_in_march_or_april() -> None:
    days = [easter_sunday(year) for year in range(1900, 2200)]
    assert all(day.weekday() == 6 and d(f"{day.year}-03-22") <= day <= d(f"{day.year}-04-25") for day in days)


NORWAY_2025 = {
    "2025-01-01": "New Year's Day",
    "2025-04-17": "Maundy Thursday",
    "2025-04-18": "Good Friday",
    "2025-04-20": "Easter Sunday",
    "2025-04-21": "Easter Monday",
    "2025-05-01": "1 May",
    "2025-05-17": "Constitution Day",
    "2025-05-29": "Ascension Day",
    "2025-06-08": "Whit Sunday",
    "2025-06-09": "Whit Monday",
    "2025-12-25": "Christmas Day",
    "2025-12-26": "Boxing Day",
}
SWEDEN_2025 = {
    "2025-01-01": "New Year's Day",
    "2025-01-06": "Epiphany",
    "2025-04-18": "Good Friday",
    "2025-04-20": "Easter Sunday",
    "2025-04-21": "Easter Monday",
    "2025-05-01": "1 May",
    "2025-05-29": "Ascension Day",
    "2025-06-06": "National Day",
    "2025-06-08": "Whit Sunday",
    "2025-06-20": "Midsummer Eve",
    "2025-06-21": "Midsummer Day",
    "2025-11-01": "All Saints' Day",
    "2025-12-24": "Christmas Eve",
    "2025-12-25": "Christmas Day",
    "2025-12-26": "Boxing Day",
    "2025-12-31": "New Year's Eve",
}


@pytest.mark.parametrize(("country", "expected"), [(NO, NORWAY_2025), (SE, SWEDEN_2025)])
def test_every_holiday_of_2025_in_date_order(country: Country, expected: dict[str, str]) -> None:
    found = public_holidays(country, 2025)
    assert {day.isoformat(): name for day, name in found.items()} == expected
    assert list(found) == sorted(found)


@pytest.mark.parametrize(
    ("year", "eve", "day", "all_saints"),
    [
        (2025, "2025-06-20", "2025-06-21", "2025-11-01"),
        (2026, "2026-06-19", "2026-06-20", "2026-10-31"),  # the earliest Midsummer and All Saints'
        (2021, "2021-06-25", "2021-06-26", "2021-11-06"),  # the latest
        (2024, "2024-06-21", "2024-06-22", "2024-11-02"),
    ],
)
def test_swedish_midsummer_and_all_saints_fall_on_the_saturday_in_their_window(
    year: int, eve: str, day: str, all_saints: str
) -> None:
    assert holiday_name(d(eve), SE) == "Midsummer Eve"
    assert holiday_name(d(day), SE) == "Midsummer Day"
    assert holiday_name(d(all_saints), SE) == "All Saints' Day"
    assert d(eve).weekday() == 4 and d(day).weekday() == 5 and d(all_saints).weekday() == 5
    assert sum(name.startswith("Midsummer") for name in public_holidays(SE, year).values()) == 2


@pytest.mark.parametrize(
    ("day", "norway", "sweden"),
    [
        ("2025-04-17", True, False),  # Maundy Thursday: Norway only
        ("2025-06-09", True, False),  # Whit Monday: Norway only (Sweden dropped it in 2005)
        ("2025-05-17", True, False),
        ("2025-06-06", False, True),
        ("2025-01-06", False, True),
        ("2025-12-24", False, True),
        ("2025-12-31", False, True),
        ("2025-12-26", True, True),
        ("2025-05-02", False, False),
        ("2025-03-04", False, False),
        ("2025-03-09", False, False),  # an ordinary Sunday is not listed
    ],
)
def test_is_holiday(day: str, norway: bool, sweden: bool) -> None:
    assert (is_holiday(d(day), NO), is_holiday(d(day), SE)) == (norway, sweden)


def test_the_sources_are_named() -> None:
    assert "helligdager og helligdagsfred § 2" in SOURCES[NO] and "17. mai" in SOURCES[NO]
    assert "1989:253" in SOURCES[SE] and "1930:173" in SOURCES[SE]
