"""Flow tests: the real flows under prefect_test_harness, the stand-ins over real HTTP on loopback,
a migrated SQLite store, and approvals answered from another thread as a person would.

They run on SQLite only: the store functions they reach are tested on SQLite and PostgreSQL in
tests/store, and the fault tests (tests/sync, tests/transfer) run the flows' writes on both."""

from __future__ import annotations

import base64
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import Engine

from deployments import approver
from deployments.staff import seed_staff
from models.params import ExamTimes
from models.systems import ARCHIVE, FS, INSPERA, LADOK, SYSTEMS, SystemDeclaration
from rules.exam_times import STOCKHOLM
from simulators.server import serve_in_thread
from store.db import make_engine, transaction
from store.migrate import upgrade
from tests.conftest import examflow_environment

FS_USER, FS_PASSWORD = "examflow-test", "fs-test-password"
NAMES = ("Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Jonas")


# The register's term: its first four occasions are shared by the modules that name them; of the
# others, those of 5 to 16 candidates sharing no study result with the shared ones or each other (a
# result written for one would show on the other) are handed out one per exam by `fresh_occasion`.
TERM = {"seed": 7, "course_rounds": 6, "occasions": 96, "students": 1000, "registrations": 1300}
SHARED = 4
SPARE_SIZES = range(5, 17)


@dataclass
class World:
    home: Path
    urls: dict[str, str]  # each declared system's stand-in, by name
    occasions: list[str] = field(default_factory=list)
    spare: list[str] = field(default_factory=list)
    units: int = 0  # the FS units made by `fresh_unit`

    def fresh_occasion(self) -> str:
        """An occasion of the register that no test has taken yet."""
        if not self.spare:
            raise LookupError(f"every spare occasion of the term is taken: enlarge TERM ({TERM})")
        return self.spare.pop(0)

    def fresh_unit(self, starts_at: datetime, ends_at: datetime, students: int = 8) -> tuple[str, ExamTimes]:
        """A Norwegian exam's assessment unit, new in the FS stand-in on the window's day, with
        `students` registrations each with FS's student number and candidate number (numbers run
        on across the session's units); its id and the plan's times for the window (Oslo and
        Stockholm keep the same time)."""
        self.units += 1
        start, end = starts_at.astimezone(STOCKHOLM), ends_at.astimezone(STOCKHOLM)
        unit = base64.b64encode(f"Vurderingsenhet:186,EXF{self.units:03d},1,{start.date()}".encode()).decode()
        first = 40000 + 100 * self.units
        body = {
            "emne": {"kode": f"EXF{self.units:03d}", "navn": "Eksamen i flyt", "studiepoeng": 7.5},
            "arstall": start.year,
            "termintype": "HOST" if start.month >= 7 else "VAR",
            "startDato": start.date().isoformat(),
            "vurderingsmeldinger": [
                {
                    "studentnummer": f"{first + n}",
                    # names of their own, so that a test finds them only where this exam put them
                    "fornavn": f"{NAMES[n % len(NAMES)]}{first + n}",
                    "etternavn": f"Nordmann{first + n}",
                    "kandidatnummer": f"{first + n}",
                }
                for n in range(1, students + 1)
            ],
        }
        httpx.put(f"{self.fs_url}/_sim/vurderingsenheter/{unit}", json=body).raise_for_status()
        return unit, ExamTimes(exam_date=start.date(), start_time=start.time(), end_time=end.time())

    @property
    def ladok_url(self) -> str:
        return self.urls[LADOK.name]

    @property
    def inspera_url(self) -> str:
        return self.urls[INSPERA.name]

    @property
    def archive_url(self) -> str:
        return self.urls[ARCHIVE.name]

    @property
    def fs_url(self) -> str:
        return self.urls[FS.name]

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    def reschedule(self, occasion_uid: str, starts_at: datetime, ends_at: datetime) -> ExamTimes:
        """The plan's times for this window (Stockholm local), the occasion's dates in the
        register moved to its day so that the plan passes its checks."""
        start, end = starts_at.astimezone(STOCKHOLM), ends_at.astimezone(STOCKHOLM)
        response = httpx.post(
            f"{self.ladok_url}/_sim/occasions/{occasion_uid}/dates",
            json={"start_date": start.date().isoformat(), "end_date": end.date().isoformat()},
        )
        response.raise_for_status()
        return ExamTimes(exam_date=start.date(), start_time=start.time(), end_time=end.time())

    def times_on_its_day(self, occasion_uid: str) -> ExamTimes:
        """Plan times of 09:00-13:00 on the occasion's first day in the register."""
        occasion = httpx.get(f"{self.ladok_url}/resultat/aktivitetstillfalle/{occasion_uid}")
        occasion.raise_for_status()
        day = date.fromisoformat(occasion.json()["Datumperiod"]["Startdatum"])
        return ExamTimes(exam_date=day, start_time=time(9, 0), end_time=time(13, 0))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


