"""The student register client: Ladok's integration API over one pooled httpx client.

Meets `integrations.protocols.StudentRegister`. An occasion is read with its dates
(`Datumperiod`) only: Ladok gives no clock times, and no accommodations. Students are looked up in
the `studentinformation` service by uid or personnummer. Searches page with `OrderBy` (paging is only
stable with it) and the largest page Ladok allows; `registered_many` runs many occasions' searches
concurrently over the same connection pool.

Results are read as Ladok's published types have them: a study result's drafts
(`Arbetsunderlag`) and attested results (`SenastAttesteradeResultat`) sit in
`ResultatPaUtbildningar`, which also holds results on other modules; each is matched to the row's
module by its own `UtbildningsinstansUID`. A draft's lock token (`SenasteResultatandring`, a
timestamp-like string) is kept as received and sent back as received. A 409 on a write is
`StaleVersion` (the draft changed, or one was made, since it was read: read again); other refusals
are `ApiError` carrying Ladok's `Meddelande`. A required field missing from an answer is an
`ApiError` naming the record and the field.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import orjson

from integrations.http import ApiClient, ApiError, RateLimit, RetryPolicy, StaleVersion
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
from models.ladok_codes import GRADE_CODES, MEDIA_RESULTAT

PAGE_LIMIT = 400
ORDER_BY = ("EFTERNAMN_ASC", "FORNAMN_ASC", "PERSONNUMMER_ASC")
ALL_STATES = ("OBEHANDLADE", "UTKAST", "KLARMARKERADE", "ATTESTERADE")
SYSTEM = "ladok"
MEDIA_STUDENT = "application/vnd.ladok-studentinformation+json"


class LadokClient(ApiClient):
    """`ssl_context` carries the client certificate Ladok's integration API authenticates by
    (`integrations.tls.client_context`)."""

    system = SYSTEM

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        concurrency: int = 8,
        rate_limit: RateLimit | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(
            base_url,
            timeout=timeout,
            retry=retry,
            max_connections=max_connections,
            rate_limit=rate_limit,
            ssl_context=ssl_context,
        )
        self.headers["Accept"] = MEDIA_RESULTAT
        self.concurrency = max(1, concurrency)

    def _get(self, path: str) -> Any:
        return orjson.loads(self.request("GET", path).content)

    def _write(self, method: str, path: str, body: dict[str, Any], key: str) -> Any:
        headers = {"Content-Type": MEDIA_RESULTAT}
        return orjson.loads(
            self.request(method, path, json=body, headers=headers, idempotency_key=key).content
        )

    def get_occasion(self, occasion_uid: str) -> RegisterOccasion:
        """The occasion's dates (`Datumperiod`); Ladok gives no clock times (the plan does)."""
        data = self._get(f"resultat/aktivitetstillfalle/{occasion_uid}")
        try:
            period = data["Datumperiod"]
            start = date.fromisoformat(str(period["Startdatum"])[:10])
            end = date.fromisoformat(str(period.get("Slutdatum") or period["Startdatum"])[:10])
            modules = tuple(dict.fromkeys(a["Utbildningsinstans"]["Uid"] for a in data["Aktiviteter"]))
            name = data["Benamning"].get("sv") or data["Benamning"].get("en", "")
            uid = data["Uid"]
        except KeyError as exc:
            raise ApiError(self.system, 200, f"aktivitetstillfälle {occasion_uid} lacks {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise ApiError(self.system, 200, f"aktivitetstillfälle {occasion_uid}: {exc}") from exc
        return RegisterOccasion(
            uid=uid,
            name=name,
            start_date=start,
            end_date=end,
            module_uids=modules,
            course_round_uids=tuple(self._course_round_uids(occasion_uid)),
        )

    def find_students(self, *, national_ids: Sequence[str] = (), uids: Sequence[str] = ()) -> dict[str, str]:
        """The register's student uid for each personnummer (12 digits) or student uid it knows,
        keyed by what was asked; those it does not know (404) are left out. Concurrent lookups
        in Ladok's studentinformation service."""
        paths = {pnr: f"studentinformation/student/personnummer/{pnr}" for pnr in national_ids}
        paths |= {uid: f"studentinformation/student/{uid}" for uid in uids}
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="ladok") as pool:
            found = dict(zip(paths, pool.map(self._student_uid, paths.values()), strict=True))
        return {asked: uid for asked, uid in found.items() if uid is not None}

    def _student_uid(self, path: str) -> str | None:
        """A national id in the path is never echoed: an error names the service's path only."""
        shown = path.rsplit("/", 1)[0] if "/personnummer/" in path else path
        try:
            response = self.request("GET", path, headers={"Accept": MEDIA_STUDENT})
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise type(exc)(self.system, exc.status, f"looking up a student at {shown} failed") from None
        data = orjson.loads(response.content)
        if not isinstance(data, dict) or not data.get("Uid"):
            raise ApiError(self.system, 200, f"the student found at {shown} lacks 'Uid'")
        return str(data["Uid"])

    def _course_round_uids(self, occasion_uid: str) -> list[str]:
        data = self._get(f"resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{occasion_uid}")
        return [r["Uid"] for r in data["Utbildningstillfalle"]]

    def get_course_round(self, course_round_uid: str) -> RegisterCourseRound:
        data = self._get(f"resultat/kurstillfalle/{course_round_uid}/moment")
        return RegisterCourseRound(
            uid=data.get("Uid", course_round_uid),
            code=data.get("Utbildningskod", ""),
            scale_id=_scale(data["Betygsskala"]),
            modules=tuple(
                RegisterModule(
                    uid=m["UtbildningsinstansUID"],
                    code=m["Utbildningskod"],
                    name=m["Benamning"].get("sv") or m["Benamning"].get("en", ""),
                    credits=float(m["Omfattning"]),
                    scale_id=int(m["BetygsskalaID"]),
                    reportable=bool(m["ResultatrapporteringMojlig"]),
                )
                for m in data["IngaendeMoment"]
            ),
        )

    def search_study_results(self, occasion_uid: str) -> list[StudyResult]:
        return [study_result(row) for row in self._search(occasion_uid)]

    def registered_many(self, occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        unique = list(dict.fromkeys(occasion_uids))
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="ladok") as pool:
            return dict(zip(unique, pool.map(self._registered, unique), strict=True))

    def _registered(self, occasion_uid: str) -> list[RegisteredStudent]:
        """The rows are not validated models, so what the sync keys on is checked here."""
        try:
            rows = [_registered_student(row) for row in self._search(occasion_uid)]
        except (KeyError, TypeError) as exc:
            raise ApiError(self.system, 200, f"a study result on {occasion_uid} lacks {exc}") from exc
        for r in rows:
            if not (r.study_result_uid and r.student_uid and r.module_uid):
                raise ApiError(self.system, 200, f"a study result on {occasion_uid} lacks an id: {r}")
        return rows

    def _search(self, occasion_uid: str) -> list[dict[str, Any]]:
        """Every row of the occasion's `sok`, page by page in a stable order."""
        rounds = self._course_round_uids(occasion_uid)
        path = f"resultat/studieresultat/rapportera/aktivitetstillfalle/{occasion_uid}/sok"
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            body = {
                "Filtrering": list(ALL_STATES),
                "KurstillfallenUID": rounds,
                "OrderBy": list(ORDER_BY),
                "Page": page,
                "Limit": PAGE_LIMIT,
            }
            response = self.request("PUT", path, json=body, headers={"Content-Type": MEDIA_RESULTAT})
            data = orjson.loads(response.content)
            found = data["Resultat"]
            rows.extend(found)
            if not found or len(rows) >= _total(data):
                return rows
            page += 1

    def accommodations(self, occasion_uid: str) -> list[Accommodation]:
        """None: Ladok holds no accommodations (Sweden's come from the coordinator)."""
        return []

    def grading_information(self, occasion_uid: str) -> GradingInformation | None:
        """None: Ladok keeps no grading deadline or commissions of its own."""
        return None

    def registration_events(self, after: str | None) -> RegisterEvents:
        """None read: Ladok's event feed is not used, the nightly sync covers Sweden."""
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
        body = _result_body(scale_id, grade_id, exam_date)
        path = f"resultat/studieresultat/{study_result_uid}/utbildning/{module_uid}/resultat"
        answer = self._write("POST", path, body, idempotency_key)
        return register_draft(answer, f"the draft created on study result {study_result_uid}", scale_id)

    def update_draft(
        self,
        *,
        draft: RegisterDraft,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
    ) -> RegisterDraft:
        body = _result_body(scale_id, grade_id, exam_date) | {"SenasteResultatandring": draft.version}
        path = f"resultat/studieresultat/resultat/{draft.result_uid}/"
        answer = self._write("PUT", path, body, idempotency_key)
        return register_draft(answer, f"the updated draft {draft.result_uid}", scale_id)

    def raise_for(self, response: httpx.Response) -> None:
        """Ladok's error body (`Detaljkod`, `FelUID`, `Meddelande`) read where it is one. A 409 is
        a conflict with the register's current state (a stale `SenasteResultatandring`, or a draft
        made since the read); no public source names its `Detaljkod`, so the status alone decides."""
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = None
        error = data if isinstance(data, dict) else {}
        code = str(error.get("Detaljkod") or "")
        message = str(error.get("Meddelande") or response.text[:500])
        if error.get("FelUID"):
            message += f" (FelUID {error['FelUID']})"
        if response.status_code == 409:
            raise StaleVersion(self.system, 409, message)
        raise ApiError(self.system, response.status_code, f"{message} [{code}]" if code else message)


