"""The Ladok stand-in and its term generator, over real HTTP on loopback."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.ladok_codes import GRADES, MEDIA_RESULTAT, SCALE_A_F, SCALE_PASS_FAIL
from simulators.ladok import STALE, create_app
from simulators.server import serve_in_thread
from simulators.term import STOCKHOLM, TermSpec, generate_term
from tests.contracts import check

SPEC = {"seed": 11, "course_rounds": 8, "occasions": 5, "students": 1500, "registrations": 2500}
ORDER = ["EFTERNAMN_ASC", "FORNAMN_ASC", "PERSONNUMMER_ASC"]
CODE = re.compile(r"^EXAM-\d{4}-[A-Z]{3}$")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(tmp_path_factory.mktemp("ladok") / "ladok.db")
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture()
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Accept": MEDIA_RESULTAT}, timeout=30) as client:
        client.put("/_sim/faults", json={}).raise_for_status()
        yield client


@pytest.fixture()
def term(http: httpx.Client) -> dict[str, Any]:
    """A fresh term for every test (loading replaces the whole state)."""
    response = http.post("/_sim/term", json=SPEC)
    response.raise_for_status()
    return response.json()


def registrations(http: httpx.Client, occasion: str) -> list[dict[str, Any]]:
    return http.get("/_sim/registrations", params={"occasion": occasion}).json()


def largest_occasion(http: httpx.Client, term: dict[str, Any]) -> str:
    return max(term["occasions"], key=lambda o: len(registrations(http, o)))


def search(http: httpx.Client, occasion: str, **body: Any) -> httpx.Response:
    return http.put(f"/resultat/studieresultat/rapportera/aktivitetstillfalle/{occasion}/sok", json=body)


def create(
    http: httpx.Client, reg: dict[str, Any], grade: str = "C", key: str | None = None
) -> httpx.Response:
    body = {
        "Betygsgrad": GRADES[reg["scale_id"]].get(grade, GRADES[reg["scale_id"]]["F"]),
        "BetygsskalaID": reg["scale_id"],
        "Examinationsdatum": "2026-12-14",
    }
    headers = {"Idempotency-Key": key} if key else {}
    path = f"/resultat/studieresultat/{reg['study_result_uid']}/utbildning/{reg['module_uid']}/resultat"
    return http.post(path, json=body, headers=headers)


def update(http: httpx.Client, draft: dict[str, Any], grade_id: int, version: object, key: str | None = None):
    body = {
        "Betygsgrad": grade_id,
        "BetygsskalaID": draft["BetygsskalaID"],
        "Examinationsdatum": "2026-12-15",
        "SenasteResultatandring": version,
    }
    headers = {"Idempotency-Key": key} if key else {}
    return http.put(f"/resultat/studieresultat/resultat/{draft['Uid']}/", json=body, headers=headers)


# -- the term generator --------------------------------------------------------------------------


def test_term_is_deterministic_and_well_formed() -> None:
    spec = TermSpec(seed=3, course_rounds=30, occasions=25, students=800, registrations=2000)
    term, again = generate_term(spec), generate_term(spec)
    assert [r.study_result_uid for r in term.registrations] == [
        r.study_result_uid for r in again.registrations
    ]
    assert len(term.registrations) == 2000 and len(term.occasions) == 25
    modules = {m.uid: m for c in term.course_rounds for m in c.modules}
    for occasion in term.occasions:
        assert occasion.starts_at.utcoffset() is not None and occasion.ends_at > occasion.starts_at
        assert occasion.starts_at.astimezone(STOCKHOLM).date() == occasion.day
        assert re.match(r"^[A-Z]{3}\d{3} TEN1 20(26|27)-\d\d-\d\d$", occasion.name)
        assert len({modules[m].credits for m in occasion.module_uids}) == 1
    codes = Counter((r.occasion_uid, r.anonymisation_code) for r in term.registrations)
    assert max(codes.values()) == 1
    assert all(CODE.match(r.anonymisation_code) for r in term.registrations)
    numbers = Counter(r.anonymisation_code.split("-")[1] for r in term.registrations)
    assert max(numbers.values()) == 1  # not per occasion: a number is given once in the term
    scales = Counter(c.scale_id for c in term.course_rounds)
    assert scales[SCALE_A_F] > scales[SCALE_PASS_FAIL]
    durations = {o.uid: o.duration_minutes for o in term.occasions}
    assert term.accommodations
    assert all(a.extra_time_minutes == round(durations[a.occasion_uid] / 4) for a in term.accommodations)
    assert all(re.match(r"^\d{8}-\d{4}$", s.national_id) for s in term.students)


def test_term_scales_to_a_large_university() -> None:
    term = generate_term(TermSpec(seed=1, course_rounds=1500, occasions=3000, students=100_000))
    assert len(term.registrations) == 100_000 and len(term.occasions) == 3000
    sizes = Counter(r.occasion_uid for r in term.registrations)
    assert max(sizes.values()) >= 500 and min(sizes.values()) >= 1
    assert 0.06 < len(term.accommodations) / 100_000 < 0.10


def test_impossible_spec_is_refused_by_name(http: httpx.Client) -> None:
    response = http.post("/_sim/term", json={"occasions": 2, "students": 3, "registrations": 7})
    assert response.status_code == 400
    assert "registrations" in response.json()["Meddelande"]


# -- reading -------------------------------------------------------------------------------------


def test_occasion_course_round_and_module_shapes(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    response = http.get(f"/resultat/aktivitetstillfalle/{occasion}")
    assert response.headers["content-type"] == MEDIA_RESULTAT
    data = response.json()
    activity = data["Aktiviteter"][0]
    assert activity["Utbildningsinstans"]["Utbildningskod"] == "TEN1"
    assert data["Benamning"]["sv"].startswith(activity["Kursinstans"]["Utbildningskod"])
    assert data["Datumperiod"]["Startdatum"] in data["Benamning"]["sv"]
    rounds = http.get(f"/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{occasion}").json()
    round_uid = rounds["Utbildningstillfalle"][0]["Uid"]
    course = http.get(f"/resultat/kurstillfalle/{round_uid}/moment").json()
    module_uids = {m["UtbildningsinstansUID"] for m in course["IngaendeMoment"]}
    assert activity["Utbildningsinstans"]["Uid"] in module_uids
    assert course["IngaendeMoment"][0]["ResultatrapporteringMojlig"] is True


def test_unknown_uid_answers_a_ladok_error_naming_it(http: httpx.Client, term: dict[str, Any]) -> None:
    response = http.get("/resultat/aktivitetstillfalle/no-such-occasion")
    assert response.status_code == 404
    error = response.json()
    assert set(error) == {"Detaljkod", "FelUID", "Meddelande"}
    assert "no-such-occasion" in error["Meddelande"]
    assert search(http, "no-such-occasion", OrderBy=ORDER, Page=1).status_code == 404


def test_paging_with_order_by_is_stable_and_complete(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = largest_occasion(http, term)
    expected = {r["study_result_uid"] for r in registrations(http, occasion)}
    assert len(expected) > 400
    seen: list[dict[str, Any]] = []
    page = 1
    while True:
        data = search(http, occasion, OrderBy=ORDER, Page=page, Limit=400).json()
        assert data["TotaltAntalPoster"] == len(expected)
        if not data["Resultat"]:
            break
        seen.extend(data["Resultat"])
        page += 1
    assert page == 3 + (len(expected) > 800)
    assert len(seen) == len(expected)
    assert {r["Uid"] for r in seen} == expected
    names = [r["Student"]["Efternamn"] for r in seen]
    assert names == sorted(names)
    first = seen[0]
    assert CODE.match(first["Rapporteringskontext"]["Anonymiseringskod"])
    assert first["ResultatPaUtbildningar"] == []  # no result on any module yet


def test_paging_without_order_by_is_not_stable(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = largest_occasion(http, term)
    total = len(registrations(http, occasion))
    uids = []
    for page in range(1, total // 50 + 2):
        uids += [r["Uid"] for r in search(http, occasion, Page=page, Limit=50).json()["Resultat"]]
    assert len(uids) == total
    assert len(set(uids)) < total, "pages without OrderBy should overlap, as the real register's may"


def test_search_filters_by_state_and_course_round(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    regs = registrations(http, occasion)
    drafts = [create(http, reg).json() for reg in regs[:3]]
    http.post(f"/_sim/ready/{drafts[1]['Uid']}").raise_for_status()
    http.post(f"/_sim/attest/{drafts[2]['Uid']}").raise_for_status()

    def found(*states: str, rounds: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]]]:
        body = {"Filtrering": list(states), "KurstillfallenUID": list(rounds), "OrderBy": ORDER, "Page": 1}
        data = search(http, occasion, **body).json()
        return data["TotaltAntalPoster"], data["Resultat"]

    assert [r["Uid"] for r in found("UTKAST")[1]] == [regs[0]["study_result_uid"]]
    assert [r["Uid"] for r in found("KLARMARKERADE")[1]] == [regs[1]["study_result_uid"]]
    assert [r["Uid"] for r in found("ATTESTERADE")[1]] == [regs[2]["study_result_uid"]]
    assert found("OBEHANDLADE")[0] == len(regs) - 3
    assert found("UTKAST", "KLARMARKERADE")[0] == 2
    assert found()[0] == len(regs)
    first_round = regs[0]["course_round_uid"]
    total, rows = found(rounds=(first_round,))
    assert total == sum(r["course_round_uid"] == first_round for r in regs)
    assert all(r["Rapporteringskontext"]["KurstillfalleUID"] == first_round for r in rows)


def test_the_occasion_has_dates_and_no_times_and_no_accommodations(
    http: httpx.Client, term: dict[str, Any]
) -> None:
    expected = generate_term(TermSpec(**SPEC)).occasions[0]
    data = http.get(f"/resultat/aktivitetstillfalle/{expected.uid}").json()
    assert data["Datumperiod"] == {
        "Startdatum": expected.day.isoformat(),
        "Slutdatum": expected.day.isoformat(),
    }
    assert not {"Starttidpunkt", "Sluttidpunkt"} & set(data)
    check("ladok", "aktivitetstillfalle", data)
    for path in (
        f"/resultat/aktivitetstillfalle/{expected.uid}/anpassningar",
        "/resultat/aktivitetstillfalle/anpassningar",
    ):
        assert http.get(path).status_code == 404, path
    assert http.put(
        "/resultat/aktivitetstillfalle/anpassningar", json={"AktivitetstillfallenUID": [expected.uid]}
    ).status_code in (404, 405)


def test_moving_an_occasions_dates(http: httpx.Client, term: dict[str, Any]) -> None:
    uid = term["occasions"][0]
    seeded = http.get(f"/resultat/aktivitetstillfalle/{uid}").json()["Benamning"]["sv"]
    moved = http.post(
        f"/_sim/occasions/{uid}/dates", json={"start_date": "2027-03-01", "end_date": "2027-03-02"}
    )
    assert moved.status_code == 200
    assert moved.json()["Datumperiod"] == {"Startdatum": "2027-03-01", "Slutdatum": "2027-03-02"}
    assert moved.json()["Benamning"]["sv"] == f"{seeded.rsplit(' ', 1)[0]} 2027-03-01"  # the name follows
    backwards = http.post(
        f"/_sim/occasions/{uid}/dates", json={"start_date": "2027-03-02", "end_date": "2027-03-01"}
    )
    assert backwards.status_code == 422


def test_students_by_uid_and_by_personnummer(http: httpx.Client, term: dict[str, Any]) -> None:
    student = generate_term(TermSpec(**SPEC)).students[0]
    digits = student.national_id.replace("-", "")
    for path in (
        f"/studentinformation/student/{student.uid}",
        f"/studentinformation/student/personnummer/{digits}",
        f"/studentinformation/student/personnummer/{digits[2:]}",
    ):
        answer = http.get(path)
        assert answer.status_code == 200, path
        assert answer.json()["Uid"] == student.uid and answer.json()["Personnummer"] == digits
        check("ladok", "student", answer.json())
    missing = http.get("/studentinformation/student/personnummer/190001010000")
    assert missing.status_code == 404 and "190001010000" not in missing.text


# -- writing drafts ------------------------------------------------------------------------------


def test_draft_lifecycle_stale_token_and_attested_refusal(http: httpx.Client, term: dict[str, Any]) -> None:
    reg = registrations(http, term["occasions"][0])[0]
    created = create(http, reg, "C")
    assert created.status_code == 200
    draft = created.json()
    first = draft["SenasteResultatandring"]
    assert draft["ProcessStatus"] == 1 and isinstance(first, str)
    again = create(http, reg, "B")
    assert again.status_code == 409 and draft["Uid"] in again.json()["Meddelande"]

    grade_b = list(GRADES[reg["scale_id"]].values())[1]
    updated = update(http, draft, grade_b, version=first)
    second = updated.json()["SenasteResultatandring"]
    assert updated.status_code == 200 and isinstance(second, str) and second != first
    stale = update(http, draft, grade_b, version=first)
    assert stale.status_code == 409 and stale.json()["Detaljkod"] == STALE
    as_number = update(http, draft, grade_b, version=1)
    assert as_number.status_code == 400 and "SenasteResultatandring" in as_number.json()["Meddelande"]

    http.post(f"/_sim/attest/{draft['Uid']}").raise_for_status()
    refused = update(http, draft, grade_b, version=second)
    assert refused.status_code == 422 and refused.json()["Detaljkod"] != STALE
    assert "attested" in refused.json()["Meddelande"]
    results = http.get("/_sim/results", params={"occasion": term["occasions"][0]}).json()
    assert [(r["attested"], r["version"], r["grade_id"]) for r in results] == [(True, 2, grade_b)]
    row = search(http, term["occasions"][0], Filtrering=["ATTESTERADE"], OrderBy=ORDER, Page=1).json()
    on_module = row["Resultat"][0]["ResultatPaUtbildningar"][0]
    assert "Arbetsunderlag" not in on_module
    assert on_module["SenastAttesteradeResultat"]["Betygsgradsobjekt"]["ID"] == grade_b


def test_idempotent_replay_returns_the_first_answer(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    reg = registrations(http, occasion)[0]
    first = create(http, reg, "C", key="k-1")
    replay = create(http, reg, "A", key="k-1")
    assert replay.status_code == 200 and replay.json() == first.json()
    draft = first.json()
    fail = GRADES[reg["scale_id"]]["F"]
    updated = update(http, draft, fail, version=draft["SenasteResultatandring"], key="k-2")
    assert (
        update(http, draft, fail, version=draft["SenasteResultatandring"], key="k-2").json() == updated.json()
    )
    results = http.get("/_sim/results", params={"occasion": occasion}).json()
    assert len(results) == 1 and results[0]["version"] == 2 and results[0]["grade_id"] == fail


def test_bad_input_names_what_is_wrong_and_changes_nothing(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    reg = registrations(http, occasion)[0]
    other_scale = SCALE_PASS_FAIL if reg["scale_id"] == SCALE_A_F else SCALE_A_F
    foreign_grade = next(iter(GRADES[other_scale].values()))
    path = f"/resultat/studieresultat/{reg['study_result_uid']}/utbildning/{reg['module_uid']}/resultat"
    body = {"Betygsgrad": foreign_grade, "BetygsskalaID": reg["scale_id"], "Examinationsdatum": "2026-12-14"}
    wrong_grade = http.post(path, json=body)
    assert wrong_grade.status_code == 422 and str(foreign_grade) in wrong_grade.json()["Meddelande"]
    wrong_scale = http.post(path, json={**body, "BetygsskalaID": other_scale})
    assert wrong_scale.status_code == 422 and "BetygsskalaID" in wrong_scale.json()["Meddelande"]
    no_date = http.post(path, json={"Betygsgrad": foreign_grade, "BetygsskalaID": reg["scale_id"]})
    assert no_date.status_code == 400 and "Examinationsdatum" in no_date.json()["Meddelande"]
    too_big = search(http, occasion, OrderBy=ORDER, Page=1, Limit=401)
    assert too_big.status_code == 400 and "Limit" in too_big.json()["Meddelande"]
    bad_order = search(http, occasion, OrderBy=["SHOE_SIZE_ASC"], Page=1)
    assert bad_order.status_code == 400 and "OrderBy" in bad_order.json()["Meddelande"]
    assert http.get("/_sim/results", params={"occasion": occasion}).json() == []


def test_injected_conflict_answers_stale_version(http: httpx.Client, term: dict[str, Any]) -> None:
    reg = registrations(http, term["occasions"][0])[0]
    draft = create(http, reg).json()
    http.put("/_sim/faults", json={"conflict_rate": 1}).raise_for_status()
    refused = update(http, draft, draft["Betygsgradsobjekt"]["ID"], version=draft["SenasteResultatandring"])
    assert refused.status_code == 409 and refused.json()["Detaljkod"] == STALE


def test_registering_and_deregistering_a_student(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    before = registrations(http, occasion)
    change = {
        "occasion_uid": occasion,
        "student_uid": "new-student",
        "first_name": "Ny",
        "last_name": "Student",
    }
    added = http.post("/_sim/registrations", json=change).json()
    assert added["registered"] is True
    everyone = [r for uid in term["occasions"] for r in registrations(http, uid)]
    top = max(
        int(r["anonymisation_code"].split("-")[1]) for r in everyone if r["student_uid"] != "new-student"
    )
    assert added["anonymisation_code"].startswith(f"EXAM-{top + 1:04d}-")  # numbers run on across the term
    total = search(http, occasion, OrderBy=ORDER, Page=1, Limit=1).json()["TotaltAntalPoster"]
    assert total == len(before) + 1
    http.post("/_sim/registrations", json={**change, "registered": False}).raise_for_status()
    assert len(registrations(http, occasion)) == len(before)
    unknown = http.post("/_sim/registrations", json={"occasion_uid": occasion, "student_uid": "ghost"})
    assert unknown.status_code == 404 and "ghost" in unknown.json()["Meddelande"]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "ladok.db"
    with serve_in_thread(create_app(state)) as url, httpx.Client(base_url=url) as http:
        occasion = http.post("/_sim/term", json=SPEC).json()["occasions"][0]
        reg = registrations(http, occasion)[0]
        draft = create(http, reg, key="once").json()
    with serve_in_thread(create_app(state)) as url, httpx.Client(base_url=url) as http:
        results = http.get("/_sim/results", params={"occasion": occasion}).json()
        assert [r["result_uid"] for r in results] == [draft["Uid"]]
        assert create(http, reg, key="once").json() == draft
        row = search(http, occasion, Filtrering=["UTKAST"], OrderBy=ORDER, Page=1).json()["Resultat"][0]
        assert row["ResultatPaUtbildningar"][0]["Arbetsunderlag"]["Uid"] == draft["Uid"]


# -- the pre-rendered search answer and the sync's routes ----------------------------------------


def test_a_new_registration_is_answered_with_its_own_names(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    change = {"occasion_uid": occasion, "student_uid": "s-å", "first_name": 'Åsa "Q"', "last_name": "Ö\\st"}
    added = http.post("/_sim/registrations", json=change).json()
    rows = search(http, occasion, OrderBy=ORDER, Page=1, Limit=400).json()["Resultat"]
    rows += search(http, occasion, OrderBy=ORDER, Page=2, Limit=400).json()["Resultat"]
    assert [r for r in rows if r["Uid"] == added["study_result_uid"]] == [
        {
            "Uid": added["study_result_uid"],
            "Student": {"Uid": "s-å", "Fornamn": 'Åsa "Q"', "Efternamn": "Ö\\st"},
            "Rapporteringskontext": {
                "UtbildningsinstansUID": added["module_uid"],
                "BetygsskalaID": added["scale_id"],
                "Anonymiseringskod": added["anonymisation_code"],
                "KurstillfalleUID": added["course_round_uid"],
            },
            "ResultatPaUtbildningar": [],
        }
    ]


def test_a_draft_and_an_attested_result_join_the_rendered_row(
    http: httpx.Client, term: dict[str, Any]
) -> None:
    occasion = term["occasions"][0]
    reg = registrations(http, occasion)[0]
    attested = create(http, reg, "C").json()
    http.post(f"/_sim/attest/{attested['Uid']}").raise_for_status()
    draft = create(http, reg, "B").json()
    row = search(http, occasion, Filtrering=["UTKAST"], OrderBy=ORDER, Page=1).json()["Resultat"][0]
    assert row["Uid"] == reg["study_result_uid"] and row["Student"]["Uid"] == reg["student_uid"]
    (on_module,) = row["ResultatPaUtbildningar"]
    assert list(on_module) == ["Arbetsunderlag", "SenastAttesteradeResultat"]
    assert on_module["Arbetsunderlag"]["Uid"] == draft["Uid"]
    assert on_module["Arbetsunderlag"]["UtbildningsinstansUID"] == reg["module_uid"]
    assert on_module["Arbetsunderlag"]["SenasteResultatandring"] == draft["SenasteResultatandring"]
    assert on_module["SenastAttesteradeResultat"]["Uid"] == attested["Uid"]
    assert "SenasteResultatandring" not in on_module["SenastAttesteradeResultat"]


def test_totals_hold_on_full_partial_and_empty_pages(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = largest_occasion(http, term)
    regs = registrations(http, occasion)
    http.post(f"/_sim/attest/{create(http, regs[0]).json()['Uid']}").raise_for_status()
    untreated = len(regs) - 1
    limit = next(n for n in range(7, 50) if untreated % n)  # full pages, a partial one, an empty one
    pages = [
        search(http, occasion, Filtrering=["OBEHANDLADE"], OrderBy=ORDER, Page=page, Limit=limit).json()
        for page in range(1, untreated // limit + 3)
    ]
    assert {p["TotaltAntalPoster"] for p in pages} == {untreated}
    sizes = [len(p["Resultat"]) for p in pages]
    assert sizes == [limit] * (untreated // limit) + [untreated % limit, 0]


def test_an_old_state_file_is_brought_up_to_date(tmp_path: Path) -> None:
    """A file written before registrations carried their rendered answer loads and answers alike."""
    state = tmp_path / "ladok.db"
    with serve_in_thread(create_app(state)) as url, httpx.Client(base_url=url) as http:
        occasion = http.post("/_sim/term", json=SPEC).json()["occasions"][0]
        before = search(http, occasion, OrderBy=ORDER, Page=1, Limit=400).json()
    conn = sqlite3.connect(state)
    conn.execute("DROP INDEX registration_by_name")
    conn.execute("ALTER TABLE registration DROP COLUMN answer")
    conn.close()
    with serve_in_thread(create_app(state)) as url, httpx.Client(base_url=url) as http:
        assert search(http, occasion, OrderBy=ORDER, Page=1, Limit=400).json() == before


def test_search_body_errors_keep_their_400_shape(http: httpx.Client, term: dict[str, Any]) -> None:
    path = f"/resultat/studieresultat/rapportera/aktivitetstillfalle/{term['occasions'][0]}/sok"
    json_type = {"content-type": "application/json"}
    cases = [
        (b"", json_type, "Field required"),
        (b"null", json_type, "Field required"),
        (b"{", json_type, "1: JSON decode error"),
        (b"[]", json_type, "Input should be a valid dictionary or object to extract fields from"),
        (b"{}", {"content-type": "text/plain"}, "Input should be a valid dictionary"),
        (b'{"Extra": 1}', json_type, "Extra: Extra inputs are not permitted"),
        (b'{"Page": 0}', json_type, "Page: Input should be greater than or equal to 1"),
    ]
    for raw, headers, message in cases:
        response = http.put(path, content=raw, headers=headers)
        assert response.status_code == 400, raw
        error = response.json()
        assert set(error) == {"Detaljkod", "FelUID", "Meddelande"}
        assert error["Detaljkod"] == "commons.fel.grundfel.valideringsfel"
        assert error["Meddelande"].startswith(message), (raw, error)
    assert http.put(path, content=b'{"Page": "1"}', headers=json_type).status_code == 200
    assert http.get(path).status_code == 405
    not_utf8 = http.put(path, content=b'{"Page": "\xff"}', headers=json_type)
    assert not_utf8.status_code == 400 and "error parsing the body" in not_utf8.text


def test_faults_reach_the_sync_routes(http: httpx.Client, term: dict[str, Any]) -> None:
    occasion = term["occasions"][0]
    http.put("/_sim/faults", json={"error_rate": 1}).raise_for_status()
    assert search(http, occasion, OrderBy=ORDER).status_code == 503
    rounds = http.get(f"/resultat/kurstillfalle/aktivitetstillfalle/skafinnasstudenter/{occasion}")
    assert rounds.status_code == 503
    assert http.get("/_sim/faults").json()["injected"] == {"error": 2}
