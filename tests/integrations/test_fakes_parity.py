"""The fakes of tests/fakes against the stand-ins: the same scenario, at the level of the Protocols,
run on `FakeSystems` and on `HttpSystems` (the real clients over HTTP on loopback to the stand-ins),
must give the same domain answers and the same refusals, raised as the same exceptions with the
same status. Ids each side makes itself (uuids, lock tokens) are compared by shape only."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from integrations.http import ApiError
from integrations.protocols import StudentRegister
from integrations.systems import HttpSystems, Systems
from models.domain import Country, PlatformCandidate, PlatformCommittee, PlatformGrader
from models.ladok_codes import GRADES, SCALE_A_F, SCALE_PASS_FAIL
from models.security import ExamSecurity
from models.settings import Settings
from simulators import archive, canvas, fs, inspera, ladok, similarity
from simulators.fs import Sensurinformasjon
from simulators.fs_register import Enhet, NyMelding
from simulators.server import serve_in_thread
from simulators.term import TermSpec, generate_term
from tests.fakes import FakeSystems

TERM = TermSpec(seed=7, course_rounds=6, occasions=4, students=120)
FS_USER, FS_PASSWORD = "examflow-test", "fs-test-password"
MADE_BY_EACH_SIDE = {
    "result_uid",
    "version",
    "document_id",
    "case_id",
    "request_id",
    "topic_id",
    "url",
    "posted_at",
}


class Clock:
    """Epoch seconds, standing still unless a test moves them; shared by the stand-ins and the fakes."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@dataclass
