"""National ids: what counts as one in a cell, in any spacing or typed as a number."""

from __future__ import annotations

import pytest

from rules.national_ids import looks_like_national_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("900101-1234", True),
        ("900101+1234", True),  # over 100 years old
        ("19900101-1234", True),
        ("199001011234", True),
        ("900161-1234", True),  # a coordination number: day + 60
        ("01019012345", True),
        ("41019012345", True),  # a D-number: day + 40
        ("01819012345", True),  # a synthetic (test) number: month + 80
        ("see 01019012345 above", True),
        ("TDA-0001-ABC", False),
        ("12.5", False),
        ("2024-01-01", False),
        ("20240101", False),
        ("901301-1234", False),  # month 13
        ("1234567890123", False),
        ("99999912345", False),
        ("900101 1234", True),
        ("19900101 1234", True),
        ("010190 12345", True),
        ("9001011234", True),  # a personnummer without its hyphen
        ("101011234", True),  # 010101-1234 typed as a number
        ("1019012345", True),  # 01019012345 typed as a number
        ("12 5", False),
        ("123456", False),
        ("2024 0101", False),
    ],
)
def test_national_id_shapes(text: str, expected: bool) -> None:
    assert looks_like_national_id(text) is expected
