"""Norway's register (FS) in memory, for the requests it holds, as `simulators/fs.py` behaves at
the Protocol's level: an assessment unit's requests for justification, then its appeals, each kind
in the order FS received them; an unknown unit is FS's `UgyldigId` error."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date

from integrations.http import ApiError
from models.domain import RegisterRequest, RequestKind
from models.fs_transfer import FsResult
from models.systems import FS
from tests.fakes.base import FakeConnection, Outages


class FakeFs(FakeConnection):
    system = FS.name

    def __init__(self, outages: Outages) -> None:
        super().__init__(outages)
        self.units: dict[str, list[RegisterRequest]] = {}  # by assessment unit id
        self.recorded: dict[
            str, list[FsResult]
        ] = {}  # results by unit FS holds as a register's, oldest first

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

    def hold_unit(self, unit_id: str) -> None:
        """The unit held as the register of its exam holds it (the stand-in's PUT of a unit)."""
        self.recorded.setdefault(unit_id, [])

    def record_results(self, unit_id: str, grades: Mapping[str, str]) -> None:
        """As FS's imports (from the platform, or a protocol file): each grade the candidate's valid
        result, the one it replaces kept as no longer valid. Unlike the stand-in it takes any
        candidate number: the fakes keep registrations in the fake Ladok, not here."""
        if unit_id not in self.recorded:
            raise LookupError(f"no vurderingsenhet {unit_id}")
        held = self.recorded[unit_id]
        for candidate, grade in grades.items():
            held[:] = [r.model_copy(update={"valid": False}) if r.candidate == candidate else r for r in held]
            held.append(FsResult(result_id=str(uuid.uuid4()), candidate=candidate, grade=grade))

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
