"""Public holidays of Norway and Sweden, for moving a deadline off a day the law does not count.

Sources:

- Norway: lov om helligdager og helligdagsfred (1995) § 2 names the holy days besides Sundays: New
  Year's Day, Maundy Thursday, Good Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and
  Monday, Christmas Day and Boxing Day. Lov om 1. og 17. mai som offentlige høgtidsdager (1947) adds
  1 May and 17 May. Christmas Eve and New Year's Eve are not holidays in Norway.
- Sweden: lag (1989:253) om allmänna helgdagar 1-2 §§ (as amended by 2004:1320): New Year's Day,
  Epiphany, Good Friday, Easter Sunday and Monday, 1 May, Ascension Day, Whit Sunday, National Day
  (6 June), Midsummer Day (the Saturday 20-26 June), All Saints' Day (the Saturday 31 October-6
  November), Christmas Day and Boxing Day. Midsummer Eve, Christmas Eve and New Year's Eve are not
  holidays under that act, but lag (1930:173) om beräkning av lagstadgad tid 2 § counts them (with
  Saturdays) as holidays when a deadline is computed, which is this module's only use; so they are in.

Easter Sunday follows the anonymous Gregorian algorithm (Meeus/Jones/Butcher), valid for every
Gregorian year; the moving holidays are counted from it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from models.domain import Country

SOURCE_NO = "lov om helligdager og helligdagsfred § 2; lov om 1. og 17. mai som offentlige høgtidsdager"
SOURCE_SE = "lag (1989:253) om allmänna helgdagar 1-2 §§; lag (1930:173) om beräkning av lagstadgad tid 2 §"
SOURCES: dict[Country, str] = {Country.NO: SOURCE_NO, Country.SE: SOURCE_SE}

# Days after Easter Sunday.
_NO_MOVING = {
    -3: "Maundy Thursday",
    -2: "Good Friday",
    0: "Easter Sunday",
    1: "Easter Monday",
    39: "Ascension Day",
    49: "Whit Sunday",
    50: "Whit Monday",
}
_SE_MOVING = {
    -2: "Good Friday",
    0: "Easter Sunday",
    1: "Easter Monday",
    39: "Ascension Day",
    49: "Whit Sunday",
}
_NO_FIXED = {
    (1, 1): "New Year's Day",
    (5, 1): "1 May",
    (5, 17): "Constitution Day",
    (12, 25): "Christmas Day",
    (12, 26): "Boxing Day",
}
_SE_FIXED = {
    (1, 1): "New Year's Day",
    (1, 6): "Epiphany",
    (5, 1): "1 May",
    (6, 6): "National Day",
    (12, 24): "Christmas Eve",
    (12, 25): "Christmas Day",
    (12, 26): "Boxing Day",
    (12, 31): "New Year's Eve",
}
_SATURDAY = 5


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year, by the anonymous Gregorian algorithm."""
    if year < 1583:
        raise ValueError(f"year {year} is before the Gregorian calendar (1583 on)")
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def public_holidays(country: Country, year: int) -> dict[date, str]:
    """Every public holiday of `country` in `year` (Sundays aside), day -> English name, in date order."""
    easter = easter_sunday(year)
    moving = _NO_MOVING if country is Country.NO else _SE_MOVING
    fixed = _NO_FIXED if country is Country.NO else _SE_FIXED
    found = {date(year, month, day): name for (month, day), name in fixed.items()}
    found.update({easter + timedelta(days=offset): name for offset, name in moving.items()})
    if country is Country.SE:
        midsummer = _weekday_between(date(year, 6, 20), _SATURDAY)
        found[midsummer - timedelta(days=1)] = "Midsummer Eve"
        found[midsummer] = "Midsummer Day"
        found[_weekday_between(date(year, 10, 31), _SATURDAY)] = "All Saints' Day"
    return dict(sorted(found.items()))


def holiday_name(day: date, country: Country) -> str | None:
    """The holiday's name when `day` is a public holiday of `country`, else None."""
    return public_holidays(country, day.year).get(day)


def is_holiday(day: date, country: Country) -> bool:
    return holiday_name(day, country) is not None


def _weekday_between(first: date, weekday: int) -> date:
    """The first `weekday` on or after `first` (the laws' windows are seven days long)."""
    return first + timedelta(days=(weekday - first.weekday()) % 7)
