"""The seating plan as an exam office prints it: conflicts first, then staffing, loan PCs and one
table per room by seat. Candidates by anonymisation code, staff by name; words, not codes."""

from __future__ import annotations

from rules.exam_times import STOCKHOLM
from tasks.reports import markdown_table
from tasks.seating import SeatingDraft

DUTIES = {"invigilator": "invigilators", "it_support": "IT support"}


def _when(draft: SeatingDraft) -> str:
    starts, ends = draft.starts_at.astimezone(STOCKHOLM), draft.ends_at.astimezone(STOCKHOLM)
    return f"{starts:%Y-%m-%d}, {starts:%H:%M}–{ends:%H:%M} (Stockholm time, with the longest extra time)"


def _conflicts(draft: SeatingDraft) -> str:
    if not draft.conflicts:
        return "No conflicts found."
    rows = [
        {
            "conflict": c.kind,
            "details": c.text,
            "effect": "stops the plan" if c.blocking else "to be resolved",
        }
        for c in draft.conflicts
    ]
    return markdown_table(rows, limit=len(rows))


def _staffing(draft: SeatingDraft) -> str:
    names: dict[tuple[str, str], list[str]] = {}
    for d in draft.duties:
        names.setdefault((d.duty, d.place), []).append(d.name)
    rows = [
        {
            "duty": DUTIES[n.duty],
            "where": n.place,
            "candidates": n.candidates,
            "needed": n.needed,
            "on duty": ", ".join(names.get((n.duty, n.place), [])) or "nobody",
        }
        for n in draft.needs
    ]
    return markdown_table(rows, limit=len(rows))


def _loan_pcs(draft: SeatingDraft) -> str:
    rows = [
        {
            "candidate": d.code,
            "applied on": d.applied_on.isoformat(),
            "decision": "granted" if d.granted else "refused",
            "from the pool of": d.building,
            "why refused": d.reason,
        }
        for d in draft.loan_pcs
    ]
    return markdown_table(rows, limit=len(rows))


def _room(draft: SeatingDraft, code: str) -> str:
    rows = [
        {
            "seat": s.seat,
            "power outlet": "yes" if s.power else "no",
            "candidate": s.code,
            "extra time": f"{s.extra_time_minutes} minutes" if s.extra_time_minutes else "",
            "equipment": s.equipment,
            "loan PC": s.loan_pc,
        }
        for s in draft.seats
        if s.room == code
    ]
    return markdown_table(rows, limit=len(rows))


def plan_markdown(draft: SeatingDraft) -> str:
    seated = len(draft.seats)
    powered = sum(s.power for s in draft.seats)
    parts = [
        f"## Seating plan: {draft.exam}",
        f"{_when(draft)}. {seated} candidates seated in {len(draft.rooms)} rooms, {powered} of them at a seat "
        f"with a power outlet"
        + (f"; {len(draft.unseated)} without a seat ({', '.join(draft.unseated)})" if draft.unseated else "")
        + ".",
        f"### Conflicts\n\n{_conflicts(draft)}",
        f"### Staff on duty\n\n{_staffing(draft)}",
        f"### Loan PCs\n\n{_loan_pcs(draft)}",
    ]
    for room in draft.rooms:
        count = sum(s.room == room.code for s in draft.seats)
        kind = ", a room for candidates who write apart" if room.separate_room else ""
        parts.append(
            f"### {room.code}, {room.building}: {count} of {room.seats} seats taken "
            f"({room.power_seats} with a power outlet{kind})\n\n{_room(draft, room.code)}"
        )
    return "\n\n".join(parts)
