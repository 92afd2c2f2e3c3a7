"""justification: the flow under Prefect with its examiner's form answered from outside (too short a
text asked again), checked against the law and sent; its draft starts from the graders' notes."""

from __future__ import annotations

import email
from datetime import date, timedelta

import pytest

from flows.justification import justification
from models.params import JustificationRequest
from tasks.justification import JustificationRefused, receive_request
from tests.flows.conftest import World, approving
from tests.flows.exams import (
    COMMITTEE,
    Phase,
    approval_kinds,
    exam_at,
    examiners_notes,
    first_graded,
    first_submitted,
    refusals,
    second_graded,
)


def test_justification_is_checked_written_and_sent_before_its_deadline(world: World):
    occasion = exam_at(world, Phase.TRANSFERRED).occasion
    code = second_graded(occasion)
    too_short = {"justification": "Fine."}
    text = "Question 2 lacked the derivation; questions 4-6 were fully correct."
    with approving(
        world.outbox, "staff-examiner-1", first_answers=[too_short], extra={"justification": text}
    ) as person:
        result = justification(
            JustificationRequest(occasion_uid=occasion, anonymisation_code=code, requested_on=date.today())
        )
    assert result == f"{code}: justification sent on time"
    assert len(person.answers) == 2  # a too-short text is asked again, saying why
    kinds = [k for k in approval_kinds(occasion) if k.startswith("justification-")]
    assert any("at least 20 characters" in r for k in kinds for r in refusals(occasion, k))
    mails = [
        email.message_from_bytes(p.read_bytes()).get_payload(decode=True).decode()
        for p in world.outbox.glob("*.eml")
    ]
    assert any(text in m and code in m for m in mails)
    with pytest.raises(
        JustificationRefused, match="too late: a justification must be asked for within 1 week"
    ):
        receive_request.fn(occasion, first_graded(occasion)[0], date.today() + timedelta(days=10))


def test_a_justification_starts_from_the_graders_notes_meant_for_it(world: World):
    exam = exam_at(world, Phase.EXAMINED)
    code = first_submitted(exam.occasion)
    exam.grade(notes={"staff-examiner-1": examiners_notes(code)["notes"]})
    exam.transfer()
    case = receive_request.fn(exam.occasion, code, date.today())
    assert case.committee == tuple(COMMITTEE)
    assert "Question 3:" in case.draft
    after_question_3 = case.draft.split("Question 3:")[1].split("Question 4:")[0]
    assert "The derivation skips the boundary case." in after_question_3
    assert "Handwriting" not in case.draft  # a private note stays private
