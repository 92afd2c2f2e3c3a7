"""`FakeSystems`: every outside system in memory, meeting `integrations.systems.Systems`, with the
seeding and steering a test needs (what the stand-ins' `/_sim` endpoints do over HTTP)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from integrations.protocols import (
    ExamPlatform,
    LearningPlatform,
    RecordsArchive,
    RequestRegister,
    SimilarityService,
    StudentRegister,
)
from integrations.systems import Systems
from models.domain import Country
from models.systems import SYSTEMS
from simulators.fs_register import Emnedata, Enhet, NyMelding
from simulators.term import Term, TermSpec, generate_term
from tests.fakes.archive import FakeNoark
from tests.fakes.base import Outages
from tests.fakes.learning import FakeCanvas
from tests.fakes.platform import FakeInspera
from tests.fakes.register import FakeLadok
from tests.fakes.requests import FakeFs
from tests.fakes.similarity import FakeUrkund


class FakeSystems:
    """Each method returns its system's one fake; `clock` (epoch seconds) decides the platform's
    deadlines and when a similarity report is done."""

    def __init__(self, *, clock: Callable[[], float] = time.time, autoplay: bool = True) -> None:
        self.outages = Outages()
        self.ladok = FakeLadok(self.outages)
        self.inspera = FakeInspera(self.outages, autoplay=autoplay, clock=clock)
        self.noark = FakeNoark(self.outages)
        self.urkund = FakeUrkund(self.outages, clock=clock)
        self.fs = FakeFs(self.outages)
        self.inspera.deliver = self.fs.record_results
        self.canvas = FakeCanvas(self.outages)
        self.term: Term | None = None

    @classmethod
    def with_term(cls, spec: TermSpec, **options: Any) -> FakeSystems:
        """Systems whose register holds the term `spec` generates, as the register stand-in loads
        it; the term (with its support decisions, which the register does not hold) is `term`."""
        fakes = cls(**options)
        fakes.term = generate_term(spec)
        fakes.ladok.load_term(fakes.term)
        return fakes

    # -- Systems ---------------------------------------------------------------------------------

    def register(self, *, country: Country = Country.SE, writers: int | None = None) -> StudentRegister:
        """The register of `country`'s exams: the fake Ladok for Sweden, the fake FS for Norway."""
        return self.fs if country == Country.NO else self.ladok

    def platform(self) -> ExamPlatform:
        return self.inspera

    def archive(self) -> RecordsArchive:
        return self.noark

    def similarity(self) -> SimilarityService:
        return self.urkund

    def requests(self) -> RequestRegister:
        return self.fs

    def learning(self) -> LearningPlatform:
        return self.canvas

    # -- steering --------------------------------------------------------------------------------

    def unavailable(self, system_name: str, calls: int = 1) -> None:
        """The next `calls` calls to the system (by its declared name: ladok, inspera, archive,
        similarity, fs, canvas) raise `Unavailable`, as when its outage outlasts a client's retries."""
        if system_name not in {s.name for s in SYSTEMS}:
            raise ValueError(f"no system {system_name!r}: one of {', '.join(s.name for s in SYSTEMS)}")
        self.outages.fail_next(system_name, calls)

    def move_occasion(self, occasion_uid: str, start_date: date, end_date: date | None = None) -> None:
        self.ladok.set_dates(occasion_uid, start_date, end_date or start_date)

    def register_student(self, occasion_uid: str, student_uid: str, **names: str) -> str:
        """Registers the student (made when `first_name` and `last_name` are given); their code."""
        return self.ladok.register(occasion_uid, student_uid, **names).anonymisation_code

    def deregister_student(self, occasion_uid: str, student_uid: str) -> None:
        self.ladok.deregister(occasion_uid, student_uid)

    def move_to_fs(self, occasion_uid: str) -> str:
        """The term's occasion made a Norwegian exam: taken out of the fake Ladok and held in the
        fake FS as an assessment unit of the same id on the same day, its course the occasion's
        first round (code, name and credits of its examined module), each registration with FS's
        student number (`studentnummer`, six digits, in place of Ladok's uid) and a candidate number
        of FS's (numbers run on across FS's units). The unit's id."""
        occasion = self.ladok.occasions.pop(occasion_uid)
        course = self.ladok.course_rounds[occasion.course_round_uids[0]]
        module = course.modules[0]
        rows = [r for (o, _), r in self.ladok.registrations.items() if o == occasion_uid]
        for r in rows:
            del self.ladok.registrations[(occasion_uid, r.student_uid)]
        first = 10001 + self.fs.made
        students = [self.ladok.students[r.student_uid] for r in rows]
        numbers = {uid: str(500001 + n) for n, uid in enumerate(self.ladok.students)}
        day = occasion.start_date
        self.fs.put_unit(
            occasion_uid,
            Enhet(
                emne=Emnedata(kode=course.code, navn=module.name, studiepoeng=module.credits),
                arstall=day.year,
                termintype="HOST" if day.month >= 7 else "VAR",
                startDato=day,
                sluttDato=occasion.end_date,
                vurderingsmeldinger=[
                    NyMelding(
                        studentnummer=numbers[s.uid],
                        fornavn=s.first_name,
                        etternavn=s.last_name,
                        kandidatnummer=str(first + n),
                    )
                    for n, s in enumerate(students)
                ],
            ),
        )
        return occasion_uid

    def load_export(self, test_id: str, export: dict[str, Any]) -> None:
        self.inspera.load_export(test_id, export)


_fakes_are_systems: type[Systems] = FakeSystems
_register: type[StudentRegister] = FakeLadok
_norways_register: type[StudentRegister] = FakeFs
_platform: type[ExamPlatform] = FakeInspera
_archive: type[RecordsArchive] = FakeNoark
_similarity: type[SimilarityService] = FakeUrkund
_requests: type[RequestRegister] = FakeFs
_learning: type[LearningPlatform] = FakeCanvas
