"""A seeded, realistic term of a Swedish university's register, generated in memory.

Courses (kursinstanser) have one to three rounds (kurstillfällen) that share the course's
modules (moment), as in Ladok, where a module's `UtbildningsinstansUID` belongs to the course
version, not to the round. Each exam occasion examines one exam module of one course (now and
then a joint exam with another course's module of the same credits) for one or all of its
rounds. Occasion sizes are log-normal, so a few exams have hundreds to thousands of candidates
and most have a few dozen. The same seed gives the same term, uid for uid.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.ladok_codes import SCALE_A_F, SCALE_PASS_FAIL

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
FIRST_NAMES = (
    "Alice Anna Astrid Ebba Elin Elsa Emma Freja Hanna Ida Julia Klara Linnea Maja Moa Nora Olivia "
    "Saga Sara Signe Stina Tove Vera Wilma Ali Anton Axel Elias Emil Erik Filip Gustav Hugo Isak "
    "Johan Karl Lars Leo Liam Lucas Noah Oliver Oskar Per Sven Viktor Ville"
).split()
LAST_NAMES = (
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson "
    "Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson "
    "Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson "
    "Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Fransson Åberg Öberg"
).split()
DEPARTMENTS = "TDA DAT DIT EDA EEN ESS FFR FKA KBT KFK LEU MVE MMA SSY TMA TME TMS TEK TIF TKK".split()
SUBJECTS = (
    ("Databaser", "Databases"),
    ("Algoritmer", "Algorithms"),
    ("Linjär algebra", "Linear algebra"),
    ("Mekanik", "Mechanics"),
    ("Termodynamik", "Thermodynamics"),
    ("Reglerteknik", "Control engineering"),
    ("Kemi", "Chemistry"),
    ("Elektronik", "Electronics"),
    ("Statistik", "Statistics"),
    ("Datorsystem", "Computer systems"),
    ("Hållfasthetslära", "Solid mechanics"),
    ("Signaler och system", "Signals and systems"),
)
SIDE_MODULES = (
    ("LAB1", "Laborationer", "Laboratory work", 1.5),
    ("INL1", "Inlämningsuppgifter", "Assignments", 1.5),
    ("PRO1", "Projekt", "Project", 3.0),
)
EQUIPMENT = ("", "", "Uppläsningsprogram", "Förstoringsskärm", "Ergonomisk stol")
SLOTS = ((time(8, 30), 240), (time(14, 0), 240), (time(8, 30), 300), (time(14, 0), 180))
FIRST_EXAM_DAY = date(2026, 10, 19)
EXAM_WEEKS = 14


class TermSpec(BaseModel):
    """How big a term to generate; the same spec always gives the same term."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(1, description="random seed: same seed, same term")
    course_rounds: int = Field(40, ge=1, le=20_000, description="course rounds (kurstillfällen)")
    occasions: int = Field(20, ge=1, le=20_000, description="exam occasions (aktivitetstillfällen)")
    students: int = Field(600, ge=1, le=1_000_000, description="students in the pool")
    registrations: int | None = Field(
        None, ge=0, description="registrations spread over the occasions; default one per student"
    )
    extra_time_share: float = Field(0.08, ge=0, le=1, description="share of registrations with extra time")
    prefix: str = Field("EXAM", pattern=r"^[A-Z]{2,10}$", description="anonymisation code prefix")

    @model_validator(mode="after")
    def _fits(self) -> TermSpec:
        if self.total_registrations > self.students * self.occasions:
            raise ValueError("registrations exceed students x occasions (a student sits an occasion once)")
        return self

    @property
    def total_registrations(self) -> int:
        return self.students if self.registrations is None else self.registrations


@dataclass(frozen=True, slots=True)
class Module:
    uid: str
    code: str
    name_sv: str
    name_en: str
    credits: float
    scale_id: int
    reportable: bool


@dataclass(frozen=True, slots=True)
class CourseRound:
    uid: str
    code: str
    round_code: str
    instance_uid: str
    version: int
    name_sv: str
    name_en: str
    scale_id: int
    modules: tuple[Module, ...]


@dataclass(frozen=True, slots=True)
class Occasion:
    """An occasion: the register holds its day (`Datumperiod`); its slot (`start`, `minutes`) is
    the exam office's timetable, which the register does not hold."""

    uid: str
    name: str
    day: date
    start: time
    minutes: int
    module_uids: tuple[str, ...]
    course_round_uids: tuple[str, ...]

    @property
    def duration_minutes(self) -> int:
        return self.minutes

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start, STOCKHOLM).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Student:
    uid: str
    first_name: str
    last_name: str
    national_id: str
    email: str


@dataclass(frozen=True, slots=True)
class Registration:
    occasion_uid: str
    study_result_uid: str
    student_uid: str
    course_round_uid: str
    module_uid: str
    scale_id: int
    anonymisation_code: str


