"""The client reads the platform's exam-day answers from the contract payloads, and names the
record and field of one that breaks the shape."""

from __future__ import annotations

import pytest

from integrations.inspera_answers import InsperaContractError
from integrations.inspera_day import parse_attachments, parse_incident
from tests.contracts import payload


def test_the_incident_answer_gives_the_minutes_held() -> None:
    assert parse_incident(payload("inspera", "incident_time"), "12", "student-0042") == 25


def test_attachments_are_read_with_their_bytes() -> None:
    [found] = parse_attachments(payload("inspera", "attachments"), "12")
    assert (found.attachment_id, found.external_user_id, found.name) == (
        "1",
        "student-0042",
        "sketch-LA0007.pdf",
    )
    assert found.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (
            {"success": True},
            "incident time of candidate student-0042 on test 12: incidentTimeMins is missing",
        ),
        ({"incidentTimeMins": "25"}, "incidentTimeMins is a string; expected an integer"),
    ],
)
def test_a_broken_incident_answer_is_named(answer: dict[str, object], problem: str) -> None:
    with pytest.raises(InsperaContractError, match=problem):
        parse_incident(answer, "12", "student-0042")


def test_a_broken_attachment_is_named_by_its_id() -> None:
    broken = [{**payload("inspera", "attachments")[0], "content": "not base64!"}]
    with pytest.raises(
        InsperaContractError, match="attachments of test 12, attachment 1: content is not base64"
    ):
        parse_attachments(broken, "12")