class Side:
    """One side of a comparison: its systems and how a test steers them."""

    systems: Systems
    attest: Callable[[str], None]
    change: Callable[[dict[str, Any]], None]  # a registration, as the register stand-in takes one
    move: Callable[[str, date], None]
    seed_requests: Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], None]
    add_course: Callable[[str], None]
    # FS as a register, seeded with the stand-in's bodies: a unit (Enhet) with its registrations
    # (their ids), one more registration (NyMelding), a withdrawal, the grading information
    put_unit: Callable[[str, dict[str, Any]], list[str]]
    add_registration: Callable[[str, dict[str, Any]], str]
    withdraw: Callable[[str], None]
    set_sensur: Callable[[str, dict[str, Any]], None]
    record_results: Callable[[str, dict[str, str]], list[str]]  # FS's import by candidate number; refused


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def http_side(tmp_path: Path, clock: Clock) -> Iterator[Side]:
    apps = {
        "ladok": ladok.create_app(tmp_path / "ladok.db"),
        "inspera": inspera.create_app(tmp_path / "inspera.db", autoplay=True, clock=clock),
        "archive": archive.create_app(tmp_path / "archive"),
        "similarity": similarity.create_app(tmp_path / "similarity.db", clock=clock),
        "fs": fs.create_app(tmp_path / "fs.db", users={FS_USER: FS_PASSWORD}),
        "canvas": canvas.create_app(tmp_path / "canvas.db"),
    }
    with (
        serve_in_thread(apps["ladok"]) as ladok_url,
        serve_in_thread(apps["inspera"]) as inspera_url,
        serve_in_thread(apps["archive"]) as archive_url,
        serve_in_thread(apps["similarity"]) as similarity_url,
        serve_in_thread(apps["fs"]) as fs_url,
        serve_in_thread(apps["canvas"]) as canvas_url,
    ):
        httpx.post(f"{ladok_url}/_sim/term", json=TERM.model_dump(), timeout=30).raise_for_status()
        settings = Settings(
            home=tmp_path,
            database_url="sqlite://",
            ladok_url=ladok_url,
            inspera_url=f"{inspera_url}/api/",
            archive_url=archive_url,
            similarity_url=similarity_url,
            fs_url=fs_url,
            canvas_url=canvas_url,
            inspera_api_key=SecretStr("local-stand-in-key"),
            inspera_tenant="examflow",
            fs_user=FS_USER,
            fs_password=SecretStr(FS_PASSWORD),
        )

        def attest(result_uid: str) -> None:
            httpx.post(f"{ladok_url}/_sim/attest/{result_uid}").raise_for_status()

        def change(registration: dict[str, Any]) -> None:
            """A refusal raised as the fake raises it: ApiError with the stand-in's status."""
            answer = httpx.post(f"{ladok_url}/_sim/registrations", json=registration)
            if answer.is_error:
                raise ApiError("ladok", answer.status_code, answer.text)

        def move(occasion: str, day: date) -> None:
            dates = {"start_date": day.isoformat(), "end_date": day.isoformat()}
            httpx.post(f"{ladok_url}/_sim/occasions/{occasion}/dates", json=dates).raise_for_status()

        def seed_requests(
            unit: str, justifications: list[dict[str, Any]], appeals: list[dict[str, Any]]
        ) -> None:
            body = {"begrunnelser": justifications, "klager": appeals}
            httpx.post(f"{fs_url}/_sim/vurderingsenheter/{unit}/requests", json=body).raise_for_status()

        def add_course(course_id: str) -> None:
            httpx.put(f"{canvas_url}/_sim/courses/{course_id}").raise_for_status()

        def put_unit(unit: str, body: dict[str, Any]) -> list[str]:
            answer = httpx.put(f"{fs_url}/_sim/vurderingsenheter/{unit}", json=body)
            answer.raise_for_status()
            return list(answer.json()["vurderingsmeldinger"])

        def add_registration(unit: str, body: dict[str, Any]) -> str:
            answer = httpx.post(f"{fs_url}/_sim/vurderingsenheter/{unit}/vurderingsmeldinger", json=body)
            answer.raise_for_status()
            return str(answer.json()["id"])

        def withdraw(melding: str) -> None:
            httpx.delete(f"{fs_url}/_sim/vurderingsmeldinger/{melding}").raise_for_status()

        def set_sensur(unit: str, sensur: dict[str, Any]) -> None:
            body = {"sensurinformasjon": sensur}
            httpx.post(f"{fs_url}/_sim/vurderingsenheter/{unit}/requests", json=body).raise_for_status()

        def record_results(unit: str, grades: dict[str, str]) -> list[str]:
            body = {"resultater": [{"kandidatnummer": int(c), "karakter": g} for c, g in grades.items()]}
            answer = httpx.post(f"{fs_url}/_sim/vurderingsenheter/{unit}/resultater", json=body)
            answer.raise_for_status()
            return sorted(str(n) for n in answer.json()["refused"])

        yield Side(
            HttpSystems(settings),
            attest,
            change,
            move,
            seed_requests,
            add_course,
            put_unit,
            add_registration,
            withdraw,
            set_sensur,
            record_results,
        )


@pytest.fixture
def fake_side(clock: Clock) -> Side:
    fakes = FakeSystems.with_term(TERM, clock=clock)

    def seed_requests(unit: str, justifications: list[dict[str, Any]], appeals: list[dict[str, Any]]) -> None:
        fakes.fs.seed(
            unit,
            justifications=[
                (j["kandidatnummer"], date.fromisoformat(j["mottattDato"])) for j in justifications
            ],
            appeals=[
                (a["kandidatnummer"], date.fromisoformat(a["mottattDato"]), a["begrunnelseForespurt"])
                for a in appeals
            ],
        )

    def change(registration: dict[str, Any]) -> None:
        occasion, student = registration["occasion_uid"], registration["student_uid"]
        if registration.get("registered", True):
            names = {k: registration[k] for k in ("first_name", "last_name") if k in registration}
            fakes.register_student(occasion, student, **names)
        else:
            fakes.deregister_student(occasion, student)

    def put_unit(unit: str, body: dict[str, Any]) -> list[str]:
        return fakes.fs.put_unit(unit, Enhet.model_validate(body))

    def add_registration(unit: str, body: dict[str, Any]) -> str:
        return fakes.fs.add_registration(unit, NyMelding.model_validate(body))

    def set_sensur(unit: str, sensur: dict[str, Any]) -> None:
        fakes.fs.set_grading_information(unit, Sensurinformasjon.model_validate(sensur))

    return Side(
        fakes,
        fakes.ladok.attest,
        change,
        fakes.move_occasion,
        seed_requests,
        fakes.canvas.add_course,
        put_unit,
        add_registration,
        fakes.fs.withdraw,
        set_sensur,
        fakes.fs.record_results,
    )