@dataclass(frozen=True, slots=True)
class Accommodation:
    """A support decision (extra time, own room, equipment) for a student sitting an occasion:
    the support office's, handed to the exam office; the register holds none."""

    occasion_uid: str
    student_uid: str
    extra_time_minutes: int
    separate_room: bool
    equipment: str


@dataclass(frozen=True)
class Term:
    spec: TermSpec
    course_rounds: tuple[CourseRound, ...]
    occasions: tuple[Occasion, ...]
    students: tuple[Student, ...]
    registrations: tuple[Registration, ...]
    accommodations: tuple[Accommodation, ...]


def anonymisation_code(prefix: str, number: int, letters: str) -> str:
    """`PREFIX-0001-ABC`: the sorted number, zero-padded, then three letters."""
    return f"{prefix}-{number:04d}-{letters}"


def generate_term(spec: TermSpec) -> Term:
    rng = random.Random(spec.seed)
    courses = _courses(rng, spec.course_rounds)
    occasions = _occasions(rng, courses, spec.occasions)
    students = _students(rng, spec.students)
    registrations = _registrations(rng, spec, courses, occasions, students)
    return Term(
        spec=spec,
        course_rounds=tuple(r for rounds in courses for r in rounds),
        occasions=tuple(o for o, _ in occasions),
        students=tuple(students),
        registrations=tuple(registrations),
        accommodations=tuple(_accommodations(rng, spec, occasions, registrations)),
    )


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _courses(rng: random.Random, total_rounds: int) -> list[list[CourseRound]]:
    """Course instances, each a list of 1-3 rounds sharing its modules."""
    courses: list[list[CourseRound]] = []
    codes: set[str] = set()
    while total_rounds > 0:
        count = min(rng.choice((1, 1, 1, 2, 2, 3)), total_rounds)
        total_rounds -= count
        code = _course_code(rng, codes)
        scale = SCALE_A_F if rng.random() < 0.85 else SCALE_PASS_FAIL
        subject_sv, subject_en = rng.choice(SUBJECTS)
        modules = _modules(rng, scale)
        instance, version = _uid(rng), rng.randint(1, 3)
        courses.append(
            [
                CourseRound(
                    uid=_uid(rng),
                    code=code,
                    round_code=f"{rng.randint(10000, 99999)}",
                    instance_uid=instance,
                    version=version,
                    name_sv=subject_sv,
                    name_en=subject_en,
                    scale_id=scale,
                    modules=modules,
                )
                for _ in range(count)
            ]
        )
    return courses


def _course_code(rng: random.Random, taken: set[str]) -> str:
    digits = 3 if len(taken) < len(DEPARTMENTS) * 600 else 4
    while True:
        code = f"{rng.choice(DEPARTMENTS)}{rng.randint(10 ** (digits - 1), 10**digits - 1)}"
        if code not in taken:
            taken.add(code)
            return code


def _modules(rng: random.Random, scale: int) -> tuple[Module, ...]:
    exam = Module(
        uid=_uid(rng),
        code="TEN1",
        name_sv="Tentamen",
        name_en="Examination",
        credits=rng.choice((7.5, 7.5, 6.0, 4.5, 4.5, 3.0)),
        scale_id=scale,
        reportable=True,
    )
    sides = rng.sample(SIDE_MODULES, rng.choice((0, 1, 1, 2)))
    return (exam,) + tuple(
        Module(
            uid=_uid(rng),
            code=code,
            name_sv=sv,
            name_en=en,
            credits=credits,
            scale_id=SCALE_PASS_FAIL,
            reportable=rng.random() > 0.05,
        )
        for code, sv, en, credits in sides
    )


def _exam_days() -> list[date]:
    days = (FIRST_EXAM_DAY + timedelta(days=d) for d in range(EXAM_WEEKS * 7))
    return [d for d in days if d.weekday() < 5]


def _occasions(
    rng: random.Random, courses: list[list[CourseRound]], count: int
) -> list[tuple[Occasion, list[CourseRound]]]:
    """Occasions with the rounds whose students sit them; all modules on one share credits."""
    by_credits: dict[float, list[list[CourseRound]]] = {}
    for rounds in courses:
        by_credits.setdefault(rounds[0].modules[0].credits, []).append(rounds)
    order = list(range(len(courses)))
    rng.shuffle(order)
    days, used = _exam_days(), set[tuple[str, date]]()
    result = []
    for i in range(count):
        rounds = courses[order[i % len(order)]]
        exam = rounds[0].modules[0]
        chosen = list(rounds) if rng.random() < 0.25 else [rng.choice(rounds)]
        partners = by_credits[exam.credits]
        if len(partners) > 1 and rng.random() < 0.05:
            partner = rng.choice(partners)
            if partner is not rounds:
                chosen.append(partner[0])
        day = _free_day(rng, days, used, rounds[0].code)
        start, minutes = rng.choice(SLOTS)
        occasion = Occasion(
            uid=_uid(rng),
            name=f"{rounds[0].code} {exam.code} {day.isoformat()}",
            day=day,
            start=start,
            minutes=minutes,
            module_uids=tuple(dict.fromkeys(r.modules[0].uid for r in chosen)),
            course_round_uids=tuple(r.uid for r in chosen),
        )
        result.append((occasion, chosen))
    return result


