from __future__ import annotations

import pytest

from rules.anonymisation import assign_codes, code_number, is_valid_code


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("TEN1-0001-ABC", True),
        ("X-9999-ZZZ", True),
        ("EXAM-10000-QWE", True),
        ("TEN1-001-ABC", False),
        ("ten1-0001-ABC", False),
        ("TEN1-0001-abc", False),
        ("TEN1-0001-AB", False),
        ("TEN1-0001-ABCD", False),
        ("1TEN-0001-ABC", False),
        ("TEN1-0001-AB1", False),
        ("TEN1_0001_ABC", False),
        ("", False),
        ("TEN1-0001-ABC\n", False),
    ],
)
def test_is_valid_code(code: str, valid: bool) -> None:
    assert is_valid_code(code) is valid


def test_new_codes_are_valid_numbered_from_one_and_deterministic() -> None:
    codes = assign_codes("TEN1", {}, ["s3", "s1", "s2"], seed="exam-secret")
    assert set(codes) == {"s1", "s2", "s3"}
    assert all(is_valid_code(c) and c.startswith("TEN1-") for c in codes.values())
    assert sorted(code_number(c) for c in codes.values()) == [1, 2, 3]
    assert assign_codes("TEN1", {}, ["s1", "s2", "s3"], seed="exam-secret") == codes


def test_letters_depend_on_the_seed() -> None:
    ids = [f"s{i}" for i in range(20)]
    one = assign_codes("TEN1", {}, ids, seed="a")
    other = assign_codes("TEN1", {}, ids, seed="b")
    assert [c[-3:] for c in one.values()] != [c[-3:] for c in other.values()]


def test_existing_codes_stay_and_new_ones_follow_the_highest_number() -> None:
    first = assign_codes("TEN1", {}, ["s1", "s2"], seed="k")
    # s2 left the exam: its code stays in `existing` so that its number is never handed out again
    second = assign_codes("TEN1", first, ["s1", "s3", "s4", "s3"], seed="k")
    assert {k: second[k] for k in first} == first
    assert sorted(code_number(second[s]) for s in ("s3", "s4")) == [3, 4]
    assert len(set(second.values())) == 4


def test_reassignment_does_not_change_codes_even_with_another_seed_or_prefix() -> None:
    first = assign_codes("TEN1", {}, ["s1", "s2"], seed="k")
    again = assign_codes("OMT", first, ["s1", "s2"], seed="other")
    assert again == first


def test_number_order_does_not_follow_id_order() -> None:
    ids = [f"19{n:02d}0101-1234" for n in range(50)]
    codes = assign_codes("TEN1", {}, ids, seed="k")
    by_number = sorted(ids, key=lambda i: code_number(codes[i]))
    assert by_number != sorted(ids)


@pytest.mark.parametrize(
    ("prefix", "existing", "seed", "message"),
    [
        ("ten1", {}, "k", "prefix 'ten1' must be"),
        ("", {}, "k", "prefix '' must be"),
        ("TEN1", {}, "", "seed must not be empty"),
        ("TEN1", {"s1": "TEN1-1-ABC"}, "k", "'TEN1-1-ABC' is not an anonymisation code"),
        ("TEN1", {"s1": "TEN1-0001-ABC", "s2": "TEN1-0001-XYZ"}, "k", "code number 1 is given to both"),
    ],
)
def test_bad_input_is_refused(prefix: str, existing: dict[str, str], seed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assign_codes(prefix, existing, ["s9"], seed=seed)
