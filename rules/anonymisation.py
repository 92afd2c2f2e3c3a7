"""Anonymisation codes in the form `PREFIX-0001-ABC`: a sequence number, then three letters.

A code stays stable once it has been shown to the student, so assignment only ever adds:
codes already given are kept as they are, new candidates get the next numbers, and a number is
never handed out twice (the caller passes every code ever issued on the exam, including those of
students who have since left it). The letters come from an HMAC of the student id under a
per-exam secret seed, so they are reproducible but reveal nothing; new numbers are handed out in
the order of that HMAC rather than of the ids, so the numbers do not leak the ids' order either
(national ids sort by birth date).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string

from models.codes import CODE_PATTERN

SITTINGS = "123456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")


def is_valid_code(code: str) -> bool:
    return CODE_PATTERN.fullmatch(code) is not None


def code_number(code: str) -> int:
    match = CODE_PATTERN.fullmatch(code)
    if match is None:
        raise ValueError(f"{code!r} is not an anonymisation code like PREFIX-0001-ABC")
    return int(match["number"])


def _digest(student_id: str, seed: str | bytes) -> bytes:
    key = seed.encode() if isinstance(seed, str) else seed
    return hmac.new(key, student_id.encode(), hashlib.sha256).digest()


def _letters(digest: bytes) -> str:
    return "".join(string.ascii_uppercase[b % 26] for b in digest[:3])


def prefix_base(course_code: str) -> str:
    """A course code's letters and digits, C put first where it starts with a digit, cut to 9."""
    base = re.sub(r"[^A-Z0-9]", "", course_code.upper())
    if not base:
        raise ValueError(f"course code {course_code!r} has no letters or digits to make a prefix from")
    return (base if base[0].isalpha() else "C" + base)[:9]


def course_prefix(course_code: str, taken: set[str]) -> str:
    """The prefix of an exam of this course: `prefix_base` and the first sitting mark (1-9, then
    letters) not in `taken`, the prefixes the course's other exams of the term hold."""
    base = prefix_base(course_code)
    for sitting in SITTINGS:
        if base + sitting not in taken:
            return base + sitting
    raise ValueError(f"course {course_code} has {len(SITTINGS)} exams in the term already")


def assign_codes(
    prefix: str, existing: dict[str, str], new_ids: list[str], seed: str | bytes, *, after: int = 0
) -> dict[str, str]:
    """Every student's code: `existing` unchanged, plus codes for the ids in `new_ids` not yet in it.

    `existing` maps student id -> code and must hold every code ever issued on the exam; `after` is
    the highest number given under the prefix in the term on other exams, so new numbers follow it.
    """
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(f"prefix {prefix!r} must be 1-10 capital letters or digits, starting with a letter")
    if not seed:
        raise ValueError("seed must not be empty")
    _check_existing(existing)
    fresh = sorted({i for i in new_ids if i not in existing}, key=lambda i: _digest(i, seed))
    start = max([after, *(code_number(c) for c in existing.values())]) + 1
    codes = dict(existing)
    for number, student_id in enumerate(fresh, start=start):
        codes[student_id] = f"{prefix}-{number:04d}-{_letters(_digest(student_id, seed))}"
    return codes


def _check_existing(existing: dict[str, str]) -> None:
    seen: dict[int, str] = {}
    for student_id, code in existing.items():
        number = code_number(code)
        if number in seen:
            raise ValueError(f"code number {number} is given to both {seen[number]!r} and {student_id!r}")
        seen[number] = student_id