def same_on_both(
    http_side: Side, fake_side: Side, scenario: Callable[[Side, Clock], list[Any]], clock: Clock
) -> None:
    """Runs the scenario on each side (the clock back where it started) and compares the answers."""
    start = clock.now
    over_http = shown(scenario(http_side, clock))
    clock.now = start
    in_memory = shown(scenario(fake_side, clock))
    assert in_memory == over_http


def shown(value: Any) -> Any:
    """An answer as compared: models as their fields, ids made by each side as their kind."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: (k if k in MADE_BY_EACH_SIDE and v else shown(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    return value


def secured(start: str, quit_code: str) -> ExamSecurity:
    return ExamSecurity(
        lockdown_browser=True, start_password=SecretStr(start), quit_password=SecretStr(quit_code)
    )


def refusal(call: Callable[[], Any]) -> tuple[str, int | None]:
    """The exception type and status a call is refused with."""
    try:
        call()
    except ApiError as error:
        return type(error).__name__, error.status
    except ValueError as error:
        return type(error).__name__, None
    raise AssertionError("the call was not refused")


# -- the register (Ladok) ---------------------------------------------------------------------------


def register_reads(side: Side, clock: Clock) -> list[Any]:
    term = generate_term(TERM)
    occasions = [o.uid for o in term.occasions]
    with side.systems.register() as register:
        occasion = register.get_occasion(occasions[0])
        return [
            occasion,
            [register.get_course_round(uid) for uid in occasion.course_round_uids],
            register.search_study_results(occasions[0]),
            register.registered_many(occasions),
            register.find_students(
                national_ids=[
                    term.students[0].national_id,
                    term.students[1].national_id.replace("-", "")[2:],
                ],
                uids=[term.students[2].uid, "no-such-student"],
            ),
            refusal(lambda: register.get_occasion("no-such-occasion")),
            refusal(lambda: register.search_study_results("no-such-occasion")),
            refusal(lambda: register.get_course_round("no-such-round")),
        ]


def register_writes(side: Side, clock: Clock) -> list[Any]:
    occasion = generate_term(TERM).occasions[0].uid
    with side.systems.register(writers=1) as register:
        first, second = register.search_study_results(occasion)[:2]
        scale = first.scale_id
        grades = list(GRADES[scale].values())
        draft = dict(study_result_uid=first.study_result_uid, module_uid=first.module_uid, scale_id=scale)
        day = date(2026, 11, 2)
        made = register.create_draft(**draft, grade_id=grades[0], exam_date=day, idempotency_key="a")
        again = register.create_draft(**draft, grade_id=grades[0], exam_date=day, idempotency_key="a")
        updated = register.update_draft(
            draft=made, scale_id=scale, grade_id=grades[1], exam_date=day, idempotency_key="b"
        )
        other = SCALE_PASS_FAIL if scale == SCALE_A_F else SCALE_A_F
        answers = [
            made,
            again.result_uid == made.result_uid,
            updated,
            updated.version != made.version,
            refusal(
                lambda: register.update_draft(
                    draft=made, scale_id=scale, grade_id=grades[0], exam_date=day, idempotency_key="c"
                )
            ),
            refusal(
                lambda: register.create_draft(**draft, grade_id=grades[0], exam_date=day, idempotency_key="d")
            ),
            refusal(
                lambda: register.update_draft(
                    draft=updated,
                    scale_id=other,
                    grade_id=GRADES[other]["F"],
                    exam_date=day,
                    idempotency_key="e",
                )
            ),
            refusal(
                lambda: register.create_draft(
                    study_result_uid="no-such-result",
                    module_uid=first.module_uid,
                    scale_id=scale,
                    grade_id=grades[0],
                    exam_date=day,
                    idempotency_key="f",
                )
            ),
        ]
        side.attest(updated.result_uid)
        answers += [
            refusal(
                lambda: register.update_draft(
                    draft=updated, scale_id=scale, grade_id=grades[2], exam_date=day, idempotency_key="g"
                )
            ),
            [
                r
                for r in register.search_study_results(occasion)
                if r.study_result_uid in (first.study_result_uid, second.study_result_uid)
            ],
        ]
        return answers


def register_steered(side: Side, clock: Clock) -> list[Any]:
    """The register's answers after a test's changes: an occasion moved, students registered (one
    known on another occasion's round, one new) and deregistered."""
    term = generate_term(TERM)
    occasion = term.occasions[0].uid
    present = {r.student_uid for r in term.registrations if r.occasion_uid == occasion}
    elsewhere = next(r.student_uid for r in term.registrations if r.student_uid not in present)
    side.move(occasion, date(2027, 1, 11))
    side.change({"occasion_uid": occasion, "student_uid": elsewhere})
    side.change(
        {"occasion_uid": occasion, "student_uid": "new-student", "first_name": "Ny", "last_name": "Student"}
    )
    side.change({"occasion_uid": occasion, "student_uid": sorted(present)[0], "registered": False})
    with side.systems.register() as register:
        rows = register.search_study_results(occasion)
        return [
            register.get_occasion(occasion),
            [
                (r.student_uid, r.first_name, r.last_name, r.course_round_uid, r.module_uid, r.scale_id)
                for r in rows
            ],
            [
                r.anonymisation_code.rsplit("-", 1)[0] for r in rows if r.anonymisation_code
            ],  # letters drawn by each
            refusal(lambda: side.change({"occasion_uid": occasion, "student_uid": "unknown-student"})),
        ]


def test_the_register_reads_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, register_reads, clock)


