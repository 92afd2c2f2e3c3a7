"""The student register client: Ladok's integration API over one pooled httpx client.

Meets `integrations.protocols.StudentRegister`. An occasion is read with its dates
(`Datumperiod`) only: Ladok gives no clock times, and no accommodations. Students are looked up in
the `studentinformation` service by uid or personnummer. Searches page with `OrderBy` (paging is only
stable with it) and the largest page Ladok allows; `registered_many` runs many occasions' searches
concurrently over the same connection pool. A 409 naming `SenasteResultatandring` becomes
`StaleVersion`; other refusals become `ApiError` carrying Ladok's `Meddelande`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import orjson

from integrations.http import ApiClient, ApiError, RateLimit, RetryPolicy, StaleVersion
from models.domain import (
    RegisterCourseRound,
    RegisterDraft,
    RegisteredStudent,
    RegisterModule,
    RegisterOccasion,
    StudyResult,
)
from models.ladok_codes import MEDIA_RESULTAT

PAGE_LIMIT = 400
ORDER_BY = ("EFTERNAMN_ASC", "FORNAMN_ASC", "PERSONNUMMER_ASC")
ALL_STATES = ("OBEHANDLADE", "UTKAST", "KLARMARKERADE", "ATTESTERADE")
MEDIA_STUDENT = "application/vnd.ladok-studentinformation+json"


class LadokClient(ApiClient):
    system = "ladok"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 16,
        concurrency: int = 8,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(
            base_url, timeout=timeout, retry=retry, max_connections=max_connections, rate_limit=rate_limit
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
        return [_study_result(row) for row in self._search(occasion_uid)]

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

    def create_draft(
        self,
        *,
        study_result_uid: str,
        module_uid: str,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
        note: str = "",
    ) -> RegisterDraft:
        body = _result_body(scale_id, grade_id, exam_date, note)
        path = f"resultat/studieresultat/{study_result_uid}/utbildning/{module_uid}/resultat"
        return _draft(self._write("POST", path, body, idempotency_key))

    def update_draft(
        self,
        *,
        draft: RegisterDraft,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
        note: str = "",
    ) -> RegisterDraft:
        body = _result_body(scale_id, grade_id, exam_date, note) | {"SenasteResultatandring": draft.version}
        path = f"resultat/studieresultat/resultat/{draft.result_uid}/"
        return _draft(self._write("PUT", path, body, idempotency_key))

    def raise_for(self, response: httpx.Response) -> None:
        try:
            data = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            data = {}
        code = str(data.get("Detaljkod", "")) if isinstance(data, dict) else ""
        message = data.get("Meddelande") if isinstance(data, dict) else None
        message = message or response.text[:500]
        if response.status_code == 409 and "senasteresultatandring" in code.lower():
            raise StaleVersion(self.system, 409, message)
        raise ApiError(self.system, response.status_code, f"{message} ({code})" if code else message)


def _total(page: dict[str, Any]) -> int:
    """`TotaltAntalPoster` as documented; some public clients spell it `TotalAntalPoster`."""
    return int(page.get("TotaltAntalPoster", page.get("TotalAntalPoster", 0)))


def _scale(value: Any) -> int:
    return int(value["ID"]) if isinstance(value, dict) else int(value)


def _result_body(scale_id: int, grade_id: int, exam_date: date, note: str) -> dict[str, Any]:
    return {
        "Betygsgrad": grade_id,
        "BetygsskalaID": scale_id,
        "Examinationsdatum": exam_date.isoformat(),
        "Anteckning": note,
    }


def _draft(data: dict[str, Any]) -> RegisterDraft:
    return RegisterDraft(
        result_uid=data["Uid"],
        grade_id=int(data["Betygsgradsobjekt"]["ID"]),
        grade_code=data["Betygsgradsobjekt"]["Kod"],
        exam_date=date.fromisoformat(data["Examinationsdatum"][:10]),
        process_status=int(data["ProcessStatus"]),
        version=int(data["SenasteResultatandring"]),
        note=data.get("Anteckning") or "",
    )


def _study_result(row: dict[str, Any]) -> StudyResult:
    context = row["Rapporteringskontext"]
    module_uid = context["UtbildningsinstansUID"]
    on_module = next(
        (u for u in row.get("ResultatPaUtbildningar", ()) if u.get("UtbildningsinstansUID") == module_uid),
        {},
    )
    work = on_module.get("Arbetsunderlag")
    attested = on_module.get("SenastAttesteradeResultat")
    return StudyResult(
        **_registered_student(row)._asdict(),
        scale_id=int(context["BetygsskalaID"]),
        draft=_draft(work) if work else None,
        attested_grade_code=attested["Betygsgradsobjekt"]["Kod"] if attested else None,
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
