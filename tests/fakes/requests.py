"""Norway's register (FS) in memory: the register of its exams (`tests/fakes/fs_register.py`), the
results it records, and the requests it holds, as `simulators/fs.py` behaves at the Protocol's
level: an assessment unit's requests for justification, then its appeals, each kind in the order
FS received them; an unknown unit is FS's `UgyldigId` error. An appeal registered by
the faculty keeps the one FS holds for the candidate and marks the old result under appeal until it
is closed; a justification registered as given likewise (`simulators/fs_appeals.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date

from integrations.http import ApiError
from models.domain import RegisterRequest, RequestKind
from models.fs_transfer import FsResult
from models.register_marks import AppealMark, AppealStatus, JustificationMark
from simulators.fs_register import Enhet
from tests.fakes.base import Outages
from tests.fakes.fs_register import FakeFsRegister


class FakeFs(FakeFsRegister):
    def __init__(self, outages: Outages) -> None:
        super().__init__(outages)
        self.units: dict[str, list[RegisterRequest]] = {}  # by assessment unit id
        self.recorded: dict[
            str, list[FsResult]
        ] = {}  # results by unit FS holds as a register's, oldest first
        self.closed: set[str] = set()  # appeals decided, their old result's mark lifted
        self.given: dict[str, date] = {}  # justifications registered as given, by request id

    def requests(self, assessment_unit_id: str) -> list[RegisterRequest]:
        self.called()
        if assessment_unit_id not in self.units:
            raise self.refused(
                200,
                f"UgyldigId: fant ingen vurderingsenhet med id {assessment_unit_id!r} (at vurderingsenhet)",
            )
        held = self.units[assessment_unit_id]
        return [r for kind in RequestKind for r in held if r.kind == kind]

    def results(self, assessment_unit_id: str) -> list[FsResult]:
        self.called()
        if assessment_unit_id not in self.recorded:
            # as the client raises it: `node` answers null, which the client refuses itself
            raise ApiError(self.system, None, f"UgyldigId: FS knows no vurderingsenhet {assessment_unit_id}")
        return list(self.recorded[assessment_unit_id])

    def put_unit(self, unit_id: str, enhet: Enhet) -> list[str]:
        """The unit held as the register of its exam (the stand-in's PUT of a unit): it has no
        requests and no results yet."""
        self.units.setdefault(unit_id, [])
        self.recorded.setdefault(unit_id, [])
        return super().put_unit(unit_id, enhet)

    def record_results(self, unit_id: str, grades: Mapping[str, str]) -> list[str]:
        """As FS's imports (from the platform, or a protocol file): each grade the candidate's valid
        result, the one it replaces kept as no longer valid. A candidate number not registered on
        the unit (or no number) is refused: those refused are returned."""
        if unit_id not in self.recorded:
            raise LookupError(f"no vurderingsenhet {unit_id}")
        held, registered = self.recorded[unit_id], self.candidate_numbers(unit_id)
        refused = sorted(c for c in grades if c not in registered or not c.isdigit())
        for candidate, grade in grades.items():
            if candidate in refused:
                continue
            held[:] = [r.model_copy(update={"valid": False}) if r.candidate == candidate else r for r in held]
            held.append(FsResult(result_id=str(uuid.uuid4()), candidate=candidate, grade=grade))
        return refused

    def mark_appeal(self, assessment_unit_id: str, candidate: str, received_on: date) -> AppealMark:
        self.called()
        return self._mark(self._held_or_new(assessment_unit_id, RequestKind.APPEAL, candidate, received_on))

    def close_appeal(self, appeal_id: str) -> AppealMark:
        self.called()
        held = [r for rs in self.units.values() for r in rs if r.request_id == appeal_id]
        if not held or held[0].kind != RequestKind.APPEAL:
            raise self.refused(200, f"UgyldigId: fant ingen klage med id {appeal_id!r} (at avsluttKlager)")
        self.closed.add(appeal_id)
        return self._mark(held[0])

    def register_justification(
        self, assessment_unit_id: str, candidate: str, requested_on: date, given_on: date
    ) -> JustificationMark:
        self.called()
        held = self._held_or_new(assessment_unit_id, RequestKind.JUSTIFICATION, candidate, requested_on)
        self.given[held.request_id] = given_on
        return JustificationMark(
            request_id=held.request_id, candidate=candidate, requested_on=held.received_on, given_on=given_on
        )

    def _held_or_new(
        self, unit_id: str, kind: RequestKind, candidate: str, received_on: date
    ) -> RegisterRequest:
        if unit_id not in self.units:
            raise self.refused(200, f"UgyldigId: fant ingen vurderingsenhet med id {unit_id!r}")
        held = [r for r in self.units[unit_id] if r.kind == kind and r.candidate == candidate]
        if held:
            return held[0]
        new = RegisterRequest(
            request_id=str(uuid.uuid4()), kind=kind, candidate=candidate, received_on=received_on
        )
        self.units[unit_id].append(new)
        return new

    def _mark(self, appeal: RegisterRequest) -> AppealMark:
        closed = appeal.request_id in self.closed
        return AppealMark(
            appeal_id=appeal.request_id,
            candidate=appeal.candidate,
            received_on=appeal.received_on,
            status=AppealStatus.DECIDED if closed else AppealStatus.UNDER_APPEAL,
            result_blocked=not closed,
        )

    def seed(
        self,
        unit_id: str,
        *,
        justifications: Iterable[tuple[str, date]] = (),
        appeals: Iterable[tuple[str, date, bool]] = (),
    ) -> list[str]:
        """Adds the unit if missing and requests to it: (candidate number, received) for a
        justification, (candidate number, received, a justification asked first) for an appeal.
        Their ids, new ones as FS gives."""
        held = self.units.setdefault(unit_id, [])
        new = [
            RegisterRequest(
                request_id=str(uuid.uuid4()), kind=RequestKind.JUSTIFICATION, candidate=c, received_on=d
            )
            for c, d in justifications
        ] + [
            RegisterRequest(
                request_id=str(uuid.uuid4()),
                kind=RequestKind.APPEAL,
                candidate=c,
                received_on=d,
                justification_asked=a,
            )
            for c, d, a in appeals
        ]
        held += new
        return [r.request_id for r in new]