def test_the_register_is_steered_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, register_steered, clock)


def test_the_register_writes_and_refuses_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, register_writes, clock)


# -- the exam platform (Inspera) --------------------------------------------------------------------


def candidates_of_an_occasion() -> list[PlatformCandidate]:
    term = generate_term(TERM)
    occasion = term.occasions[0].uid
    return [
        PlatformCandidate(
            external_user_id=r.student_uid, candidate_code="", extra_time_minutes=15 * (n % 3 == 0)
        )
        for n, r in enumerate(r for r in term.registrations if r.occasion_uid == occasion)
    ]


def platform_reads_and_writes(side: Side, clock: Clock) -> list[Any]:
    candidates = candidates_of_an_occasion()
    ends = datetime.fromtimestamp(clock(), UTC) + timedelta(hours=1)
    window = dict(starts_at=ends - timedelta(hours=4), ends_at=ends, duration_minutes=240)
    graders = (
        PlatformGrader(staff_id="staff-grader-1", name="Grete Grader", email="g1@example.org"),
        PlatformGrader(staff_id="staff-grader-2", name="Gustav  Granskare", email="g2@example.org"),
    )
    seated = [c.external_user_id for c in candidates if c is not candidates[1]]  # [1] is removed below
    half = len(seated) // 2
    committees = [
        PlatformCommittee(name="K1", graders=graders[:1], external_user_ids=tuple(seated[:half])),
        PlatformCommittee(name="K2", graders=graders, external_user_ids=tuple(seated[half:])),
    ]
    everyone = [
        PlatformCommittee(
            name="K1", graders=graders, external_user_ids=tuple(c.external_user_id for c in candidates)
        )
    ]
    with side.systems.platform() as platform:
        test = platform.upsert_test(external_test_id="exam-1", title="Databaser", **window)
        other = platform.upsert_test(external_test_id="exam-2", title="Algoritmer", **window)
        answers: list[Any] = [
            test,
            platform.upsert_test(external_test_id="exam-1", title="Databaser, omtentamen", **window),
            platform.find_test("exam-1"),
            platform.find_test("no-such-test"),
            refusal(lambda: platform.get_test("999")),
            refusal(lambda: platform.list_candidates("no-such-test")),
            refusal(lambda: platform.set_status(test.test_id, "OPEN")),
            refusal(lambda: platform.set_security_options(test.test_id, secured("12", "Q7"))),
            refusal(lambda: platform.set_security_options(test.test_id, secured("A1B2C3", "Q7-too-long"))),
            refusal(lambda: platform.set_status(other.test_id, "FINISHED")),
            refusal(lambda: platform.add_candidates(test.test_id, candidates[:2] + candidates[:1])),
        ]
        platform.set_security_options(test.test_id, secured("A1B2C3", "Q7X9K2M"))
        answers.append(platform.security_options(test.test_id).differences(secured("A1B2C3", "Q7X9K2M")))
        platform.add_candidates(test.test_id, candidates)
        platform.remove_candidates(
            test.test_id, [candidates[0].external_user_id, candidates[1].external_user_id]
        )
        listed = platform.list_candidates(test.test_id)
        platform.add_candidates(test.test_id, candidates[:1])  # back, with the id it had
        answers += [
            listed,
            platform.list_candidates(test.test_id),
            platform.set_status(test.test_id, "ACTIVE"),
        ]
        answers += [
            refusal(
                lambda: platform.set_security_options(test.test_id, ExamSecurity(lockdown_browser=False))
            ),
            refusal(lambda: platform.upsert_test(external_test_id="exam-1", title="Changed", **window)),
            refusal(lambda: platform.set_status(test.test_id, "FINISHED")),  # before the deadline
        ]
        clock.now += 2 * 3600
        answers.append(refusal(lambda: platform.set_committees(test.test_id, everyone)))
        platform.set_committees(test.test_id, committees)
        platform.set_committees(test.test_id, committees)
        answers += [
            platform.set_status(test.test_id, "FINISHED"),
            platform.set_status(test.test_id, "GRADING_IN_PROGRESS"),
            platform.set_status(test.test_id, "GRADING_IN_PROGRESS"),
            refusal(lambda: platform.set_status(test.test_id, "ACTIVE")),
            platform.export_results(test.test_id),
            platform.set_status(test.test_id, "GRADED"),
            refusal(lambda: platform.set_status(test.test_id, "GRADING_IN_PROGRESS")),
            platform.export_results(test.test_id),
            refusal(lambda: platform.export_results("999")),
        ]
        return answers