def _total(page: dict[str, Any]) -> int:
    """`TotaltAntalPoster` as documented; some public clients spell it `TotalAntalPoster`."""
    return int(page.get("TotaltAntalPoster", page.get("TotalAntalPoster", 0)))


def _scale(value: Any) -> int:
    return int(value["ID"]) if isinstance(value, dict) else int(value)


def _result_body(scale_id: int, grade_id: int, exam_date: date) -> dict[str, Any]:
    return {"Betygsgrad": grade_id, "BetygsskalaID": scale_id, "Examinationsdatum": exam_date.isoformat()}


def _field(data: Any, name: str, record: str) -> Any:
    """A required field of an answer; its absence an `ApiError` naming the record and the field."""
    value = data.get(name) if isinstance(data, dict) else None
    if value is None:
        raise ApiError(SYSTEM, 200, f"{record} lacks {name}")
    return value


def _grade(data: dict[str, Any], record: str) -> tuple[int, str]:
    """A result's grade id and letter: `Betygsgrad` or `Betygsgradsobjekt.ID`, the letter from
    `Betygsgradsobjekt.Kod` or, where only the id came, from the scale's table."""
    named = data.get("Betygsgradsobjekt")
    if not isinstance(named, dict):
        named = {}
    grade = data.get("Betygsgrad", named.get("ID"))
    if grade is None:
        raise ApiError(SYSTEM, 200, f"{record} lacks Betygsgrad")
    code = named.get("Kod") or GRADE_CODES.get(int(grade))
    if code is None:
        raise ApiError(SYSTEM, 200, f"{record} has Betygsgrad {grade}, a grade examflow does not know")
    return int(grade), str(code)


