"""What a person reads an exam by: run names, tags, artifact keys and the waiting run's link."""

from __future__ import annotations

import re
from datetime import date

from rules.exam_names import ExamName, artifact_key, exam_key, run_link, run_name, run_tags

EXAM = ExamName("SF1625", "TEN1", date(2026, 12, 3), "SE")
KEY = re.compile(r"^[a-z0-9-]+$")


def test_a_run_is_named_and_tagged_by_course_sitting_date_and_phase() -> None:
    assert EXAM.label == "SF1625 TEN1 2026-12-03"
    assert run_name(EXAM, "grading") == "SF1625 TEN1 2026-12-03 · grading"
    assert run_tags(EXAM) == ["course:SF1625", "term:HT2026", "country:SE"]
    assert run_tags(ExamName("INF100", "", date(2027, 1, 20), "NO")) == [
        "course:INF100",
        "term:VT2027",
        "country:NO",
    ]
    assert ExamName("INF100", "", date(2027, 1, 20), "NO").label == "INF100 2027-01-20"


def test_artifact_keys_take_the_course_and_date_and_only_what_prefect_allows() -> None:
    assert exam_key("grades", EXAM, "0c6f-uid") == "grades-sf1625-ten1-2026-12-03"
    assert exam_key("grades", None, "0C6F_uid") == "grades-0c6f-uid"
    assert artifact_key("plan", "Ämne: IN 1000 / TEN_1 2026-12-03 ") == "plan-amne-in-1000-ten-1-2026-12-03"
    assert artifact_key("Prøve", "Ærø") == "prove-aero"
    assert KEY.match(artifact_key("x", "a" * 300)) and len(artifact_key("x", "a" * 300)) <= 200


def test_the_link_opens_the_waiting_run_in_the_current_ui() -> None:
    run = "5b0a3c1e-0000-4000-8000-000000000001"
    expected = f"http://127.0.0.1:4200/v2/runs/flow-run/{run}"
    assert run_link("http://127.0.0.1:4200", run) == expected
    assert run_link("http://127.0.0.1:4200/", run) == expected
    assert run_link("http://127.0.0.1:4200/v2", run) == expected
    assert run_link(None, run) is None and run_link("", run) is None