def platform_takes_many_candidates(side: Side, clock: Clock) -> list[Any]:
    """1,600 candidates go in two requests (the platform takes 1,500 at most), so the same one
    twice across them is an update; 100 are then removed."""
    many = [PlatformCandidate(external_user_id=f"student-{n:04d}", candidate_code="") for n in range(1500)]
    again = [c.model_copy(update={"extra_time_minutes": 30}) for c in many[:100]]
    ends = datetime.fromtimestamp(clock(), UTC) + timedelta(days=1)
    with side.systems.platform() as platform:
        test = platform.upsert_test(
            external_test_id="exam-big",
            title="Stor",
            starts_at=ends - timedelta(hours=4),
            ends_at=ends,
            duration_minutes=240,
        )
        platform.add_candidates(test.test_id, many + again)
        listed = platform.list_candidates(test.test_id)
        platform.remove_candidates(test.test_id, [c.external_user_id for c in many[-100:]])
        return [
            listed,
            len(platform.list_candidates(test.test_id)),
            platform.add_candidates(test.test_id, []),
        ]


def test_the_platform_takes_many_candidates_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, platform_takes_many_candidates, clock)


def test_the_platform_plays_exports_and_refuses_the_same(
    http_side: Side, fake_side: Side, clock: Clock
) -> None:
    same_on_both(http_side, fake_side, platform_reads_and_writes, clock)


PDF = b"%PDF-1.4\n% a scanned sketch\n%%EOF\n"


