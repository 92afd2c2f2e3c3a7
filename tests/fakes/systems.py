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
        """The fake Ladok for every country: the fakes seed Norwegian exams in it, as the flow tests
        do in the Ladok stand-in (EXAMFLOW_NORWAY_REGISTER=ladok). FS as a register is tested over
        HTTP against its stand-in."""
        return self.ladok

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

    def load_export(self, test_id: str, export: dict[str, Any]) -> None:
        self.inspera.load_export(test_id, export)


_fakes_are_systems: type[Systems] = FakeSystems
_register: type[StudentRegister] = FakeLadok
_platform: type[ExamPlatform] = FakeInspera
_archive: type[RecordsArchive] = FakeNoark
_similarity: type[SimilarityService] = FakeUrkund
_requests: type[RequestRegister] = FakeFs
_learning: type[LearningPlatform] = FakeCanvas
