"""The Ladok stand-in's answers over real HTTP meet the schemas written from Ladok's public clients
(tests/contracts/ladok), and the client reads them as it reads Ladok's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from integrations.http import StaleVersion
from integrations.ladok import LadokClient
from models.ladok_codes import GRADES, MEDIA_RESULTAT
from simulators.ladok import create_app
from simulators.server import serve_in_thread
from tests.contracts import check

SPEC = {"seed": 5, "course_rounds": 6, "occasions": 4, "students": 300, "registrations": 600}
ORDER = ["EFTERNAMN_ASC", "FORNAMN_ASC", "PERSONNUMMER_ASC"]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_in_thread(create_app(tmp_path_factory.mktemp("ladok") / "ladok.db")) as url:
        yield url


@pytest.fixture()
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Accept": MEDIA_RESULTAT}, timeout=30) as client:
        client.put("/_sim/faults", json={}).raise_for_status()
        yield client


@pytest.fixture()
def occasion(http: httpx.Client) -> str:
    return str(http.post("/_sim/term", json=SPEC).json()["occasions"][0])


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def first_registration(http: httpx.Client, occasion: str) -> dict[str, Any]:
    return dict(http.get("/_sim/registrations", params={"occasion": occasion}).json()[0])


def post_result(http: httpx.Client, study_result: str, module: str, scale: int, grade: str) -> httpx.Response:
    grade_id = GRADES[scale].get(grade, GRADES[scale]["F"])  # F is on every scale
    body = {"Betygsgrad": grade_id, "BetygsskalaID": scale, "Examinationsdatum": "2026-12-14"}
    return http.post(f"/resultat/studieresultat/{study_result}/utbildning/{module}/resultat", json=body)


def with_another_module(http: httpx.Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A registration whose course round has another reportable module, and that module."""
    for occasion in http.get("/_sim/occasions").json()["occasions"]:
        reg = first_registration(http, occasion)
        modules = ok(http.get(f"/resultat/kurstillfalle/{reg['course_round_uid']}/moment"))["IngaendeMoment"]
        for module in modules:
            if module["UtbildningsinstansUID"] != reg["module_uid"] and module["ResultatrapporteringMojlig"]:
                return reg, module
    raise AssertionError("no occasion's first course round has a second reportable module")


def search(http: httpx.Client, occasion: str, **body: Any) -> httpx.Response:
    path = f"/resultat/studieresultat/rapportera/aktivitetstillfalle/{occasion}/sok"
    return http.put(path, json={"OrderBy": ORDER, "Page": 1, "Limit": 400} | body)


def test_occasion_rounds_and_modules_meet_their_schemas(http: httpx.Client, occasion: str) -> None:
    check("ladok", "aktivitetstillfalle", ok(http.get(f"/resultat/aktivitetstillfalle/{occasion}")))
    rounds = ok(http.get(f"/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{occasion}"))
    check("ladok", "skafinnasstudenter", rounds)
    for course_round in rounds["Utbildningstillfalle"]:
        check("ladok", "moment", ok(http.get(f"/resultat/kurstillfalle/{course_round['Uid']}/moment")))


def test_drafts_attested_results_and_other_modules_meet_the_schemas(
    http: httpx.Client, base_url: str, occasion: str
) -> None:
    reg, other = with_another_module(http)
    occasion = reg["occasion_uid"]
    ours = ok(post_result(http, reg["study_result_uid"], reg["module_uid"], reg["scale_id"], "B"))
    check("ladok", "resultat", ours)
    elsewhere = ok(
        post_result(
            http, reg["study_result_uid"], other["UtbildningsinstansUID"], other["BetygsskalaID"], "F"
        )
    )
    http.post(f"/_sim/attest/{elsewhere['Uid']}").raise_for_status()

    page = ok(search(http, occasion))
    check("ladok", "sok", page)
    row = next(r for r in page["Resultat"] if r["Uid"] == reg["study_result_uid"])
    held = {
        (kind, result["UtbildningsinstansUID"])
        for on_education in row["ResultatPaUtbildningar"]
        for kind, result in on_education.items()
    }
    assert held == {
        ("Arbetsunderlag", reg["module_uid"]),
        ("SenastAttesteradeResultat", other["UtbildningsinstansUID"]),
    }
    untouched = next(r for r in page["Resultat"] if r["Uid"] != reg["study_result_uid"])
    assert untouched["ResultatPaUtbildningar"] == []
    check("ladok", "sok", ok(search(http, occasion, Page=99)))

    with LadokClient(f"{base_url}/") as client:
        read = next(
            r for r in client.search_study_results(occasion) if r.study_result_uid == reg["study_result_uid"]
        )
    assert read.draft is not None and read.draft.result_uid == ours["Uid"]
    assert read.draft.version == ours["SenasteResultatandring"]
    assert read.attested_grade_code is None, "the attested result is on another module"


