"""Whether a text holds a national id: sheets of codes must never carry one."""

from __future__ import annotations

import re

_SE_SHORT = re.compile(r"(?<!\d)\d{2}(\d{2})(\d{2})[-+]\d{4}(?!\d)")  # YYMMDD-NNNN
_SE_LONG = re.compile(r"(?<!\d)(?:19|20)\d{2}(\d{2})(\d{2})-?\d{4}(?!\d)")  # YYYYMMDD(-)NNNN
_NO = re.compile(r"(?<!\d)(\d{2})(\d{2})\d{7}(?!\d)")  # DDMMYY + 5 digits


def _swedish_date(month: str, day: str) -> bool:
    # a coordination number (samordningsnummer) adds 60 to the day
    return 1 <= int(month) <= 12 and (1 <= int(day) <= 31 or 61 <= int(day) <= 91)


def _norwegian_date(day: str, month: str) -> bool:
    # a D-number adds 40 to the day; an H-number 40 and a synthetic (test) number 80 to the month
    d, m = int(day), int(month)
    return (1 <= d <= 31 or 41 <= d <= 71) and any(1 <= m - add <= 12 for add in (0, 40, 80))


_GROUP_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")  # 900101 1234, 010190 12345
_DIGITS_ONLY = re.compile(r"^\d{9,12}$")


def _shaped_like_id(text: str) -> bool:
    return (
        any(_swedish_date(m[1], m[2]) for m in _SE_SHORT.finditer(text))
        or any(_swedish_date(m[1], m[2]) for m in _SE_LONG.finditer(text))
        or any(_norwegian_date(m[1], m[2]) for m in _NO.finditer(text))
    )


def _number_like_id(digits: str) -> bool:
    """A cell of bare digits: a personnummer without its hyphen (YYMMDDNNNN), or either country's
    id typed as a number that lost its leading zero (9 digits for Sweden's 10, 10 for Norway's 11)."""
    if not _DIGITS_ONLY.match(digits):
        return False
    swedish = digits.zfill(10) if len(digits) <= 10 else ""
    return bool(swedish and _swedish_date(swedish[2:4], swedish[4:6])) or _shaped_like_id(digits.zfill(11))


def looks_like_national_id(text: str) -> bool:
    """Whether `text` holds something shaped like a Swedish personnummer or a Norwegian
    fødselsnummer (a plausible date, no checksum: a mistyped id is still an id), written with a
    hyphen, a space between its groups or none, or as a number that lost its leading zero."""
    joined = _GROUP_SPACE.sub("", text)
    return _shaped_like_id(text) or _shaped_like_id(joined) or _number_like_id(joined.strip())
