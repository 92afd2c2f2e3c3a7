"""The day before the exam: every difference between the platform's test, our store and the
register, each with the fix that puts it right. Codes and settings by name only: no student's name
or id, and never a password's value."""

from __future__ import annotations

from collections.abc import Mapping

from models.precheck import Difference, Fix, Seen
from models.security import ExamSecurity

EXAM = "(the exam)"
NONE = "—"
SECURITY_FIX = "set the exam's security settings on the platform and read them back"


def candidate_differences(
    platform: Mapping[str, Seen], ours: Mapping[str, Seen], register: Mapping[str, Seen]
) -> list[Difference]:
    """Every difference of every candidate (each side keyed by student uid), by code."""
    found = [
        d
        for uid in platform.keys() | ours.keys() | register.keys()
        for d in _of_candidate(platform.get(uid), ours.get(uid), register.get(uid))
    ]
    return sorted(found, key=lambda d: (d.candidate, d.what))


def _of_candidate(p: Seen | None, o: Seen | None, r: Seen | None) -> list[Difference]:
    if o is None and r is None:
        assert p is not None
        return [
            _row(
                p.code,
                "candidate",
                "a candidate",
                "not registered",
                "not registered",
                "remove the candidate from the platform's test",
                Fix.PUSH,
            )
        ]
    if o is None:
        assert r is not None
        then = "" if p else ", then add the candidate to the platform's test"
        return [
            _row(
                r.code or "(none yet)",
                "registration",
                _listed(p),
                "not registered",
                "registered",
                f"sync the registration from the register{then}",
                Fix.SYNC,
            )
        ]
    if r is None:
        then = ", then remove the candidate from the platform's test" if p else ""
        return [
            _row(
                o.code,
                "registration",
                _listed(p),
                "registered",
                "withdrawn",
                f"sync from the register (the registration is removed){then}",
                Fix.SYNC,
            )
        ]
    found = [] if p else [_missing(o)]
    found += _extra_time(p, o, r)
    if p is not None:
        found += _code_and_room(p, o)
    return found


def _missing(o: Seen) -> Difference:
    return _row(
        o.code,
        "candidate",
        "not a candidate",
        "registered",
        "registered",
        "add the candidate to the platform's test",
        Fix.PUSH,
    )


def _extra_time(p: Seen | None, o: Seen, r: Seen) -> list[Difference]:
    theirs = _minutes(p) if p else NONE
    if o.extra_time_minutes != r.extra_time_minutes:
        fix = f"sync from the register, then set {r.extra_time_minutes} minutes on the platform"
        return [_row(o.code, "extra time", theirs, _minutes(o), _minutes(r), fix, Fix.SYNC)]
    if p is not None and p.extra_time_minutes != o.extra_time_minutes:
        fix = f"set {o.extra_time_minutes} minutes on the platform"
        return [_row(o.code, "extra time", theirs, _minutes(o), _minutes(r), fix, Fix.PUSH)]
    return []


def _code_and_room(p: Seen, o: Seen) -> list[Difference]:
    found = []
    if p.code != o.code:
        found.append(
            _row(
                o.code,
                "code",
                p.code or "none",
                o.code,
                NONE,
                f"set the code {o.code} on the platform",
                Fix.PUSH,
            )
        )
    if (p.building, p.room) != (o.building, o.room):
        fix = f"set the room {_place(o)} on the platform" if o.room else "clear the room on the platform"
        found.append(_row(o.code, "room", _place(p), _place(o), "(holds no rooms)", fix, Fix.PUSH))
    return found


def security_differences(wanted: ExamSecurity | None, held: ExamSecurity) -> list[Difference]:
    """The exam's security settings on the platform (`held`) against those we hold, by name."""
    if wanted is None:
        return [
            _row(
                EXAM,
                "security settings",
                _on(held.lockdown_browser),
                "none held",
                NONE,
                "plan the exam again: it holds no security settings",
                Fix.SECURITY,
            )
        ]
    found = []
    for name in wanted.differences(held):
        if name == "lockdown browser":
            theirs, mine = _on(held.lockdown_browser), _on(wanted.lockdown_browser)
        else:
            theirs = "another" if getattr(held, name.replace(" ", "_")) else "not set"
            mine = "set (held encrypted)"
        found.append(_row(EXAM, name, theirs, mine, NONE, SECURITY_FIX, Fix.SECURITY))
    return found


def is_alarm(on_platform: int, in_register: int) -> bool:
    """No candidate on the platform's test while the register has registrations: never a pass."""
    return on_platform == 0 and in_register > 0


def _row(
    candidate: str, what: str, platform: str, ours: str, register: str, fix: str, action: Fix
) -> Difference:
    return Difference(
        candidate=candidate,
        what=what,
        platform_says=platform,
        ours_says=ours,
        register_says=register,
        fix=fix,
        action=action,
    )


def _listed(p: Seen | None) -> str:
    return "a candidate" if p else "not a candidate"


def _minutes(seen: Seen) -> str:
    return f"{seen.extra_time_minutes} min"


def _place(seen: Seen) -> str:
    if not seen.room:
        return "no room"
    return f"{seen.building}, {seen.room}" if seen.building else seen.room


def _on(value: bool) -> str:
    return "lockdown browser on" if value else "lockdown browser off"
