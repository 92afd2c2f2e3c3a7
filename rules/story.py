"""One candidate's story: the rows examflow holds of them (`models.story`) merged into one
timeline in the order things happened, and until when each kind of their data is kept.

Rows without a time of their own are placed where they belong: the platform's candidate at the
exam's start, the marks at its end (or the candidate's, with their extra time). Events at the same
instant keep the lifecycle's order: registration, platform, attendance, marks, grade, approvals,
transfer, justification, appeal, archive, audit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from models.domain import Frozen
from models.settings import RETENTION
from models.story import CandidateRows, StoryAppeal, StoryMark, StoryRegistration, StoryTransfer

PLATFORM = "the exam platform"
STORE = "examflow"
ARCHIVE = "the records archive"
REGISTERS = {"SE": "Ladok", "NO": "the student register"}

# Audit actions as a person reads them; any other is shown with its dots and underscores as spaces.
ACTIONS = {
    "appeal.committee_formed": "appeal committee formed",
    "appeal.archived": "appeal decision archived",
    "grade.rescored": "grade changed by a rescore",
    "regrade.refused": "grade change refused",
}

DECISIONS = {"approve": "approved", "reject": "rejected"}

# The kinds of a candidate's data a retention period is set for (settings: EXAMFLOW_RETENTION).
RETENTION_KINDS = tuple(RETENTION)
KINDS = {
    "answers": "answers and papers on the platform",
    "personal": "names, national ids and the exam's records in examflow",
    "notes": "graders' notes",
    "mails": "mails in the outbox",
    "audit": "audit log details",
}


class StoryEvent(Frozen):
    at: datetime
    system: str
    what: str
    detail: str = ""


Ranked = list[tuple[int, StoryEvent]]


def timeline(rows: CandidateRows, retention: Mapping[str, timedelta] | None = None) -> list[StoryEvent]:
    """Every event of the candidate on one exam, in order; with `retention`, ending with the days
    their data is due for deletion."""
    ranked = (
        _registration(rows)
        + _exam(rows)
        + _grading(rows)
        + [(6, e) for t in rows.transfers for e in _transferred(t, rows.registration)]
        + _justification(rows)
        + ([(8, e) for e in _appealed(rows.appeal)] if rows.appeal else [])
        + _archived(rows)
        + _audited(rows)
        + (_retained(rows, retention) if retention is not None else [])
    )
    return [event for _, event in sorted(ranked, key=lambda r: (r[1].at, r[0]))]


def kept_until(rows: CandidateRows, retention: Mapping[str, timedelta]) -> dict[str, date]:
    """The day each kind of the candidate's data is due for deletion: its period counted from the
    grade's last change (or, with no grade, the exam's end)."""
    missing = [kind for kind in RETENTION_KINDS if kind not in retention]
    if missing:
        raise ValueError(f"retention: no period set for {', '.join(missing)}")
    since = rows.grade.updated_at if rows.grade else rows.registration.ends_at
    return {kind: (since + retention[kind]).date() for kind in RETENTION_KINDS}


def _retained(rows: CandidateRows, retention: Mapping[str, timedelta]) -> Ranked:
    """One event per day some kinds of the candidate's data fall due, the kinds named together."""
    due: dict[date, list[str]] = {}
    for kind, day in kept_until(rows, retention).items():
        due.setdefault(day, []).append(KINDS.get(kind, kind))
    return [
        (11, StoryEvent(at=_day(day), system=STORE, what="Due for deletion", detail=", ".join(kinds)))
        for day, kinds in sorted(due.items())
    ]


def action_words(action: str) -> str:
    return ACTIONS.get(action, action.replace(".", " ").replace("_", " "))


def _registration(rows: CandidateRows) -> Ranked:
    head = rows.registration
    extra = f", {head.extra_time_minutes} minutes' extra time" if head.extra_time_minutes else ""
    event = StoryEvent(
        at=min(head.updated_at, head.starts_at),
        system=STORE,
        what=f"Registered for {head.occasion_name} under the code {head.code}",
        detail=f"status {head.status}{extra}",
    )
    return [(0, event)]


def _exam(rows: CandidateRows) -> Ranked:
    head, ranked = rows.registration, []
    if rows.platform is not None:
        extra = rows.platform.extra_time_minutes
        detail = f"{extra} minutes' extra time" if extra else "no extra time"
        what = f"A candidate on the platform's test as {rows.platform.candidate_code}"
        ranked.append((1, StoryEvent(at=head.starts_at, system=PLATFORM, what=what, detail=detail)))
    if (a := rows.attendance) is not None:
        times = " to ".join(f"{t:%Y-%m-%d %H:%M} UTC" for t in (a.started_at, a.ended_at) if t)
        what = f"Attendance: {a.status.replace('_', ' ')}"
        at = a.started_at or head.starts_at
        ranked.append((2, StoryEvent(at=at, system=STORE, what=what, detail=times)))
    return ranked


