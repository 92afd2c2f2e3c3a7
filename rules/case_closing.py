"""When an exam's case is closed: the last day the law leaves a candidate to ask for a justification
or to appeal has passed, and every request made is settled. Only then are its grades final and the
exam archived.

Each published candidate's deadlines are `rules.law.deadlines` (holidays and weekends moved as the
law counts them); the window is the latest of them. Sweden sets none (grades cannot be appealed, a
correction or reconsideration has no deadline), so a Swedish case closes once its results are
published and no request is open; a later correction is filed in the same case."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from models.domain import Country, Frozen
from rules import law

# The deadlines a student's request must meet; the grading deadline and the examiner's target for
# giving a justification are not a student's window.
REQUEST_DEADLINES = ("justification request", "appeal")


class Published(Frozen):
    """One candidate's published result, as the law sees it."""

    code: str
    published_on: date
    justification: law.Justification | None = None


class OpenRequest(Frozen):
    kind: str
    code: str


class CaseState(Frozen):
    window: law.Deadline | None
    open_requests: tuple[OpenRequest, ...] = ()
    closed: bool

    def why(self) -> str:
        """Why the case is closed or what it waits for, in a sentence for a person."""
        waits = [f"{r.kind} of {r.code} not settled" for r in self.open_requests]
        window = (
            "the law sets no deadline for requests"
            if self.window is None
            else f"requests may come until {self.window.due_on} ({self.window.source})"
        )
        if self.closed:
            return f"closed: {window}, and no request is open"
        return f"waits: {window}" + "".join(f"; {w}" for w in waits)


def request_window(country: Country, exam_on: date, published: Iterable[Published]) -> law.Deadline | None:
    """The latest deadline for a request by any published candidate; None where the law sets none.
    A justification asked for in time and not yet given has no appeal deadline yet: it is an open
    request, which keeps the case open by itself."""
    found = [
        d
        for p in published
        for d in law.deadlines(country, exam_on, p.published_on, p.justification)
        if d.name in REQUEST_DEADLINES
    ]
    return max(found, key=lambda d: d.due_on, default=None)


def case_state(
    country: Country,
    exam_on: date,
    published: Sequence[Published],
    open_requests: Sequence[OpenRequest],
    today: date,
) -> CaseState:
    """Closed once at least one result is published, the window's last day is behind `today` (the
    last day itself still allows a request) and no request is open."""
    window = request_window(country, exam_on, published)
    closed = bool(published) and not open_requests and (window is None or today > window.due_on)
    return CaseState(window=window, open_requests=tuple(open_requests), closed=closed)