def platform_on_exam_day(side: Side, clock: Clock) -> list[Any]:
    """Incident time only while active and before the candidate's end (15 planned minutes, then
    the incident's), set as a total; PDFs attached once active, the same name replacing."""
    candidates = candidates_of_an_occasion()[:3]
    who = candidates[0].external_user_id  # 15 minutes of planned extra time
    ends = datetime.fromtimestamp(clock(), UTC) + timedelta(hours=1)
    window = dict(starts_at=ends - timedelta(hours=4), ends_at=ends, duration_minutes=240)
    with side.systems.platform() as platform:
        test = platform.upsert_test(external_test_id="exam-day-1", title="Mekanik", **window)
        platform.add_candidates(test.test_id, candidates)
        answers: list[Any] = [
            refusal(lambda: platform.set_incident_time(test.test_id, who, 10)),
            refusal(lambda: platform.attach_file(test.test_id, who, name="sketch.pdf", content=PDF)),
        ]
        platform.set_status(test.test_id, "ACTIVE")
        answers += [
            platform.set_incident_time(test.test_id, who, 10),
            platform.set_incident_time(test.test_id, who, 10),
            refusal(lambda: platform.set_incident_time(test.test_id, "no-such-student", 5)),
            refusal(lambda: platform.set_incident_time(test.test_id, who, 2881)),
            refusal(lambda: platform.attach_file(test.test_id, who, name="x.pdf", content=b"not a pdf")),
            platform.attach_file(test.test_id, who, name="sketch.pdf", content=PDF),
            platform.attach_file(test.test_id, who, name="sketch.pdf", content=PDF + b"%"),
            platform.attach_file(
                test.test_id, candidates[1].external_user_id, name="sketch.pdf", content=PDF
            ),
            platform.attachments(test.test_id),
        ]
        clock.now += 3600 + 25 * 60  # the candidate's end: the test's, 15 planned and 10 incident minutes
        answers.append(refusal(lambda: platform.set_incident_time(test.test_id, who, 20)))
        answers.append(platform.export_results(test.test_id))
        return answers


def test_the_platform_takes_exam_day_changes_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, platform_on_exam_day, clock)


# -- the records archive (Noark 5) ------------------------------------------------------------------


def archive_files(side: Side, clock: Clock) -> list[Any]:
    paper = "Besvarelse kandidat 0001 – æøå".encode() * 50
    with side.systems.archive() as records:
        case = records.case_file(title="Eksamen TDA357 2026-10-19")
        same = records.case_file(title="Eksamen TDA357 2026-10-19")
        other = records.case_file(title="Eksamen DAT405 2026-10-20")
        first = records.file_document(
            case_id=case,
            kind="paper",
            title="paper-0001",
            filename="p1.json",
            content=paper,
            mime_type="application/json",
        )
        filed_again = records.file_document(
            case_id=case,
            kind="paper",
            title="paper-0001",
            filename="p1.json",
            content=b"other",
            mime_type="application/json",
        )
        records.file_document(
            case_id=case,
            kind="protocol",
            title="protocol",
            filename="p.csv",
            content=b"a;b\n",
            mime_type="text/csv",
        )
        return [
            same == case,
            other != case,
            first,
            filed_again.document_id != first.document_id,
            records.documents(case),
            records.documents(other),
            records.download(first.document_id) == paper,  # filing the title again overwrote nothing
            refusal(lambda: records.documents("no-such-case")),
            refusal(lambda: records.download("no-such-document")),
            refusal(
                lambda: records.file_document(
                    case_id=case,
                    kind="minutes",
                    title="m",
                    filename="m.txt",
                    content=b"m",
                    mime_type="text/plain",
                )
            ),
            refusal(
                lambda: records.file_document(
                    case_id="no-such-case",
                    kind="paper",
                    title="m",
                    filename="m.txt",
                    content=b"m",
                    mime_type="text/plain",
                )
            ),
        ]


def test_the_archive_files_and_refuses_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, archive_files, clock)


# -- the similarity service ------------------------------------------------------------------------


def similarity_checks(side: Side, clock: Clock) -> list[Any]:
    essay = "The algorithm runs in linear time because each element is visited once and never again."
    with side.systems.similarity() as service:
        original = service.submit(reference="exam-1:0001", text=essay)
        copied = service.submit(reference="exam-1:0002", text=essay + " Indeed.")
        own = service.submit(
            reference="exam-1:0003", text="Measurement error could explain the deviation seen."
        )
        answers: list[Any] = [
            service.report(original).status,
            service.submit(reference="exam-1:0001", text=essay) == original,
            refusal(lambda: service.submit(reference="exam-1:0001", text="Another text altogether here.")),
            refusal(lambda: service.report("no-such-document")),
        ]
        clock.now += 5
        reports = [service.report(d) for d in (original, copied, own)]
        service.submit(reference="exam-1:0004", text=essay)  # later: the reports made stay
        return answers + [[(r.status, r.percent) for r in reports], service.report(own).percent]


