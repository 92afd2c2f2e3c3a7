"""The student register (Ladok) in memory, as `simulators/ladok.py` behaves at the Protocol's level:
occasions carry dates only, a search lists an occasion's study results ordered by last name, first
name and personnummer, a draft carries a lock token (`SenasteResultatandring`) that a write must send
back unchanged (else `StaleVersion`), a second draft on a module is refused as a conflict, and an
attested result never changes."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.http import ApiError, StaleVersion
from models.domain import (
    Accommodation,
    GradingInformation,
    RegisterCourseRound,
    RegisterDraft,
    RegisteredStudent,
    RegisterEvents,
    RegisterModule,
    RegisterOccasion,
    StudyResult,
)
from models.ladok_codes import GRADE_CODES, is_grade_on_scale
from models.systems import LADOK
from simulators.term import LETTERS, Registration, Student, Term, anonymisation_code
from tests.fakes.base import FakeConnection, Outages

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Held:
    """A result the register holds on a study result's module: a draft, or attested."""

    study_result_uid: str
    module_uid: str
    draft: RegisterDraft
    attested: bool = False


class FakeLadok(FakeConnection):
    system = LADOK.name

    def __init__(self, outages: Outages) -> None:
        super().__init__(outages)
        self._random = random.Random(0)
        self.empty()

    def empty(self) -> None:
        self.prefix = "EXAM"
        self.occasions: dict[str, RegisterOccasion] = {}
        self.course_rounds: dict[str, RegisterCourseRound] = {}
        self.students: dict[str, Student] = {}
        self.registrations: dict[tuple[str, str], Registration] = {}  # by (occasion, student)
        self.results: dict[str, Held] = {}  # by result uid
        self.answers: dict[str, RegisterDraft] = {}  # a write's answer by its idempotency key

    # -- the Protocol ----------------------------------------------------------------------------

    def get_occasion(self, occasion_uid: str) -> RegisterOccasion:
        self.called()
        return self._occasion(occasion_uid)

    def get_course_round(self, course_round_uid: str) -> RegisterCourseRound:
        self.called()
        if course_round_uid not in self.course_rounds:
            raise _not_found("kurstillfälle", course_round_uid)
        return self.course_rounds[course_round_uid]

    def search_study_results(self, occasion_uid: str) -> list[StudyResult]:
        self.called()
        return [self._study_result(r) for r in self._rows(occasion_uid)]

    def registered_many(self, occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        self.called()
        return {uid: [self._registered(r) for r in self._rows(uid)] for uid in dict.fromkeys(occasion_uids)}

    def find_students(self, *, national_ids: Sequence[str] = (), uids: Sequence[str] = ()) -> dict[str, str]:
        self.called()
        found = {uid: uid for uid in uids if uid in self.students}
        for asked in national_ids:
            wanted = _digits(asked)
            match = [s.uid for s in self.students.values() if _same_person(_digits(s.national_id), wanted)]
            if match:
                found[asked] = match[0]
        return found

    # Ladok answers these three without a request, as its client does.

    def accommodations(self, occasion_uid: str) -> list[Accommodation]:
        """None: Ladok holds no accommodations (Sweden's come from the coordinator)."""
        return []

    def grading_information(self, occasion_uid: str) -> GradingInformation | None:
        return None

    def registration_events(self, after: str | None) -> RegisterEvents:
        return RegisterEvents(events=[], cursor=after)

    def create_draft(
        self,
        *,
        study_result_uid: str,
        module_uid: str,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
    ) -> RegisterDraft:
        self.called()
        key = f"create:{study_result_uid}:{module_uid}:{idempotency_key}"
        if key in self.answers:
            return self.answers[key]
        _check_grade(scale_id, grade_id, self._reportable_scale(study_result_uid, module_uid))
        held = self._held(study_result_uid, module_uid, attested=False)
        if held is not None:
            raise StaleVersion(
                self.system,
                409,
                f"a draft already exists on module {module_uid} (ResultatUID {held.draft.result_uid})",
            )
        draft = RegisterDraft(
            result_uid=str(uuid.uuid4()),
            grade_id=grade_id,
            grade_code=GRADE_CODES[grade_id],
            scale_id=scale_id,
            exam_date=exam_date,
            process_status=1,
            version=_next_token(None),
        )
        self.results[draft.result_uid] = Held(study_result_uid, module_uid, draft)
        self.answers[key] = draft
        return draft

    def update_draft(
        self,
        *,
        draft: RegisterDraft,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
    ) -> RegisterDraft:
        self.called()
        key = f"update:{draft.result_uid}:{idempotency_key}"
        if key in self.answers:
            return self.answers[key]
        held = self.results.get(draft.result_uid)
        if held is None:
            raise _not_found("resultat", draft.result_uid)
        if held.attested:
            raise self.refused(422, f"result {draft.result_uid} is attested and cannot change")
        _check_grade(scale_id, grade_id, held.draft.scale_id)
        if draft.version != held.draft.version:
            raise StaleVersion(
                self.system,
                409,
                f"SenasteResultatandring {draft.version} is stale: result {draft.result_uid} changed since it was read",
            )
        new = held.draft.model_copy(
            update={
                "grade_id": grade_id,
                "grade_code": GRADE_CODES[grade_id],
                "exam_date": exam_date,
                "version": _next_token(held.draft.version),
            }
        )
        self.results[draft.result_uid] = replace(held, draft=new)
        self.answers[key] = new
        return new

    # -- seeding and steering, as the stand-in's /_sim endpoints -----------------------------------

    def load_term(self, term: Term) -> None:
        """The term's course rounds, occasions (one day each), students and registrations, in place
        of all the register held."""
        self.empty()
        self.prefix = term.spec.prefix
        for cr in term.course_rounds:
            modules = tuple(
                RegisterModule(
                    uid=m.uid,
                    code=m.code,
                    name=m.name_sv,
                    credits=m.credits,
                    scale_id=m.scale_id,
                    reportable=m.reportable,
                )
                for m in cr.modules
            )
            self.course_rounds[cr.uid] = RegisterCourseRound(
                uid=cr.uid, code=cr.code, scale_id=cr.scale_id, modules=modules
            )
        for o in term.occasions:
            examined = dict.fromkeys(self.course_rounds[cr].modules[0].uid for cr in o.course_round_uids)
            self.occasions[o.uid] = RegisterOccasion(
                uid=o.uid,
                name=o.name,
                start_date=o.day,
                end_date=o.day,
                module_uids=tuple(examined),
                course_round_uids=o.course_round_uids,
            )
        self.students = {s.uid: s for s in term.students}
        self.registrations = {(r.occasion_uid, r.student_uid): r for r in term.registrations}

    def set_dates(self, occasion_uid: str, start_date: date, end_date: date) -> RegisterOccasion:
        if end_date < start_date:
            raise self.refused(422, "end_date is before start_date")
        held = self._occasion(occasion_uid)
        name = held.name.replace(held.start_date.isoformat(), start_date.isoformat())
        moved = held.model_copy(update={"name": name, "start_date": start_date, "end_date": end_date})
        self.occasions[occasion_uid] = moved
        return moved

    def register(
        self,
        occasion_uid: str,
        student_uid: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        course_round_uid: str | None = None,
    ) -> Registration:
        """Registers a student on the occasion (made when unknown, given names), as the stand-in
        does: their study result on the round is kept, the term's next code number given."""
        occasion = self._occasion(occasion_uid)
        if (occasion_uid, student_uid) in self.registrations:
            return self.registrations[(occasion_uid, student_uid)]
        student = self._student(student_uid, first_name, last_name)
        chosen = course_round_uid or occasion.course_round_uids[0]
        if chosen not in occasion.course_round_uids:
            raise self.refused(422, f"course_round_uid {chosen} is not a round of occasion {occasion_uid}")
        module = self.course_rounds[chosen].modules[0]
        known = [
            r.study_result_uid
            for r in self.registrations.values()
            if (r.student_uid, r.course_round_uid) == (student.uid, chosen)
        ]
        number = 1 + max(  # numbers run on across the term's occasions, as the stand-in gives them
            (_number(r) for r in self.registrations.values()), default=0
        )
        code = anonymisation_code(self.prefix, number, "".join(self._random.choices(LETTERS, k=3)))
        registration = Registration(
            occasion_uid=occasion_uid,
            study_result_uid=known[0] if known else str(uuid.uuid4()),
            student_uid=student.uid,
            course_round_uid=chosen,
            module_uid=module.uid,
            scale_id=module.scale_id,
            anonymisation_code=code,
        )
        self.registrations[(occasion_uid, student_uid)] = registration
        return registration

    def deregister(self, occasion_uid: str, student_uid: str) -> None:
        self._occasion(occasion_uid)
        self.registrations.pop((occasion_uid, student_uid), None)

    def attest(self, result_uid: str) -> RegisterDraft:
        """The examiner attests a draft: it becomes the attested result (replacing an earlier one)."""
        held = self.results.get(result_uid)
        if held is None or held.attested:
            raise self.refused(409 if held else 404, f"result {result_uid} is not a draft")
        earlier = self._held(held.study_result_uid, held.module_uid, attested=True)
        if earlier is not None:
            del self.results[earlier.draft.result_uid]
        attested = held.draft.model_copy(
            update={"process_status": 3, "version": _next_token(held.draft.version)}
        )
        self.results[result_uid] = replace(held, draft=attested, attested=True)
        return attested

    def held_on(self, occasion_uid: str) -> list[Held]:
        """Every result held on the occasion's study results and modules."""
        slots = {(r.study_result_uid, r.module_uid) for r in self._rows(occasion_uid)}
        return [h for h in self.results.values() if (h.study_result_uid, h.module_uid) in slots]

    # -- inside ----------------------------------------------------------------------------------

    def _occasion(self, uid: str) -> RegisterOccasion:
        if uid not in self.occasions:
            raise _not_found("aktivitetstillfälle", uid)
        return self.occasions[uid]

    def _rows(self, occasion_uid: str) -> list[Registration]:
        self._occasion(occasion_uid)
        rows = [r for (occasion, _), r in self.registrations.items() if occasion == occasion_uid]
        return sorted(rows, key=self._order)

    def _order(self, r: Registration) -> tuple[str, str, str, str]:
        s = self.students[r.student_uid]
        return (s.last_name, s.first_name, s.national_id, r.study_result_uid)

    def _registered(self, r: Registration) -> RegisteredStudent:
        s = self.students[r.student_uid]
        return RegisteredStudent(
            r.study_result_uid,
            s.uid,
            s.first_name,
            s.last_name,
            r.course_round_uid,
            r.module_uid,
            r.anonymisation_code,
        )

    def _study_result(self, r: Registration) -> StudyResult:
        draft = self._held(r.study_result_uid, r.module_uid, attested=False)
        attested = self._held(r.study_result_uid, r.module_uid, attested=True)
        return StudyResult(
            **self._registered(r)._asdict(),
            scale_id=r.scale_id,
            draft=draft.draft if draft else None,
            attested_grade_code=attested.draft.grade_code if attested else None,
        )

    def _held(self, study_result_uid: str, module_uid: str, *, attested: bool) -> Held | None:
        slot = (study_result_uid, module_uid, attested)
        return next(
            (h for h in self.results.values() if (h.study_result_uid, h.module_uid, h.attested) == slot), None
        )

    def _reportable_scale(self, study_result_uid: str, module_uid: str) -> int:
        """The scale of a module of the study result's course round (any of its modules)."""
        rounds = {
            r.course_round_uid for r in self.registrations.values() if r.study_result_uid == study_result_uid
        }
        modules = [m for cr in rounds for m in self.course_rounds[cr].modules if m.uid == module_uid]
        if not modules:
            raise _not_found("studieresultat on utbildningsinstans", f"{study_result_uid}/{module_uid}")
        if not modules[0].reportable:
            raise self.refused(
                422,
                f"module {module_uid} does not allow reporting results (ResultatrapporteringMojlig false)",
            )
        return modules[0].scale_id

    def _student(self, uid: str, first_name: str | None, last_name: str | None) -> Student:
        if uid not in self.students:
            if not (first_name and last_name):
                raise _not_found("student", uid)
            self.students[uid] = Student(
                uid, first_name, last_name, f"19990101-{uid[:4]}", f"{uid}@student.example.se"
            )
        return self.students[uid]


def _not_found(what: str, uid: str) -> ApiError:
    return ApiError(LADOK.name, 404, f"{what} {uid} does not exist")


def _check_grade(scale_id: int, grade_id: int, module_scale: int) -> None:
    if scale_id != module_scale:
        raise ApiError(
            LADOK.name, 422, f"BetygsskalaID {scale_id} is not the module's grade scale ({module_scale})"
        )
    if not is_grade_on_scale(grade_id, scale_id):
        raise ApiError(LADOK.name, 422, f"Betygsgrad {grade_id} is not a grade on scale {scale_id}")


def _next_token(previous: str | None) -> str:
    """A new lock token as the stand-in makes one: the time of the change in Stockholm to the
    millisecond, always later than `previous`."""
    now = datetime.now(STOCKHOLM).replace(tzinfo=None)
    if previous:
        now = max(now, datetime.fromisoformat(previous) + timedelta(milliseconds=1))
    return now.isoformat(timespec="milliseconds")


def _number(r: Registration) -> int:
    return int(r.anonymisation_code.split("-")[-2])


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _same_person(held: str, asked: str) -> bool:
    """A personnummer asked with 12 digits, or with 10 (the century left out)."""
    return held == asked or (len(asked) == 10 and held[2:] == asked)