def _free_day(rng: random.Random, days: Sequence[date], used: set[tuple[str, date]], code: str) -> date:
    """A day this course has no exam yet, when one is found in a few tries."""
    day = rng.choice(days)
    for _ in range(5):
        if (code, day) not in used:
            break
        day = rng.choice(days)
    used.add((code, day))
    return day


def _students(rng: random.Random, count: int) -> list[Student]:
    students = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        students.append(
            Student(
                uid=_uid(rng),
                first_name=first,
                last_name=last,
                national_id=_personnummer(rng),
                email=f"{_ascii(first)}.{_ascii(last)}.{n}@student.example.se",
            )
        )
    return students


def _ascii(name: str) -> str:
    return name.lower().translate(str.maketrans("åäöé", "aaoe"))


def _personnummer(rng: random.Random) -> str:
    """`YYYYMMDD-NNNC` with a valid Luhn check digit C."""
    born = date(1975, 1, 1) + timedelta(days=rng.randrange(11_500))
    serial = f"{rng.randrange(1000):03d}"
    digits = born.strftime("%y%m%d") + serial
    total = 0
    for i, ch in enumerate(digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return f"{born.strftime('%Y%m%d')}-{serial}{(10 - total % 10) % 10}"


def _sizes(rng: random.Random, occasions: int, total: int, cap: int) -> list[int]:
    """Log-normal occasion sizes summing to `total`, none above `cap`, each at least one if possible."""
    weights = [rng.lognormvariate(0, 1.5) for _ in range(occasions)]
    scale = total / sum(weights)
    floor = 1 if total >= occasions else 0
    sizes = [min(cap, max(floor, int(w * scale))) for w in weights]
    missing = total - sum(sizes)
    step = 1 if missing > 0 else -1
    while missing:
        i = rng.randrange(occasions)
        if floor <= sizes[i] + step <= cap:
            sizes[i] += step
            missing -= step
    return sizes


def _registrations(
    rng: random.Random,
    spec: TermSpec,
    courses: list[list[CourseRound]],
    occasions: list[tuple[Occasion, list[CourseRound]]],
    students: list[Student],
) -> list[Registration]:
    module_of = {r.uid: r.modules[0] for rounds in courses for r in rounds}
    study_results: dict[tuple[int, str], str] = {}
    registrations = []
    sizes = _sizes(rng, len(occasions), spec.total_registrations, len(students))
    given = 0  # code numbers run on across the term's occasions: a code is never reused in a term
    for (occasion, rounds), size in zip(occasions, sizes, strict=True):
        numbers = list(range(given + 1, given + size + 1))
        given += size
        rng.shuffle(numbers)
        for who, number in zip(rng.sample(range(len(students)), size), numbers, strict=True):
            course_round = rng.choice(rounds)
            key = (who, course_round.uid)
            if key not in study_results:
                study_results[key] = _uid(rng)
            module = module_of[course_round.uid]
            letters = "".join(rng.choices(LETTERS, k=3))
            registrations.append(
                Registration(
                    occasion_uid=occasion.uid,
                    study_result_uid=study_results[key],
                    student_uid=students[who].uid,
                    course_round_uid=course_round.uid,
                    module_uid=module.uid,
                    scale_id=module.scale_id,
                    anonymisation_code=anonymisation_code(spec.prefix, number, letters),
                )
            )
    return registrations


def _accommodations(
    rng: random.Random,
    spec: TermSpec,
    occasions: list[tuple[Occasion, list[CourseRound]]],
    registrations: list[Registration],
) -> list[Accommodation]:
    """Extra time of 25 % of the exam's length for about `extra_time_share` of registrations."""
    minutes = {o.uid: o.duration_minutes for o, _ in occasions}
    granted = []
    for reg in registrations:
        if rng.random() < spec.extra_time_share:
            granted.append(
                Accommodation(
                    occasion_uid=reg.occasion_uid,
                    student_uid=reg.student_uid,
                    extra_time_minutes=round(minutes[reg.occasion_uid] * 0.25),
                    separate_room=rng.random() < 0.3,
                    equipment=rng.choice(EQUIPMENT),
                )
            )
    return granted
