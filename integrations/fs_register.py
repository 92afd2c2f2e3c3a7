"""FS as the register of Norwegian exams, over FS's GraphQL API (the fields of its published schema;
see tests/contracts/fs/README.md for each one's source).

Meets `integrations.protocols.StudentRegister` (and, through `FsClient`, `RequestRegister`). An
assessment unit (`Vurderingsenhet`) is the exam occasion; its id is the occasion uid. Its course
(`Emne`) is both the occasion's course round and its one examined module. A registration
(`Vurderingsmelding`) is a study result: the student is named by `studentnummer`, and the
candidate number FS gave (`kandidatinformasjon.kandidatnummer`) is the anonymisation code, which
examflow never replaces, so a registration without one is refused. Accommodations are the granted
applications (`Eksamenstilpasningssoknad`) on the unit's registrations. FS takes no grades over its
API: the platform's own transfer to FS does (`tasks/fs_transfer.py`), so the draft writes refuse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from integrations.fs import SYSTEM, FsClient
from integrations.http import ApiError
from integrations.payload import MissingField, required
from models import ladok_codes
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

# Norway grades exams A-F (or pass/fail); FS's schema carries the grade rule on results and course
# collections, not on the unit: modelled as A-F, on the scale id examflow keys its scales by.
SCALE_ID = ladok_codes.SCALE_A_F

EMNE_QUERY = """
query Emne($id: ID!) {
  node(id: $id) { __typename ... on Emne { id kode versjonskode navnAlleSprak { nb } vekting { emnevekting { verdi } } } }
}
"""
UNIT_QUERY = """
query Vurderingsenhet($id: ID!) {
  node(id: $id) {
    __typename
    ... on Vurderingsenhet {
      id
      emne { id kode versjonskode navnAlleSprak { nb } vekting { emnevekting { verdi } } }
      vurderingsvarighet { eksamensdatoer { startDato sluttDato } innleveringsfrist { dato klokkeslett } }
    }
  }
}
"""
MELDINGER_QUERY = """
query Vurderingsmeldinger($ids: [ID!]) {
  nodes(ids: $ids) {
    __typename
    ... on Vurderingsenhet {
      id
      vurderingsmeldinger {
        id
        emne { id }
        studentVedLarested { studentnummer navn { fornavn etternavn } }
        kandidatinformasjon { kandidatnummer }
      }
    }
  }
}
"""
TILPASNING_QUERY = """
query Eksamenstilpasninger($ids: [ID!]) {
  nodes(ids: $ids) {
    __typename
    ... on Vurderingsenhet {
      id
      vurderingsmeldinger {
        id
        studentVedLarested {
          studentnummer
          eksamenstilpasningssoknader {
            id innvilget ekstratid
            vurderingsmelding { id }
            eksamensrom { kode }
            utstyr { typeUtstyr { navn { nob } } }
          }
        }
      }
    }
  }
}
"""
STUDENTS_QUERY = """
query Studenter($eier: String!, $numre: [String!]!, $fnr: [String!]!) {
  etterNummer: studenterGittStudentnumre(eierOrganisasjonskode: $eier, studentnumre: $numre) { studentnummer }
  etterFnr: studenterGittFodselsnumre(eierOrganisasjonskode: $eier, fodselsnumre: $fnr) {
    studentnummer personProfil { fodselsnummer }
  }
}
"""
SENSUR_QUERY = """
query Sensurinformasjon($id: ID!) {
  node(id: $id) {
    __typename
    ... on Vurderingsenhet {
      id
      sensurinformasjon {
        sensurfrist
        kunngjoringsdato
        kommisjoner {
          kommisjonsnummer
          kommisjonsnavn
          sensoroppdrag { fagperson { feideBruker navn { fornavn etternavn } } sensorrolle { rollekode } }
        }
      }
    }
  }
}
"""
EXTERNAL_ROLES = {"EKSTERN"}  # modelled: FS's role codes are not published
EVENTS_QUERY = """
query Studenthendelser($eier: String!, $first: Int!, $after: String) {
  studenthendelser(
    filter: {eierOrganisasjonskode: $eier, hendelsestype: [VURDERINGSMELDT, VURDERINGSMELDING_SLETTET]}
    first: $first
    after: $after
  ) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        __typename id hendelsestype tidspunkt
        ... on StudentVurderingsmeldt { vurderingsmelding { id vurderingsenhet { id } } }
        ... on StudentVurderingsmeldingSlettet { vurderingsmeldingId }
      }
    }
  }
}
"""
EVENT_KINDS = {"VURDERINGSMELDT": "registered", "VURDERINGSMELDING_SLETTET": "withdrawn"}
DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


class GradesNotWritable(ApiError):
    """FS has no public write of grades; Norway's results reach FS through the platform."""


