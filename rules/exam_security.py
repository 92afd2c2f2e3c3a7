"""The platform's security settings of an exam: whether the lockdown browser is required, and the
passwords it is opened and quit with.

A school exam (written on campus, on the platform) requires the lockdown browser. Such a test
carries two passwords on the platform: the start password candidates type to open the test in the
lockdown browser (Inspera calls it the SEB password or SEB pin: 6-8 letters and digits, at least one
of each) and the quit password invigilators type to let a candidate out of it (Inspera's invigilator
password: at most 8 characters). examflow makes both, out of letters and digits that cannot be
misread on paper.
"""

from __future__ import annotations

import re
import secrets
import string

from models.domain import ExamType

LOCKDOWN_REQUIRED = frozenset({ExamType.DIGITAL_SCHOOL, ExamType.DIGITAL_REEXAM})
START_PASSWORD = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9]{6,8}$")
QUIT_PASSWORD = re.compile(r"^[A-Za-z0-9]{1,8}$")
# No 0/O, 1/I/L: an invigilator reads these off a printed mail to a candidate.
LETTERS = "".join(c for c in string.ascii_uppercase if c not in "OIL")
DIGITS = "23456789"


def lockdown_refusal(exam_type: ExamType, lockdown_browser: bool) -> str | None:
    """Why the plan's choice is not allowed, or None."""
    if exam_type in LOCKDOWN_REQUIRED and not lockdown_browser:
        return f"a {exam_type.value} exam is a school exam and requires the lockdown browser"
    return None


def new_password(length: int) -> str:
    """A fresh password of letters and digits, at least one of each."""
    if length < 2:
        raise ValueError(f"a password needs at least 2 characters, not {length}")
    while True:
        word = "".join(secrets.choice(LETTERS + DIGITS) for _ in range(length))
        if any(c in LETTERS for c in word) and any(c in DIGITS for c in word):
            return word


def new_start_password() -> str:
    return new_password(8)


def new_quit_password() -> str:
    return new_password(7)
