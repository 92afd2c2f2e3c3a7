"""FS as the register of Norwegian exams, in memory, as `simulators/fs_register.py` answers FS's
client (`integrations/fs_register.py`) at the level of `StudentRegister`: an assessment unit
(`Vurderingsenhet`) is the occasion and its course (`Emne`) its one round and module; a
registration (`Vurderingsmelding`) names the student by `studentnummer` and carries FS's candidate
number as the anonymisation code (a registration without one is refused as FS's client refuses
it); the granted applications for accommodations (`Eksamenstilpasningssoknad`) on the unit's own
registrations are its accommodations; `sensurinformasjon` its grading information; registrations
made and withdrawn are student events (`studenthendelser`), read on from an opaque cursor. FS takes
no grades over its API, so the draft writes are refused. It is seeded with the stand-in's own
bodies (`Enhet`, `NyMelding`, `Sensurinformasjon`), so a test seeds both the same way."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from integrations.fs_register import EXTERNAL_ROLES, SCALE_ID, no_grades
from integrations.http import ApiError
from integrations.payload import MissingField
from models.domain import (
    Accommodation,
    Commission,
    CommissionGrader,
    GradingInformation,
    RegisterCourseRound,
    RegisterDraft,
    RegisteredStudent,
    RegisterEvent,
    RegisterEvents,
    RegisterModule,
    RegisterOccasion,
    StudyResult,
)
from models.systems import FS
from simulators.fs import Sensurinformasjon
from simulators.fs_register import Enhet, NyMelding, opaque
from tests.fakes.base import FakeConnection, Outages

MINUTES = {"H": 60, "M": 1}


@dataclass(frozen=True)
class Melding:
    """A registration as FS holds it: on which unit, whose, with which candidate number."""

    id: str
    unit_id: str
    student: NyMelding


@dataclass(frozen=True)
class Hendelse:
    seq: int
    owner: str
    kind: str  # VURDERINGSMELDT or VURDERINGSMELDING_SLETTET
    melding_id: str
    at: datetime


class FakeFsRegister(FakeConnection):
    system = FS.name

    def __init__(self, outages: Outages, *, owner: str = "186") -> None:
        super().__init__(outages)
        self.owner = owner  # the institution examflow reads for (EXAMFLOW_FS_OWNER's default)
        self.enheter: dict[str, Enhet] = {}  # by unit id
        self.meldinger: dict[str, Melding] = {}  # by id, in the order FS took them
        self.hendelser: list[Hendelse] = []
        self.sensur: dict[str, Sensurinformasjon] = {}  # by unit id
        self.students: dict[str, NyMelding] = {}  # by studentnummer, kept after a withdrawal
        self.made = 0  # registrations ever made: each new id is FS's next

    # -- the Protocol ----------------------------------------------------------------------------

    def get_occasion(self, occasion_uid: str) -> RegisterOccasion:
        self.called()
        enhet = self._enhet(occasion_uid)
        course = self._course(enhet)
        return RegisterOccasion(
            uid=occasion_uid,
            name=f"{course.code} {course.modules[0].name}".strip(),
            start_date=enhet.startDato,
            end_date=enhet.sluttDato or enhet.startDato,
            module_uids=(course.uid,),
            course_round_uids=(course.uid,),
            submission_deadline=_deadline(enhet),
        )

    def get_course_round(self, course_round_uid: str) -> RegisterCourseRound:
        self.called()
        held = [e for e in self.enheter.values() if _emne_id(e) == course_round_uid]
        if not held:
            raise ApiError(self.system, None, f"UgyldigId: FS knows no emne {course_round_uid}")
        return self._course(held[0])

    def search_study_results(self, occasion_uid: str) -> list[StudyResult]:
        return [
            StudyResult(**row._asdict(), scale_id=SCALE_ID)
            for row in self.registered_many([occasion_uid])[occasion_uid]
        ]

    def registered_many(self, occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        self.called()
        for uid in occasion_uids:
            self._enhet(uid)
        return {uid: [self._registered(m) for m in self._of(uid)] for uid in occasion_uids}

    def accommodations(self, occasion_uid: str) -> list[Accommodation]:
        """The granted applications on the unit's own registrations, one per student (the last)."""
        self.called()
        self._enhet(occasion_uid)
        found: dict[str, Accommodation] = {}
        for melding in self._of(occasion_uid):
            granted = melding.student.tilpasning
            if granted is None or granted.innvilget is not True:
                continue
            found[melding.student.studentnummer] = Accommodation(
                student_uid=melding.student.studentnummer,
                extra_time_minutes=_minutes(granted.ekstratid),
                separate_room=bool(granted.eksamensrom),
                equipment=", ".join(granted.utstyr),
            )
        return list(found.values())

    def find_students(self, *, national_ids: Sequence[str] = (), uids: Sequence[str] = ()) -> dict[str, str]:
        if not national_ids and not uids:
            return {}
        self.called()
        found = {uid: uid for uid in uids if uid in self.students}
        for s in self.students.values():
            if s.fodselsnummer and s.fodselsnummer in national_ids:
                found[s.fodselsnummer] = s.studentnummer
        return found

    def grading_information(self, occasion_uid: str) -> GradingInformation | None:
        self.called()
        self._enhet(occasion_uid)
        sensur = self.sensur.get(occasion_uid, Sensurinformasjon())
        return GradingInformation(
            grading_deadline=sensur.sensurfrist,
            announced_at=sensur.kunngjoringsdato,
            commissions=tuple(
                Commission(
                    number=k.kommisjonsnummer,
                    name=k.kommisjonsnavn or f"Kommisjon {k.kommisjonsnummer}",
                    graders=tuple(
                        CommissionGrader(
                            user=s.feideBruker,
                            name=" ".join(p for p in (s.fornavn, s.etternavn) if p),
                            external=s.rollekode in EXTERNAL_ROLES,
                        )
                        for s in k.sensorer
                    ),
                )
                for k in sensur.kommisjoner
            ),
        )

    def registration_events(self, after: str | None) -> RegisterEvents:
        self.called()
        start = _seq(after)
        mine = [h for h in self.hendelser if h.owner == self.owner and h.seq > start]
        events = [event for h in mine if (event := self._event(h)) is not None]
        return RegisterEvents(events=events, cursor=_cursor(mine[-1].seq) if mine else after)

    def create_draft(self, **_: Any) -> RegisterDraft:
        raise no_grades()

    def update_draft(self, **_: Any) -> RegisterDraft:
        raise no_grades()

    # -- seeding and steering, as the stand-in's /_sim endpoints -----------------------------------

    def put_unit(self, unit_id: str, enhet: Enhet) -> list[str]:
        """The unit (set anew) and its registrations added; their ids, as FS gives them."""
        self.enheter[unit_id] = enhet.model_copy(update={"vurderingsmeldinger": []})
        return [self._add(unit_id, melding) for melding in enhet.vurderingsmeldinger]

    def add_registration(self, unit_id: str, melding: NyMelding) -> str:
        if unit_id not in self.enheter:
            raise LookupError(f"no vurderingsenhet {unit_id}")
        return self._add(unit_id, melding)

    def withdraw(self, melding_id: str) -> None:
        melding = self.meldinger.pop(melding_id)
        self._happened("VURDERINGSMELDING_SLETTET", melding)

    def set_grading_information(self, unit_id: str, sensur: Sensurinformasjon) -> None:
        self.sensur[unit_id] = sensur

    def candidate_numbers(self, unit_id: str) -> set[str]:
        return {m.student.kandidatnummer for m in self._of(unit_id) if m.student.kandidatnummer}

    # -- inside ----------------------------------------------------------------------------------

    def _add(self, unit_id: str, melding: NyMelding) -> str:
        self.made += 1
        self.students[melding.studentnummer] = melding
        melding_id = opaque("Vurderingsmelding", f"fake-{self.made}")
        self.meldinger[melding_id] = Melding(melding_id, unit_id, melding)
        self._happened("VURDERINGSMELDT", self.meldinger[melding_id])
        return melding_id

    def _happened(self, kind: str, melding: Melding) -> None:
        now = datetime.now(UTC)
        at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # FS's times to the millisecond
        owner = self.enheter[melding.unit_id].eier
        self.hendelser.append(Hendelse(len(self.hendelser) + 1, owner, kind, melding.id, at))

    def _event(self, h: Hendelse) -> RegisterEvent | None:
        if h.kind == "VURDERINGSMELDING_SLETTET":
            return RegisterEvent(kind="withdrawn", registration_id=h.melding_id, at=h.at)
        melding = self.meldinger.get(h.melding_id)
        if melding is None:  # FS no longer holds it: the withdrawal has its own event
            return None
        return RegisterEvent(
            kind="registered", registration_id=h.melding_id, occasion_uid=melding.unit_id, at=h.at
        )

    def _enhet(self, unit_id: str) -> Enhet:
        if unit_id not in self.enheter:
            raise ApiError(self.system, None, f"UgyldigId: FS knows no vurderingsenhet {unit_id}")
        return self.enheter[unit_id]

    def _of(self, unit_id: str) -> list[Melding]:
        return [m for m in self.meldinger.values() if m.unit_id == unit_id]

    def _course(self, enhet: Enhet) -> RegisterCourseRound:
        uid, emne = _emne_id(enhet), enhet.emne
        module = RegisterModule(
            uid=uid,
            code=emne.kode,
            name=emne.navn or emne.kode,
            credits=emne.studiepoeng or 0.0,
            scale_id=SCALE_ID,
            reportable=True,
        )
        return RegisterCourseRound(uid=uid, code=emne.kode, scale_id=SCALE_ID, modules=(module,))

    def _registered(self, melding: Melding) -> RegisteredStudent:
        s = melding.student
        if not s.kandidatnummer:
            raise MissingField(
                self.system,
                f"vurderingsmelding {melding.id} on vurderingsenhet {melding.unit_id}",
                "kandidatinformasjon.kandidatnummer",
                "is missing: FS numbers the candidates, examflow does not",
            )
        course = _emne_id(self.enheter[melding.unit_id])
        return RegisteredStudent(
            melding.id, s.studentnummer, s.fornavn, s.etternavn, course, course, s.kandidatnummer
        )