class FsRegister(FsClient):
    def __init__(self, base_url: str, *, user: str, password: str, owner: str, **options: Any) -> None:
        super().__init__(base_url, user=user, password=password, **options)
        self.owner = owner

    def get_occasion(self, occasion_uid: str) -> RegisterOccasion:
        return unit_occasion(self._unit(occasion_uid))

    def get_course_round(self, course_round_uid: str) -> RegisterCourseRound:
        """The course (`Emne`) by its id: the one round, and the one module, of its units."""
        data = self.query(EMNE_QUERY, {"id": course_round_uid})
        node = data.get("node")
        if not isinstance(node, dict) or node.get("__typename") != "Emne":
            raise ApiError(SYSTEM, None, f"UgyldigId: FS knows no emne {course_round_uid}")
        return course_round(node)

    def search_study_results(self, occasion_uid: str) -> list[StudyResult]:
        return [
            StudyResult(**row._asdict(), scale_id=SCALE_ID)
            for row in self.registered_many([occasion_uid])[occasion_uid]
        ]

    def registered_many(self, occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        units = self._nodes(MELDINGER_QUERY, occasion_uids)
        return {uid: [registration(uid, m) for m in _meldinger(units[uid], uid)] for uid in occasion_uids}

    def accommodations(self, occasion_uid: str) -> list[Accommodation]:
        unit = self._nodes(TILPASNING_QUERY, [occasion_uid])[occasion_uid]
        return granted_accommodations(occasion_uid, _meldinger(unit, occasion_uid))

    def find_students(self, *, national_ids: Sequence[str] = (), uids: Sequence[str] = ()) -> dict[str, str]:
        if not national_ids and not uids:
            return {}
        variables = {"eier": self.owner, "numre": list(uids), "fnr": list(national_ids)}
        data = self.query(STUDENTS_QUERY, variables)
        found = {s["studentnummer"]: s["studentnummer"] for s in data.get("etterNummer") or [] if s}
        for student in data.get("etterFnr") or []:
            national_id = ((student or {}).get("personProfil") or {}).get("fodselsnummer")
            if national_id:
                found[national_id] = student["studentnummer"]
        return found

    def grading_information(self, occasion_uid: str) -> GradingInformation | None:
        unit = _require_unit(self.query(SENSUR_QUERY, {"id": occasion_uid}).get("node"), occasion_uid)
        sensur = unit.get("sensurinformasjon")
        return None if sensur is None else grading_information(occasion_uid, sensur)

    def registration_events(self, after: str | None) -> RegisterEvents:
        events: list[RegisterEvent] = []
        while True:
            variables = {"eier": self.owner, "first": self.page_size, "after": after}
            page = required(
                SYSTEM, "studenthendelser", self.query(EVENTS_QUERY, variables), "studenthendelser"
            )
            nodes = [required(SYSTEM, "studenthendelser edge", e, "node") for e in page["edges"] or []]
            events += [event for node in nodes if (event := registration_event(node)) is not None]
            info = required(SYSTEM, "studenthendelser", page, "pageInfo")
            after = info.get("endCursor") or after
            if info.get("hasNextPage") is not True:
                return RegisterEvents(events=events, cursor=after)

    def create_draft(self, **_: Any) -> RegisterDraft:
        raise no_grades()

    def update_draft(self, **_: Any) -> RegisterDraft:
        raise no_grades()

    def _unit(self, unit_id: str) -> dict[str, Any]:
        node = self.query(UNIT_QUERY, {"id": unit_id}).get("node")
        return _require_unit(node, unit_id)

    def _nodes(self, query: str, unit_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Each unit by id; one that FS does not know, or that is no unit, is refused by name."""
        nodes = self.query(query, {"ids": list(unit_ids)}).get("nodes") or []
        units = {str(n.get("id")): n for n in nodes if isinstance(n, dict)}
        return {unit_id: _require_unit(units.get(unit_id), unit_id) for unit_id in unit_ids}


def no_grades() -> GradesNotWritable:
    return GradesNotWritable(
        SYSTEM,
        None,
        "FS takes no grades over its API: a Norwegian exam's results reach FS through the exam "
        "platform's transfer, or a new grade through a protocol file the exam office imports",
    )


def _require_unit(node: Any, unit_id: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise ApiError(SYSTEM, None, f"UgyldigId: FS knows no vurderingsenhet {unit_id}")
    if node.get("__typename") != "Vurderingsenhet":
        raise ApiError(
            SYSTEM, None, f"UgyldigId: {unit_id} is a {node.get('__typename')}, not a vurderingsenhet"
        )
    return node


def _meldinger(unit: dict[str, Any], unit_id: str) -> list[dict[str, Any]]:
    return list(required(SYSTEM, f"vurderingsenhet {unit_id}", unit, "vurderingsmeldinger"))


def unit_occasion(unit: dict[str, Any]) -> RegisterOccasion:
    """A unit as an occasion: its exam dates, its course as the one round and module, its name
    the course code, version and name. A unit without exam dates cannot be planned."""
    record = f"vurderingsenhet {unit.get('id')}"
    emne = required(SYSTEM, record, unit, "emne")
    dates = required(SYSTEM, record, required(SYSTEM, record, unit, "vurderingsvarighet"), "eksamensdatoer")
    start = _date(record, dates, "startDato")
    end = _date(record, dates, "sluttDato") if dates.get("sluttDato") else start
    course = course_round(emne)
    return RegisterOccasion(
        uid=str(required(SYSTEM, record, unit, "id")),
        name=f"{course.code} {course.modules[0].name}".strip(),
        start_date=start,
        end_date=end,
        module_uids=(course.uid,),
        course_round_uids=(course.uid,),
        submission_deadline=submission_deadline(record, unit["vurderingsvarighet"]),
    )


def submission_deadline(record: str, varighet: dict[str, Any]) -> datetime | None:
    """`innleveringsfrist` (a date and, where FS has one, a time of day; 23:59 when it has none),
    as a naive Norwegian wall-clock time."""
    frist = varighet.get("innleveringsfrist")
    if not frist or not frist.get("dato"):
        return None
    day = _date(f"{record} innleveringsfrist", frist, "dato")
    clock = frist.get("klokkeslett")
    try:
        at = time.fromisoformat(clock) if clock else time(23, 59)
    except ValueError:
        raise MissingField(
            SYSTEM, f"{record} innleveringsfrist", "klokkeslett", f"is not a time: {clock}"
        ) from None
    return datetime.combine(day, at)


def course_round(emne: dict[str, Any]) -> RegisterCourseRound:
    record = f"emne {emne.get('id')}"
    uid, code = str(required(SYSTEM, record, emne, "id")), str(required(SYSTEM, record, emne, "kode"))
    name = ((emne.get("navnAlleSprak") or {}).get("nb")) or code
    weight = ((emne.get("vekting") or {}).get("emnevekting") or {}).get("verdi")
    module = RegisterModule(
        uid=uid,
        code=code,
        name=name,
        credits=float(weight) if weight is not None else 0.0,
        scale_id=SCALE_ID,
        reportable=True,
    )
    return RegisterCourseRound(uid=uid, code=code, scale_id=SCALE_ID, modules=(module,))


def registration(unit_id: str, melding: dict[str, Any]) -> RegisteredStudent:
    record = f"vurderingsmelding {melding.get('id') or '?'} on vurderingsenhet {unit_id}"
    student = required(SYSTEM, record, melding, "studentVedLarested")
    navn = student.get("navn") or {}
    numbers = [k.get("kandidatnummer") for k in melding.get("kandidatinformasjon") or [] if k]
    numbers = [n for n in numbers if n]
    if not numbers:
        raise MissingField(
            SYSTEM,
            record,
            "kandidatinformasjon.kandidatnummer",
            "is missing: FS numbers the candidates, examflow does not",
        )
    course = str(required(SYSTEM, record, required(SYSTEM, record, melding, "emne"), "id"))
    return RegisteredStudent(
        study_result_uid=str(required(SYSTEM, record, melding, "id")),
        student_uid=str(required(SYSTEM, record, student, "studentnummer")),
        first_name=navn.get("fornavn") or "",
        last_name=navn.get("etternavn") or "",
        course_round_uid=course,
        module_uid=course,
        anonymisation_code=str(numbers[0]),
    )


def granted_accommodations(unit_id: str, meldinger: list[dict[str, Any]]) -> list[Accommodation]:
    """The granted applications made for the unit's own registrations, one per student."""
    ours = {m.get("id") for m in meldinger}
    found: dict[str, Accommodation] = {}
    for melding in meldinger:
        student = melding.get("studentVedLarested") or {}
        for soknad in student.get("eksamenstilpasningssoknader") or []:
            if (
                soknad.get("innvilget") is not True
                or (soknad.get("vurderingsmelding") or {}).get("id") not in ours
            ):
                continue
            record = f"eksamenstilpasningssoknad {soknad.get('id')} on vurderingsenhet {unit_id}"
            uid = str(required(SYSTEM, record, student, "studentnummer"))
            found[uid] = Accommodation(
                student_uid=uid,
                extra_time_minutes=duration_minutes(record, soknad.get("ekstratid")),
                separate_room=bool(soknad.get("eksamensrom")),
                equipment=", ".join(_equipment(soknad)),
            )
    return list(found.values())


def _equipment(soknad: dict[str, Any]) -> list[str]:
    names = [((u.get("typeUtstyr") or {}).get("navn") or {}).get("nob") for u in soknad.get("utstyr") or []]
    return [n for n in names if n]


def grading_information(unit_id: str, sensur: dict[str, Any]) -> GradingInformation:
    record = f"sensurinformasjon of vurderingsenhet {unit_id}"
    commissions = required(SYSTEM, record, sensur, "kommisjoner")
    return GradingInformation(
        grading_deadline=_datetime(record, sensur, "sensurfrist"),
        announced_at=_datetime(record, sensur, "kunngjoringsdato"),
        commissions=tuple(_commission(record, k) for k in commissions),
    )


def _commission(record: str, kommisjon: dict[str, Any]) -> Commission:
    number = str(required(SYSTEM, record + " kommisjon", kommisjon, "kommisjonsnummer"))
    where = f"{record} kommisjon {number}"
    graders = []
    for oppdrag in required(SYSTEM, where, kommisjon, "sensoroppdrag"):
        person = oppdrag.get("fagperson") or {}
        navn = person.get("navn") or {}
        role = required(SYSTEM, where, required(SYSTEM, where, oppdrag, "sensorrolle"), "rollekode")
        graders.append(
            CommissionGrader(
                user=person.get("feideBruker"),
                name=" ".join(p for p in (navn.get("fornavn"), navn.get("etternavn")) if p),
                external=role in EXTERNAL_ROLES,
            )
        )
    return Commission(number=number, name=str(kommisjon.get("kommisjonsnavn") or ""), graders=tuple(graders))


def _datetime(record: str, data: dict[str, Any], field: str) -> datetime | None:
    value = data.get(field)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, field, f"is not a time: {value}") from None


def registration_event(node: dict[str, Any]) -> RegisterEvent | None:
    """A `StudentVurderingsmeldt` or `StudentVurderingsmeldingSlettet` event; None for a registration
    FS no longer holds (its `vurderingsmelding` is null: the withdrawal has its own event)."""
    record = f"studenthendelse {node.get('id')}"
    kind = EVENT_KINDS.get(required(SYSTEM, record, node, "hendelsestype"))
    if kind is None:
        raise MissingField(SYSTEM, record, "hendelsestype", f"is not one asked for: {node['hendelsestype']}")
    at = required(SYSTEM, record, node, "tidspunkt")
    try:
        when = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, "tidspunkt", f"is not a time: {at}") from None
    if kind == "withdrawn":
        return RegisterEvent(
            kind=kind, registration_id=str(required(SYSTEM, record, node, "vurderingsmeldingId")), at=when
        )
    melding = node.get("vurderingsmelding")
    if melding is None:
        return None
    unit = required(SYSTEM, record, melding, "vurderingsenhet")
    return RegisterEvent(
        kind=kind,
        registration_id=str(required(SYSTEM, record, melding, "id")),
        occasion_uid=str(required(SYSTEM, record, unit, "id")),
        at=when,
    )


def duration_minutes(record: str, value: Any) -> int:
    """An ISO 8601 duration (`PT1H30M`) in whole minutes; none is no extra time."""
    if value is None:
        return 0
    match = DURATION.match(str(value))
    if not match or not any(match.groups()):
        raise MissingField(SYSTEM, record, "ekstratid", f"is not a duration: {value}")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return hours * 60 + minutes + seconds // 60


def _date(record: str, data: dict[str, Any], field: str) -> date:
    value = required(SYSTEM, record, data, field)
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MissingField(SYSTEM, record, field, f"is not a date: {value}") from None
