"""A grader's pay from the hours they claim: each line's hours at the country's hourly rate, the
timesheet topped up to the minimum fee's hours where it claims fewer.

Norwegian institutions pay external graders as wages, by the hour (the state's rate for the
grader's position, an annual salary over 1950 hours), and set how many hours a task is worth;
Swedish ones pay a fee (arvode) by the hour through the payroll system. examflow pays what the
grader claims and the administrator approves, at the rate in the settings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CURRENCIES = {"NO": "NOK", "SE": "SEK"}
CENT = Decimal("0.01")
MAX_LINE_HOURS = Decimal(100)  # more on one line is a typing error, not a claim


@dataclass(frozen=True)
class Rate:
    country: str
    per_hour: Decimal
    minimum_hours: Decimal = Decimal(0)

    @property
    def currency(self) -> str:
        return CURRENCIES[self.country]


@dataclass(frozen=True)
class ClaimedHours:
    number: int  # the line's number on the form, from 1
    label: str  # what a person reads: "candidate EXAM-0001-ABC"
    hours: Decimal


@dataclass(frozen=True)
class Pay:
    rate: Rate
    lines: tuple[Decimal, ...]  # each line's amount, in the lines' order
    hours: Decimal  # claimed
    top_up_hours: Decimal  # added to reach the minimum fee
    top_up: Decimal
    total: Decimal

    @property
    def paid_hours(self) -> Decimal:
        return self.hours + self.top_up_hours


def hours_problem(hours: Decimal) -> str:
    """What is wrong with a line's hours, or ''."""
    if not hours.is_finite():
        return f"hours {hours} is not a number"
    if hours < 0:
        return f"hours {hours} is negative"
    if hours == 0:
        return "hours is 0: leave the line out"
    if hours != hours.quantize(CENT):
        return f"hours {hours} has more than two decimals"
    if hours > MAX_LINE_HOURS:
        return f"hours {hours} is more than {MAX_LINE_HOURS} on one line"
    return ""


def problems(lines: list[ClaimedHours]) -> list[str]:
    """Every line whose hours are wrong, named by its number and label."""
    return [
        f"line {line.number} ({line.label}): {problem}"
        for line in lines
        if (problem := hours_problem(line.hours))
    ]


def amount(hours: Decimal, per_hour: Decimal) -> Decimal:
    """Hours at a rate, rounded to the cent (half up, as payroll rounds)."""
    return (hours * per_hour).quantize(CENT, rounding=ROUND_HALF_UP)


def price(hours: list[Decimal], rate: Rate) -> Pay:
    """The pay for lines already checked by `problems`."""
    claimed = sum(hours, Decimal(0))
    top_up_hours = max(rate.minimum_hours - claimed, Decimal(0))
    lines = tuple(amount(h, rate.per_hour) for h in hours)
    top_up = amount(top_up_hours, rate.per_hour)
    return Pay(rate, lines, claimed, top_up_hours, top_up, sum(lines, Decimal(0)) + top_up)