def _emne_id(enhet: Enhet) -> str:
    return opaque("Emne", f"{enhet.eier},{enhet.emne.kode},{enhet.emne.versjonskode}")


def _deadline(enhet: Enhet) -> datetime | None:
    """`innleveringsfrist` as naive Norwegian wall-clock time, 23:59 when FS has no time of day."""
    if enhet.innleveringsfristDato is None:
        return None
    return datetime.combine(enhet.innleveringsfristDato, enhet.innleveringsfristKlokkeslett or time(23, 59))


def _minutes(duration: str | None) -> int:
    """`PT1H30M` (the only shape the stand-in takes) in minutes; none is no extra time."""
    if not duration:
        return 0
    total, number = 0, ""
    for ch in duration.removeprefix("PT"):
        if ch.isdigit():
            number += ch
        else:
            total, number = total + int(number) * MINUTES[ch], ""
    return total


def _cursor(seq: int) -> str:
    return base64.b64encode(f"hendelse:{seq}".encode()).decode()


def _seq(after: str | None) -> int:
    if after is None:
        return 0
    kind, _, seq = base64.b64decode(after).decode().partition(":")
    if kind != "hendelse" or not seq.isdigit():
        raise ApiError(FS.name, None, f"UgyldigInput: the cursor {after!r} is not one this server gave")
    return int(seq)
