"""Requests read from the register's data (Norway: FS), sorted before anything is started: each
is started once, one already held is left alone, one naming no candidate of ours is refused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from models.domain import Frozen, RegisterRequest


class Outcome(StrEnum):
    START = "start"
    HELD = "already held"
    REFUSED = "refused"


class SortedRequest(Frozen):
    request: RegisterRequest
    outcome: Outcome
    detail: str = ""
    registration_id: int | None = None


def sort_requests(
    found: Iterable[RegisterRequest],
    *,
    occasion_id: str,
    candidates: Mapping[str, int],
    held: Iterable[tuple[int, str]],
    recorded: Mapping[str, str | None],
) -> list[SortedRequest]:
    """`candidates`: anonymisation code → registration id; `held`: (registration id, kind) of every
    justification or appeal our store holds (a coordinator's form, or a request read earlier);
    `recorded`: request id → the flow run started for it (None: recorded, start interrupted).

    A request recorded but never started is started again (the start is idempotent); of two
    requests of one kind for one candidate the first is started and the second is held."""
    taken = set(held)
    out = []
    for request in found:
        registration = candidates.get(request.candidate)
        if registration is None:
            out.append(_refused(request, occasion_id))
        elif request.request_id in recorded:
            run = recorded[request.request_id]
            if run is None:
                out.append(
                    SortedRequest(request=request, outcome=Outcome.START, registration_id=registration)
                )
            else:
                out.append(_held(request, f"started before: flow run {run}"))
        elif (registration, request.kind.value) in taken:
            out.append(_held(request, f"a {request.kind.value} of {request.candidate} is already held"))
        else:
            taken.add((registration, request.kind.value))
            out.append(SortedRequest(request=request, outcome=Outcome.START, registration_id=registration))
    return out


def _refused(request: RegisterRequest, occasion_id: str) -> SortedRequest:
    reason = f"candidate number {request.candidate} is not a candidate on {occasion_id}"
    return SortedRequest(request=request, outcome=Outcome.REFUSED, detail=reason)


def _held(request: RegisterRequest, detail: str) -> SortedRequest:
    return SortedRequest(request=request, outcome=Outcome.HELD, detail=detail)
