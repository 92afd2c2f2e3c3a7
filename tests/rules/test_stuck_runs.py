"""What a coordinator is told of a stuck run: the exams its parameters name, and the mail's words."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.stuck_runs import StuckRun, body, occasions_named, subject

LINK = "http://127.0.0.1:4200/v2/runs/flow-run/0b6c"


def _run(state_type: str, message: str = "") -> StuckRun:
    return StuckRun(
        run_id="0b6c",
        run_name="bald-slug",
        flow="grading",
        state_type=state_type,
        state_message=message,
        since=datetime(2027, 1, 12, 8, 30, tzinfo=UTC),
        link=LINK,
    )


def test_the_occasions_a_run_names_are_found_at_any_depth_each_once() -> None:
    parameters = {
        "params": {"occasion_uid": "occ-1", "times": {"exam_date": "2027-01-11"}},
        "steps": [{"occasion_uids": ["occ-2", "occ-1", 7]}],
        "occasion_uid": None,
    }
    assert occasions_named(parameters) == ["occ-1", "occ-2"]
    assert occasions_named({"params": {"occasion_uids": []}}) == []


def test_a_failed_run_is_told_with_prefects_reason_and_what_to_do() -> None:
    run = _run("FAILED", "Flow run encountered an exception: RuntimeError: register down")
    assert subject(run) == "[examflow] A run failed: grading (bald-slug)"
    text = body(run, recipient="Cecilia Lind", occasions=["occ-1"])
    assert text.startswith(
        "Hello Cecilia Lind,\n\nThe run bald-slug of grading, for occ-1, failed at 2027-01-12 08:30 UTC."
    )
    assert "Prefect says: Flow run encountered an exception: RuntimeError: register down\n" in text
    assert f"Open {LINK} to read its logs, and start it again (Retry)" in text


def test_a_waiting_run_says_since_when_and_a_run_naming_no_exam_says_so() -> None:
    run = _run("PAUSED")
    assert subject(run) == "[examflow] A run waits for an approval: grading (bald-slug)"
    text = body(run, recipient="Cecilia Lind", occasions=[])
    assert (
        "for every exam it reaches (it names none), is still waiting for an approval since 2027-01-12 08:30"
        in text
    )
    assert "past the reminder to its approvers" in text and "Prefect says" not in text
    assert f"Open {LINK} to see what it asks" in text
    crashed = body(_run("CRASHED"), recipient="Cecilia Lind", occasions=["occ-1", "occ-2"])
    assert "for occ-1, occ-2, crashed (its process ended without finishing it) at" in crashed
