"""The Ladok client reads payloads in Ladok's own shape (tests/contracts/ladok): drafts and attested
results by module, the lock token as received, refusals by status, missing fields named."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import httpx
import orjson
import pytest

from integrations.http import ApiError, StaleVersion
from integrations.ladok import LadokClient, register_draft, study_result
from models.ladok_codes import SCALE_A_F
from tests.contracts import payload

OUR_MODULE = "7a2d9e10-8f1d-11ee-b1a4-5f2c0d9e7a11"


def rows() -> list[dict[str, Any]]:
    return list(payload("ladok", "sok")["Resultat"])


def test_a_draft_on_the_rows_module_is_found_beside_one_on_another_module() -> None:
    found = study_result(rows()[0])
    assert found.module_uid == OUR_MODULE and found.scale_id == SCALE_A_F
    assert found.draft is not None and found.attested_grade_code is None
    assert found.draft.result_uid == "e1000001-8f1d-11ee-b1a4-5f2c0d9e7a11"
    assert (found.draft.grade_code, found.draft.scale_id) == ("B", SCALE_A_F)
    assert found.draft.exam_date == date(2026, 12, 14)
    assert found.draft.version == "2026-12-18T14:03:27.551", "the token is kept as received"
    assert found.anonymisation_code == "SF1624-0001-KQX"


def test_an_attested_result_none_at_all_and_results_of_other_modules_only() -> None:
    attested, empty, elsewhere, without = (study_result(r) for r in rows()[1:])
    assert attested.draft is None and attested.attested_grade_code == "C"
    assert (empty.draft, empty.attested_grade_code) == (None, None)
    assert (elsewhere.draft, elsewhere.attested_grade_code) == (None, None), "another module's result"
    assert (without.draft, without.attested_grade_code) == (None, None)
    assert without.anonymisation_code is None and without.course_round_uid == ""


@pytest.mark.parametrize("name", ["resultat", "resultat.updated"])
def test_a_writes_answer_is_read_with_its_token_as_received(name: str) -> None:
    data = payload("ladok", name)
    draft = register_draft(data, "the draft", SCALE_A_F)
    assert draft.version == data["SenasteResultatandring"] and draft.result_uid == data["Uid"]
    assert (draft.grade_code, draft.scale_id, draft.process_status) == ("A", SCALE_A_F, 1)


def test_a_missing_token_is_named_with_its_record() -> None:
    row = copy.deepcopy(rows()[0])
    del row["ResultatPaUtbildningar"][1]["Arbetsunderlag"]["SenasteResultatandring"]
    with pytest.raises(
        ApiError, match=r"ladok: .*study result c1000001-\S+: Arbetsunderlag lacks SenasteResultatandring"
    ):
        study_result(row)


def test_a_token_that_is_not_a_string_is_refused_not_parsed() -> None:
    data = payload("ladok", "resultat") | {"SenasteResultatandring": 7}
    with pytest.raises(ApiError, match="SenasteResultatandring that is not a string"):
        register_draft(data, "the draft")


def test_a_draft_whose_date_is_not_a_date_is_named() -> None:
    data = payload("ladok", "resultat") | {"Examinationsdatum": "14/12/2026"}
    with pytest.raises(ApiError, match="the draft has Examinationsdatum 14/12/2026, not a date"):
        register_draft(data, "the draft")


def test_a_result_without_its_module_is_named() -> None:
    row = copy.deepcopy(rows()[1])
    del row["ResultatPaUtbildningar"][0]["SenastAttesteradeResultat"]["UtbildningsinstansUID"]
    with pytest.raises(ApiError, match="SenastAttesteradeResultat lacks UtbildningsinstansUID"):
        study_result(row)


def test_a_row_without_its_context_is_named() -> None:
    row = {k: v for k, v in rows()[2].items() if k != "Rapporteringskontext"}
    with pytest.raises(ApiError, match=r"study result c1000003-\S+ lacks 'Rapporteringskontext'"):
        study_result(row)


def refusal(status: int, body: bytes) -> Exception:
    with LadokClient("http://127.0.0.1:9/") as client:
        with pytest.raises(ApiError) as raised:
            client.raise_for(httpx.Response(status, content=body))
    return raised.value


def test_a_409_is_a_stale_token_by_its_status_whatever_its_body_says() -> None:
    stale = payload("ladok", "fel.stale")
    assert isinstance(refusal(409, orjson.dumps(stale)), StaleVersion)
    reworded = stale | {"Detaljkod": "something.else", "Meddelande": "Konflikt"}
    assert isinstance(refusal(409, orjson.dumps(reworded)), StaleVersion)
    assert isinstance(refusal(409, b"<html>conflict</html>"), StaleVersion)


@pytest.mark.parametrize(("name", "status"), [("fel", 400), ("fel.server", 422), ("fel.stale", 422)])
def test_other_refusals_carry_ladoks_message_and_are_not_stale(name: str, status: int) -> None:
    body = payload("ladok", name)
    error = refusal(status, orjson.dumps(body))
    assert type(error) is ApiError and error.status == status
    assert body["Meddelande"] in str(error) and body["FelUID"] in str(error)
    if "Detaljkod" in body:
        assert body["Detaljkod"] in str(error)
