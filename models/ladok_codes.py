"""Ladok's numeric grade scales and grades, and its vendor media types.

Ladok names a grading scale and each grade in it by number (`BetygsskalaID`, `Betygsgrad`);
the letters are only labels. These tables are shared by the stand-in, the client and `rules/`.
"""

from __future__ import annotations

MEDIA_RESULTAT = "application/vnd.ladok-resultat+json"
MEDIA_KATALOG = "application/vnd.ladok-kataloginformation+json"

SCALE_A_F = 131657
SCALE_PASS_FAIL = 131656

GRADES: dict[int, dict[str, int]] = {
    SCALE_A_F: {
        "A": 131661,
        "B": 131667,
        "C": 131673,
        "D": 131679,
        "E": 131691,
        "FX": 131696,
        "F": 131697,
    },
    SCALE_PASS_FAIL: {"P": 131658, "F": 131663},
}

GRADE_CODES: dict[int, str] = {gid: code for scale in GRADES.values() for code, gid in scale.items()}
"""Grade id -> its letter; ids are unique across scales."""

GRADE_SCALE: dict[int, int] = {gid: sid for sid, scale in GRADES.items() for gid in scale.values()}
"""Grade id -> the scale it belongs to."""


def grade_id(scale_id: int, code: str) -> int:
    """The id of grade `code` on scale `scale_id`; KeyError names what is unknown."""
    if scale_id not in GRADES:
        raise KeyError(f"unknown grade scale {scale_id}")
    try:
        return GRADES[scale_id][code.upper()]
    except KeyError:
        raise KeyError(f"grade {code!r} is not on scale {scale_id}") from None


def grade_code(grade: int) -> str:
    """The letter of grade id `grade`; KeyError names it when unknown."""
    try:
        return GRADE_CODES[grade]
    except KeyError:
        raise KeyError(f"unknown grade id {grade}") from None


def is_grade_on_scale(grade: int, scale_id: int) -> bool:
    return GRADE_SCALE.get(grade) == scale_id