def test_the_similarity_service_reports_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, similarity_checks, clock)


# -- Norway's register (FS) ------------------------------------------------------------------------


def fs_requests(side: Side, clock: Clock) -> list[Any]:
    side.seed_requests(
        "unit-1",
        [
            {"kandidatnummer": "101", "mottattDato": "2026-11-02"},
            {"kandidatnummer": "102", "mottattDato": "2026-11-03"},
        ],
        [{"kandidatnummer": "103", "mottattDato": "2026-11-04", "begrunnelseForespurt": True}],
    )
    side.seed_requests("unit-2", [], [])
    with side.systems.requests() as register:
        return [
            register.requests("unit-1"),
            register.requests("unit-2"),
            refusal(lambda: register.requests("no-such-unit")),
        ]


def test_fs_answers_and_refuses_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, fs_requests, clock)


def fs_results(side: Side, clock: Clock) -> list[Any]:
    side.put_unit(
        "unit-3",
        {
            "emne": {"kode": "TDT4145"},
            "arstall": 2026,
            "termintype": "HOST",
            "startDato": "2026-12-01",
            "vurderingsmeldinger": [
                {"studentnummer": f"5{c}", "kandidatnummer": c} for c in ("30101", "30102")
            ],
        },
    )
    with side.systems.requests() as register:
        before = register.results("unit-3")
        refused = side.record_results("unit-3", {"30101": "B", "30102": "Bestått", "30199": "A"})
        side.record_results("unit-3", {"30102": "Ikke bestått"})
        return [
            before,
            refused,  # a candidate number not registered on the unit
            [(r.candidate, r.grade, r.valid) for r in register.results("unit-3")],
            register.requests("unit-3"),  # a unit held as a register's answers for its requests too
            refusal(lambda: register.results("no-such-unit")),
        ]


NORWEGIAN_UNIT = {
    "emne": {
        "kode": "TDT4145",
        "versjonskode": "1",
        "navn": "Datamodellering og databasesystemer",
        "studiepoeng": 7.5,
    },
    "arstall": 2026,
    "termintype": "HOST",
    "startDato": "2026-12-01",
    "sluttDato": "2026-12-02",
    "innleveringsfristDato": "2026-12-02",
    "innleveringsfristKlokkeslett": "14:00:00",
    "vurderingsmeldinger": [
        {
            "studentnummer": "771001",
            "fornavn": "Kari",
            "etternavn": "Nordmann",
            "fodselsnummer": "01019912345",
            "kandidatnummer": "30101",
            "tilpasning": {"innvilget": True, "ekstratid": "PT1H30M", "eksamensrom": "R1", "utstyr": ["PC"]},
        },
        {
            "studentnummer": "771002",
            "fornavn": "Ola",
            "etternavn": "Nordmann",
            "kandidatnummer": "30102",
            "tilpasning": {"innvilget": False, "ekstratid": "PT30M"},
        },
        {"studentnummer": "771003", "fornavn": "Per", "etternavn": "Hansen", "kandidatnummer": "30103"},
    ],
}
SENSUR = {
    "sensurfrist": "2026-12-23T23:59:00+01:00",
    "kunngjoringsdato": "2026-12-24T09:00:00+01:00",
    "kommisjoner": [
        {
            "kommisjonsnummer": "1",
            "sensorer": [
                {"feideBruker": "kari@ntnu.no", "fornavn": "Kari", "etternavn": "Intern"},
                {
                    "feideBruker": "eva@uio.no",
                    "fornavn": "Eva",
                    "etternavn": "Ekstern",
                    "rollekode": "EKSTERN",
                },
            ],
        }
    ],
}