def _grading(rows: CandidateRows) -> Ranked:
    ranked: Ranked = []
    if rows.marks:
        ranked.append((3, _marks(rows.marks, rows)))
    if (g := rows.grade) is not None:
        points = "" if g.points is None else f"{g.points:g} points, "
        detail = f"{points}{g.status}, from the {g.source}"
        ranked.append((4, StoryEvent(at=g.updated_at, system=STORE, what=f"Grade {g.grade}", detail=detail)))
    for a in rows.approvals:
        detail = f"{DECISIONS.get(a.decision, a.decision)} by {a.decided_by}"
        ranked.append(
            (5, StoryEvent(at=a.decided_at, system=STORE, what=f"Approval: {a.title}", detail=detail))
        )
    return ranked


def _marks(marks: tuple[StoryMark, ...], rows: CandidateRows) -> StoryEvent:
    head, attended = rows.registration, rows.attendance
    end = attended.ended_at if attended and attended.ended_at else head.ends_at
    parts = []
    for m in marks:
        by = ", ".join(f"{name} {score:g}" for name, score in m.graders)
        parts.append(f"question {m.question}: {m.score:g} of {m.max_score:g}" + (f" ({by})" if by else ""))
    total = sum(m.score for m in marks)
    what = f"Marked: {total:g} of {sum(m.max_score for m in marks):g} on {len(marks)} questions"
    return StoryEvent(at=end, system=STORE, what=what, detail="; ".join(parts))


def _transferred(t: StoryTransfer, head: StoryRegistration) -> list[StoryEvent]:
    register = REGISTERS.get(head.country, "the student register")
    sent = StoryEvent(at=t.created_at, system=register, what=f"Grade {t.grade} sent to {register}")
    if t.status == "confirmed":
        detail = f"its result {t.register_result_uid}" if t.register_result_uid else ""
        return [
            sent,
            StoryEvent(
                at=t.updated_at, system=register, what=f"{register} confirmed grade {t.grade}", detail=detail
            ),
        ]
    if t.status == "failed":
        return [
            sent,
            StoryEvent(at=t.updated_at, system=register, what="The transfer failed", detail=t.error or ""),
        ]
    if t.status == "stale":
        return [
            sent,
            StoryEvent(at=t.updated_at, system=register, what="The transfer was superseded by a later one"),
        ]
    return [sent]


def _justification(rows: CandidateRows) -> Ranked:
    j = rows.justification
    if j is None:
        return []
    asked = StoryEvent(
        at=_day(j.requested_on), system=STORE, what="Justification requested", detail=f"due {j.due_on}"
    )
    if j.given_on is None:
        return [(7, asked)]
    given = StoryEvent(
        at=_day(j.given_on),
        system=STORE,
        what="Justification given",
        detail=f"by {j.given_by or 'the examiner'}",
    )
    return [(7, asked), (7, given)]


def _appealed(a: StoryAppeal) -> list[StoryEvent]:
    events = [
        StoryEvent(
            at=_day(a.received_on),
            system=STORE,
            what="Appeal received",
            detail=f"of grade {a.original_grade}",
        )
    ]
    committees = "; ".join(f"{stage}: {', '.join(names)}" for stage, names in a.committees)
    if a.decided_at is not None:
        what = f"Appeal decided: grade {a.new_grade} (was {a.original_grade})"
        events.append(
            StoryEvent(
                at=a.decided_at,
                system=STORE,
                what=what,
                detail=f"by the committee {committees}" if committees else "",
            )
        )
    return events


def _archived(rows: CandidateRows) -> Ranked:
    return [
        (
            9,
            StoryEvent(
                at=e.archived_at,
                system=ARCHIVE,
                what=f"Archived: {e.filename}",
                detail=f"{e.kind} in case {e.case_id}, SHA-256 {e.sha256}",
            ),
        )
        for e in rows.archive
    ]


def _audited(rows: CandidateRows) -> Ranked:
    return [
        (
            10,
            StoryEvent(
                at=e.at,
                system=STORE,
                what=f"Audit log: {action_words(e.action)}",
                detail=f"by {e.actor}, entry {e.seq}{_pairs(e.detail)}",
            ),
        )
        for e in rows.audit
    ]


def _pairs(detail: dict[str, Any]) -> str:
    """An audit detail as words: 'key: value' pairs, lists joined (never a Python repr)."""
    shown = [f"{key.replace('_', ' ')}: {_value(value)}" for key, value in detail.items()]
    return f" ({'; '.join(shown)})" if shown else ""


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def _day(day: date) -> datetime:
    """A request known by its day only: placed at that day's start."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)
