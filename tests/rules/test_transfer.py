"""The transfer preview: what each approved grade means for the register as it stands."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.domain import RegisterDraft, StudyResult
from models.ladok_codes import SCALE_A_F, SCALE_PASS_FAIL, grade_id
from models.transfer import Action
from rules.transfer import TransferRefused, action, equal_credits, plan_items

DAY = date(2026, 12, 14)


def result(draft: tuple[str, date] | None = None, attested: str | None = None, scale: int = SCALE_A_F):
    held = None
    if draft is not None:
        code, day = draft
        held = RegisterDraft(
            result_uid="r1",
            grade_id=grade_id(scale, code),
            grade_code=code,
            scale_id=scale,
            exam_date=day,
            process_status=1,
            version="2026-12-14T10:47:50.358",
        )
    return StudyResult(
        study_result_uid="sr1",
        student_uid="st1",
        first_name="A",
        last_name="B",
        course_round_uid="cr",
        module_uid="m",
        scale_id=scale,
        anonymisation_code="X-0001-AAA",
        draft=held,
        attested_grade_code=attested,
    )


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        (result(), Action.NEW),
        (result(("B", DAY)), Action.UNCHANGED),
        (result(("C", DAY)), Action.UPDATE),  # another grade
        (result(("B", date(2026, 12, 15))), Action.UPDATE),  # another date
        (result(("P", DAY), scale=SCALE_PASS_FAIL), Action.UPDATE),  # another scale
        (result(("B", DAY), attested="C"), Action.LOCKED),  # attested wins
        (result(attested="B"), Action.LOCKED),
    ],
)
def test_action_compares_what_the_register_returns(held: StudyResult, expected: Action) -> None:
    assert action(held, grade_id(SCALE_A_F, "B"), SCALE_A_F, DAY) == expected


def test_points_are_shown_not_compared() -> None:
    """Points changed since the draft was written leave it unchanged: the register holds none."""
    (item,) = plan_items(
        grades(("X-0001-AAA", "sr1", "B", 39.5)), {"sr1": result(("B", DAY))}, SCALE_A_F, grade_id
    )
    assert (item.action, item.points) == (Action.UNCHANGED, 39.5)


def grades(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                registration_id=i,
                anonymisation_code=code,
                study_result_uid=sr,
                module_uid="m",
                grade=g,
                points=p,
                grade_status="approved",
                exam_date=DAY,
            )
            for i, (code, sr, g, p) in enumerate(rows)
        ]
    )


def test_plan_items_names_candidates_missing_from_the_register() -> None:
    with pytest.raises(TransferRefused, match=r"no study result in the register for \['X-0002-BBB'\]"):
        plan_items(
            grades(("X-0001-AAA", "sr1", "B", 40), ("X-0002-BBB", "sr2", "C", 30)),
            {"sr1": result()},
            SCALE_A_F,
            grade_id,
        )


def test_plan_items_refuses_a_module_on_another_scale() -> None:
    with pytest.raises(TransferRefused, match=r"another grade scale .*\['X-0001-AAA'\]"):
        plan_items(
            grades(("X-0001-AAA", "sr1", "B", 40)),
            {"sr1": result(scale=SCALE_PASS_FAIL)},
            SCALE_A_F,
            grade_id,
        )


def test_plan_items_skips_grades_not_approved() -> None:
    frame = grades(("X-0001-AAA", "sr1", "B", 40)).assign(grade_status="proposed")
    assert plan_items(frame, {"sr1": result()}, SCALE_A_F, grade_id) == []


@pytest.mark.parametrize(
    ("credits", "refused"),
    [({"TEN1": 7.5}, False), ({"TEN1": 7.5, "TEN2": 7.5}, False), ({"TEN1": 7.5, "TEN2": 4.5}, True)],
)
def test_equal_credits(credits: dict[str, float], refused: bool) -> None:
    if refused:
        with pytest.raises(TransferRefused, match="unequal credits: TEN1 7.5, TEN2 4.5"):
            equal_credits(credits)
    else:
        equal_credits(credits)
