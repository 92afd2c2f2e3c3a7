"""The pre-exam check's rule: one candidate on each side (or missing from it) gives exactly the
differences listed, each with its fix; the security settings by name, never by value; the alarm."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from models.precheck import Seen
from models.security import ExamSecurity
from rules.precheck import candidate_differences, is_alarm, security_differences

A = Seen(code="EX-0001")
SEATED = Seen(code="EX-0001", building="Main", room="Q21")
ABSENT = None


@pytest.mark.parametrize(
    ("platform", "ours", "register", "expected"),
    [
        (A, A, A, []),
        (SEATED, SEATED, A, []),
        (ABSENT, A, A, [("candidate", "not a candidate", "registered", "registered", "push",
                         "add the candidate to the platform's test")]),
        (A, ABSENT, ABSENT, [("candidate", "a candidate", "not registered", "not registered", "push",
                              "remove the candidate from the platform's test")]),
        (ABSENT, ABSENT, A, [("registration", "not a candidate", "not registered", "registered", "sync",
                              "sync the registration from the register, then add the candidate to the platform's test")]),
        (A, ABSENT, A, [("registration", "a candidate", "not registered", "registered", "sync",
                         "sync the registration from the register")]),
        (A, A, ABSENT, [("registration", "a candidate", "registered", "withdrawn", "sync",
                         "sync from the register (the registration is removed), then remove the candidate from the platform's test")]),
        (ABSENT, A, ABSENT, [("registration", "not a candidate", "registered", "withdrawn", "sync",
                              "sync from the register (the registration is removed)")]),
        (A.model_copy(update={"extra_time_minutes": 30}), A, A, [("extra time", "30 min", "0 min", "0 min", "push",
                                                                    "set 0 minutes on the platform")]),
        (A, A, A.model_copy(update={"extra_time_minutes": 60}), [("extra time", "0 min", "0 min", "60 min", "sync",
                                                                    "sync from the register, then set 60 minutes on the platform")]),
        (ABSENT, A, A.model_copy(update={"extra_time_minutes": 60}), [
            ("candidate", "not a candidate", "registered", "registered", "push", "add the candidate to the platform's test"),
            ("extra time", "—", "0 min", "60 min", "sync", "sync from the register, then set 60 minutes on the platform"),
        ]),
        (A.model_copy(update={"code": "OTHER"}), A, A, [("code", "OTHER", "EX-0001", "—", "push",
                                                         "set the code EX-0001 on the platform")]),
        (A, SEATED, A, [("room", "no room", "Main, Q21", "(holds no rooms)", "push",
                         "set the room Main, Q21 on the platform")]),
        (SEATED, A, A, [("room", "Main, Q21", "no room", "(holds no rooms)", "push", "clear the room on the platform")]),
    ],
)  # fmt: skip
def test_each_kind_of_difference_of_one_candidate(
    platform: Seen | None, ours: Seen | None, register: Seen | None, expected: list[tuple[str, ...]]
) -> None:
    sides = [{} if side is None else {"uid-1": side} for side in (platform, ours, register)]
    found = candidate_differences(*sides)
    assert [
        (d.what, d.platform_says, d.ours_says, d.register_says, d.action.value, d.fix) for d in found
    ] == expected
    assert all(d.candidate == "EX-0001" for d in found)


def test_a_new_registration_without_a_code_yet_is_named_so() -> None:
    (found,) = candidate_differences({}, {}, {"uid-1": Seen()})
    assert found.candidate == "(none yet)"


def test_differences_come_in_order_of_code() -> None:
    found = candidate_differences(
        {}, {"b": Seen(code="B"), "a": Seen(code="A")}, {"b": Seen(code="B"), "a": Seen(code="A")}
    )
    assert [d.candidate for d in found] == ["A", "B"]


ON = ExamSecurity(lockdown_browser=True, start_password=SecretStr("abc12345"), quit_password=SecretStr("q1"))


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        (ON, []),
        (ExamSecurity(lockdown_browser=False), [("lockdown browser", "lockdown browser off", "lockdown browser on"),
                                                ("start password", "not set", "set (held encrypted)"),
                                                ("quit password", "not set", "set (held encrypted)")]),
        (ON.model_copy(update={"quit_password": SecretStr("q2")}), [("quit password", "another", "set (held encrypted)")]),
    ],
)  # fmt: skip
def test_security_settings_differ_by_name(held: ExamSecurity, expected: list[tuple[str, str, str]]) -> None:
    found = security_differences(ON, held)
    assert [(d.what, d.platform_says, d.ours_says) for d in found] == expected
    assert all(d.candidate == "(the exam)" and d.action.value == "security" for d in found)
    assert not any("abc12345" in d.model_dump_json() or "q2" in d.model_dump_json() for d in found)


def test_no_security_settings_held_says_to_plan_again() -> None:
    (found,) = security_differences(None, ExamSecurity(lockdown_browser=True))
    assert (found.what, found.ours_says, found.fix) == (
        "security settings",
        "none held",
        "plan the exam again: it holds no security settings",
    )


@pytest.mark.parametrize(
    ("on_platform", "in_register", "alarm"), [(0, 1, True), (0, 0, False), (1, 5, False), (3, 0, False)]
)
def test_the_alarm_is_an_empty_test_with_registrations(
    on_platform: int, in_register: int, alarm: bool
) -> None:
    assert is_alarm(on_platform, in_register) is alarm