def _store(home: Path) -> Engine:
    """The flows' database, a migrated SQLite file, empty but for the staff."""
    engine = make_engine(f"sqlite:///{home / 'examflow.db'}")
    upgrade(engine)
    with transaction(engine) as session:
        seed_staff(session)
    return engine


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> Iterator[World]:
    """The stand-ins and a SQLite store for every flow test of the session."""
    home = tmp_path_factory.mktemp("examflow")
    engine = _store(home)
    with ExitStack() as stack:
        urls = {
            system.name: stack.enter_context(serve_in_thread(stand_in(system, home))) for system in SYSTEMS
        }
        stack.enter_context(
            examflow_environment(
                {
                    "EXAMFLOW_HOME": str(home),
                    "EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                    **{system.url_env: f"{urls[system.name]}{system.url_path}" for system in SYSTEMS},
                    "EXAMFLOW_FS_USER": FS_USER,
                    "EXAMFLOW_FS_PASSWORD": FS_PASSWORD,
                }
            )
        )
        term = httpx.post(f"{urls[LADOK.name]}/_sim/term", timeout=30, json=TERM)
        term.raise_for_status()
        uids = term.json()["occasions"]
        yield World(home, urls, uids[:SHARED], _spares(urls[LADOK.name], uids))


def _spares(ladok_url: str, uids: list[str]) -> list[str]:
    """The occasions after the shared ones that a test may take for an exam of its own."""
    results = {}
    for uid in uids:
        response = httpx.get(f"{ladok_url}/_sim/registrations", params={"occasion": uid})
        response.raise_for_status()
        results[uid] = {(r["study_result_uid"], r["module_uid"]) for r in response.json()}
    taken = set().union(*(results[u] for u in uids[:SHARED]))
    spares = []
    for uid in uids[SHARED:]:
        if len(results[uid]) in SPARE_SIZES and not results[uid] & taken:
            spares.append(uid)
            taken |= results[uid]
    return spares


def stand_in(system: SystemDeclaration, home: Path) -> FastAPI:
    """The declared system's stand-in app, its state in `home`; the platform plays each test as it
    opens, FS admits the tests' API user."""
    options: dict[str, dict[str, Any]] = {
        INSPERA.name: {"autoplay": True},
        FS.name: {"users": {FS_USER: FS_PASSWORD}},
    }
    module = importlib.import_module(system.standin)
    return module.create_app(home / system.state, **options.get(system.name, {}))


@dataclass
class Approver:
    """Answers the forms of paused runs from a background thread, like a person at the UI."""

    outbox: Path
    staff_id: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    first_answers: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    before: Callable[[], None] | None = None  # what the person does before each answer

    def answer_once(self) -> None:
        for run in approver.paused_runs():
            mail = approver.mail_for(self.outbox, str(run.id), self.staff_id)
            if mail is None:
                continue
            if self.before is not None:
                self.before()
            fields = {"decision": "approve", "comment": "checked", **self.extra}
            if len(self.answers) < len(self.first_answers):
                fields.update(self.first_answers[len(self.answers)])
            try:
                approver.answer(run.id, mail, **fields)
            except RuntimeError as exc:  # the server refused the form (schema); the run stays paused
                self.refused.append(str(exc))
                self.first_answers = self.first_answers[1:]
                continue
            self.answers.append({"flow_run_id": str(run.id), **fields})


@contextmanager
def approving(outbox: Path, staff_id: str, **options: Any) -> Iterator[Approver]:
    person = Approver(outbox, staff_id, **options)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                person.answer_once()
            except Exception as exc:  # keep answering; the test reads the errors
                person.errors.append(repr(exc))
            stop.wait(0.3)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield person
    finally:
        stop.set()
        thread.join(timeout=10)


def past_window(hours_ago: int = 2) -> tuple[datetime, datetime]:
    """A window that has ended, so exam day can close and open for assessment at once; moved
    back rather than across midnight in Stockholm (a plan's times lie on one day)."""
    starts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
    local = starts.astimezone(STOCKHOLM)
    if (local + timedelta(hours=1)).date() != local.date():
        starts -= timedelta(hours=1, minutes=1)
    return starts, starts + timedelta(hours=1)