def kind_of(fs_id: str) -> str:
    """FS's opaque id as its type: each side makes its own."""
    return base64.b64decode(fs_id).decode().partition(":")[0]


def fs_register(side: Side, clock: Clock) -> list[Any]:
    """FS as the register of a Norwegian exam: the unit as an occasion with its course, the
    registrations with their candidate numbers, the granted accommodations, students looked up, the
    grading information, the student events read on from a cursor, and the refusals."""
    first, *_ = side.put_unit("unit-4", NORWEGIAN_UNIT)
    side.put_unit("unit-5", {**NORWEGIAN_UNIT, "vurderingsmeldinger": [{"studentnummer": "771009"}]})
    side.put_unit("unit-6", {**NORWEGIAN_UNIT, "emne": {"kode": "IT1901"}, "vurderingsmeldinger": []})
    side.set_sensur("unit-4", SENSUR)
    with side.systems.register(country=Country.NO) as register:
        occasion = register.get_occasion("unit-4")
        answers: list[Any] = [
            occasion,
            register.get_course_round(occasion.course_round_uids[0]),
            register.get_occasion("unit-6"),
            registered(register, "unit-4"),
            [
                r.model_copy(update={"study_result_uid": "id"})
                for r in register.search_study_results("unit-4")
            ],
            register.accommodations("unit-4"),
            register.find_students(national_ids=["01019912345", "02029900000"], uids=["771002", "999999"]),
            register.grading_information("unit-4"),
            register.grading_information("unit-6"),
        ]
        seen = register.registration_events(None)
        side.add_registration("unit-4", {"studentnummer": "771004", "kandidatnummer": "30104"})
        side.withdraw(first)
        later = register.registration_events(seen.cursor)
        return answers + [
            [(e.kind, kind_of(e.registration_id), e.occasion_uid) for e in seen.events + later.events],
            register.registration_events(later.cursor).events,
            registered(register, "unit-4"),
            register.accommodations("unit-4"),  # the withdrawn registration's application went with it
            refusal(lambda: register.get_occasion("no-such-unit")),
            refusal(lambda: register.registered_many(["unit-5"])),  # a registration FS gave no number
            refusal(lambda: register.get_course_round("no-such-emne")),
            refusal(lambda: register.accommodations("no-such-unit")),
            refusal(
                lambda: register.create_draft(
                    study_result_uid="x",
                    module_uid="y",
                    scale_id=SCALE_A_F,
                    grade_id=1,
                    exam_date=date(2026, 12, 1),
                    idempotency_key="k",
                )
            ),  # fmt: skip
        ]


def registered(register: StudentRegister, unit: str) -> list[Any]:
    return [
        r._replace(study_result_uid=kind_of(r.study_result_uid))
        for r in register.registered_many([unit])[unit]
    ]


def test_fs_as_a_register_answers_and_refuses_the_same(
    http_side: Side, fake_side: Side, clock: Clock
) -> None:
    same_on_both(http_side, fake_side, fs_register, clock)


def test_fs_results_read_back_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, fs_results, clock)


# -- the learning platform (Canvas) -----------------------------------------------------------------


def canvas_announcements(side: Side, clock: Clock) -> list[Any]:
    side.add_course("course-1")
    side.add_course("course-2")
    with side.systems.learning() as learning:
        first = learning.announce("course-1", title="Exam on 12 January", message="<p>The link</p>")
        again = learning.announce("course-1", title="Exam on 12 January", message="<p>The link</p>")
        other = learning.announce("course-1", title="Re-exam on 3 April", message="<p>Another</p>")
        return [
            first,
            again,
            other,
            [a.title for a in learning.announcements("course-1")],
            learning.announcements("course-2"),
            refusal(lambda: learning.announcements("no-such-course")),
            refusal(lambda: learning.announce("course-2", title="x" * 256, message="too long")),
        ]


def test_canvas_posts_once_lists_and_refuses_the_same(http_side: Side, fake_side: Side, clock: Clock) -> None:
    same_on_both(http_side, fake_side, canvas_announcements, clock)