def test_an_update_takes_the_token_as_a_string_and_answers_a_new_one(
    http: httpx.Client, occasion: str
) -> None:
    reg = first_registration(http, occasion)
    draft = ok(post_result(http, reg["study_result_uid"], reg["module_uid"], reg["scale_id"], "C"))
    body = {
        "Betygsgrad": GRADES[reg["scale_id"]]["F"],
        "BetygsskalaID": reg["scale_id"],
        "Examinationsdatum": "2026-12-15",
        "SenasteResultatandring": draft["SenasteResultatandring"],
        "Noteringar": [],  # an unknown field is ignored, as Ladok's public clients send it
    }
    path = f"/resultat/studieresultat/resultat/{draft['Uid']}/"
    updated = ok(http.put(path, json=body))
    check("ladok", "resultat", updated)
    assert updated["SenasteResultatandring"] > draft["SenasteResultatandring"]
    stale = http.put(path, json=body)
    assert stale.status_code == 409
    check("ladok", "fel", stale.json())


def test_every_refusal_has_ladoks_error_shape(http: httpx.Client, occasion: str) -> None:
    reg = first_registration(http, occasion)
    draft = ok(post_result(http, reg["study_result_uid"], reg["module_uid"], reg["scale_id"], "C"))
    http.post(f"/_sim/attest/{draft['Uid']}").raise_for_status()
    attested = http.put(
        f"/resultat/studieresultat/resultat/{draft['Uid']}/",
        json={
            "Betygsgrad": draft["Betygsgrad"],
            "BetygsskalaID": reg["scale_id"],
            "Examinationsdatum": "2026-12-14",
            "SenasteResultatandring": draft["SenasteResultatandring"],
        },
    )
    refusals = {
        404: http.get("/resultat/aktivitetstillfalle/no-such-occasion"),
        400: http.post(
            f"/resultat/studieresultat/{reg['study_result_uid']}/utbildning/{reg['module_uid']}/resultat"
        ),
        422: attested,
    }
    for status, response in refusals.items():
        assert response.status_code == status, response.text
        check("ladok", "fel", response.json())


def test_the_client_rereads_after_a_conflict_the_stand_in_injects(
    base_url: str, http: httpx.Client, occasion: str
) -> None:
    with LadokClient(f"{base_url}/") as client:
        row = client.search_study_results(occasion)[0]
        grade = GRADES[row.scale_id]["F"]
        draft = client.create_draft(
            study_result_uid=row.study_result_uid,
            module_uid=row.module_uid,
            scale_id=row.scale_id,
            grade_id=grade,
            exam_date=date(2026, 12, 14),
            idempotency_key="c-1",
        )
        http.put("/_sim/faults", json={"conflict_rate": 1}).raise_for_status()
        with pytest.raises(StaleVersion):
            client.update_draft(
                draft=draft,
                scale_id=row.scale_id,
                grade_id=grade,
                exam_date=date(2026, 12, 15),
                idempotency_key="u-1",
            )
        http.put("/_sim/faults", json={}).raise_for_status()
        again = next(
            r for r in client.search_study_results(occasion) if r.study_result_uid == row.study_result_uid
        )
        assert again.draft == draft, "the refused update changed nothing"