def register_draft(data: Any, record: str, scale_id: int | None = None) -> RegisterDraft:
    """A draft (`Arbetsunderlag`, or the answer to a write) as examflow needs it; its scale is
    `BetygsskalaID`, else `scale_id` (the row's, or the one written)."""
    token = _field(data, "SenasteResultatandring", record)
    if not isinstance(token, str):
        raise ApiError(SYSTEM, 200, f"{record} has a SenasteResultatandring that is not a string: {token}")
    grade, code = _grade(data, record)
    day = str(_field(data, "Examinationsdatum", record))
    try:
        exam_date = date.fromisoformat(day[:10])
    except ValueError:
        raise ApiError(SYSTEM, 200, f"{record} has Examinationsdatum {day}, not a date") from None
    return RegisterDraft(
        result_uid=_field(data, "Uid", record),
        grade_id=grade,
        grade_code=code,
        scale_id=int(data.get("BetygsskalaID") or scale_id or _field(data, "BetygsskalaID", record)),
        exam_date=exam_date,
        process_status=int(data.get("ProcessStatus") or 1),
        version=token,
    )


def _on_module(row: dict[str, Any], kind: str, module_uid: str, record: str) -> dict[str, Any] | None:
    """The row's `kind` (Arbetsunderlag or SenastAttesteradeResultat) on `module_uid`; those on
    other modules, which Ladok returns too, are passed over."""
    for on_education in row.get("ResultatPaUtbildningar") or ():
        result = on_education.get(kind) if isinstance(on_education, dict) else None
        if result and _field(result, "UtbildningsinstansUID", f"{record}: {kind}") == module_uid:
            return dict(result)
    return None


def study_result(row: dict[str, Any]) -> StudyResult:
    """One row of a `sok` answer, with the draft and the attested result on the row's own module."""
    record = f"study result {row.get('Uid', '(no Uid)')}"
    try:
        student = _registered_student(row)
    except (KeyError, TypeError) as exc:
        raise ApiError(SYSTEM, 200, f"{record} lacks {exc}") from None
    scale_id = int(_field(row["Rapporteringskontext"], "BetygsskalaID", f"{record}: Rapporteringskontext"))
    work = _on_module(row, "Arbetsunderlag", student.module_uid, record)
    attested = _on_module(row, "SenastAttesteradeResultat", student.module_uid, record)
    return StudyResult(
        **student._asdict(),
        scale_id=scale_id,
        draft=register_draft(work, f"{record}: Arbetsunderlag", scale_id) if work else None,
        attested_grade_code=_grade(attested, f"{record}: SenastAttesteradeResultat")[1] if attested else None,
    )


def _registered_student(row: dict[str, Any]) -> RegisteredStudent:
    context, student = row["Rapporteringskontext"], row["Student"]
    return RegisteredStudent(
        study_result_uid=row["Uid"],
        student_uid=student["Uid"],
        first_name=student.get("Fornamn", ""),
        last_name=student.get("Efternamn", ""),
        course_round_uid=context.get("KurstillfalleUID", ""),
        module_uid=context["UtbildningsinstansUID"],
        anonymisation_code=context.get("Anonymiseringskod"),
    )
