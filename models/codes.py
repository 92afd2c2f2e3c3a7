"""What the store and the rules both need to know of anonymisation codes and terms."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

CODE_PATTERN = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]{0,9})-(?P<number>\d{4,})-(?P<letters>[A-Z]{3})$")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def term_of(day: date | datetime) -> str:
    """The term an exam day falls in, as Ladok names terms: VT (spring, January to June) or HT
    (autumn, July to December) and the year, e.g. VT2027. A time is taken on Stockholm's calendar."""
    if isinstance(day, datetime):
        day = day.astimezone(STOCKHOLM).date()
    return f"{'VT' if day.month <= 6 else 'HT'}{day.year}"


def is_register_number(code: str) -> bool:
    """A register's own anonymous number (FS's kandidatnummer, digits only): taken as the code as it
    is and never replaced; the register numbers it, so it is not counted among the codes examflow
    gives in a term."""
    return code.isdigit()


def code_parts(code: str) -> tuple[str, int]:
    """A code's prefix and number; ValueError naming the code when it is not PREFIX-0001-ABC."""
    match = CODE_PATTERN.fullmatch(code)
    if match is None:
        raise ValueError(f"{code!r} is not an anonymisation code like PREFIX-0001-ABC")
    return match["prefix"], int(match["number"])
