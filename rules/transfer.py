"""What each approved grade means for the register as it stands: the transfer's preview."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd

from models.domain import StudyResult
from models.transfer import Action, TransferItem


class TransferRefused(Exception):
    """The exam may not be transferred as it stands; the message names what and whom."""


def action(result: StudyResult, grade_id: int, scale_id: int, exam_date: date) -> Action:
    """What the grade means for the register, comparing only what the register returns of a
    draft: its grade, scale and examination date. The points are not written to the register
    (Ladok's results have no field for them); they stay in examflow's store."""
    if result.attested_grade_code is not None:
        return Action.LOCKED
    if result.draft is None:
        return Action.NEW
    draft = result.draft
    same = (draft.grade_id, draft.scale_id, draft.exam_date) == (grade_id, scale_id, exam_date)
    return Action.UNCHANGED if same else Action.UPDATE


def plan_items(
    grades: pd.DataFrame, held: Mapping[str, StudyResult], scale_id: int, grade_id: Callable[[int, str], int]
) -> list[TransferItem]:
    """One item per approved grade. Refused, naming the candidates, when a study result is missing
    from the register or the register's module uses another grade scale than the exam."""
    approved = grades[grades.grade_status == "approved"]
    missing = sorted(
        c
        for c, s in zip(approved.anonymisation_code, approved.study_result_uid, strict=True)
        if s not in held
    )
    if missing:
        raise TransferRefused(f"no study result in the register for {missing[:20]}")
    other_scale = sorted(
        c
        for c, s in zip(approved.anonymisation_code, approved.study_result_uid, strict=True)
        if held[s].scale_id != scale_id
    )
    if other_scale:
        raise TransferRefused(
            f"the register's module uses another grade scale than the exam ({scale_id}) "
            f"for {other_scale[:20]}"
        )
    return [
        TransferItem(
            registration_id=row.registration_id,
            candidate=row.anonymisation_code,
            study_result_uid=row.study_result_uid,
            module_uid=row.module_uid,
            grade=row.grade,
            exam_date=row.exam_date,
            points=None if pd.isna(row.points) else float(row.points),
            action=action(held[row.study_result_uid], grade_id(scale_id, row.grade), scale_id, row.exam_date),
        )
        for row in approved.itertuples(index=False)
    ]


def equal_credits(credits: Mapping[str, float]) -> None:
    """Modules on one occasion must carry equal credits (module code → credits)."""
    if len(set(credits.values())) > 1:
        listed = ", ".join(f"{code} {value:g}" for code, value in sorted(credits.items()))
        raise TransferRefused(f"the modules on this occasion carry unequal credits: {listed}")
