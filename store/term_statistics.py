"""The store read in bulk for the term in numbers: four queries, each into a frame
(`rules.term_statistics` names their columns)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from store.schema import (
    Appeal,
    ExamFormRecord,
    Grade,
    Module,
    Occasion,
    OccasionModule,
    Registration,
    TransferLedgerEntry,
)


def _frame(session: Session, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(row) for row in session.execute(query).all()], columns=columns)


def sittings(session: Session) -> pd.DataFrame:
    """Every occasion with its form, its course (its modules' code and name, else its own name) and
    its count of current registrations."""
    registered = (
        select(Registration.occasion_id, func.count().label("n"))
        .where(Registration.status == "registered")
        .group_by(Registration.occasion_id)
        .subquery()
    )
    course = (
        select(OccasionModule.occasion_id, func.min(Module.code + " " + Module.name).label("course"))
        .join(Module, Module.uid == OccasionModule.module_uid)
        .group_by(OccasionModule.occasion_id)
        .subquery()
    )
    query = (
        select(
            Occasion.id,
            Occasion.name,
            func.coalesce(course.c.course, Occasion.name),
            Occasion.country,
            Occasion.exam_type,
            func.coalesce(ExamFormRecord.form, ""),
            Occasion.scale,
            Occasion.starts_at,
            func.coalesce(registered.c.n, 0),
        )
        .outerjoin(ExamFormRecord, ExamFormRecord.occasion_id == Occasion.id)
        .outerjoin(registered, registered.c.occasion_id == Occasion.id)
        .outerjoin(course, course.c.occasion_id == Occasion.id)
        .order_by(Occasion.id)
    )
    columns = [
        "occasion_id",
        "name",
        "course",
        "country",
        "exam_type",
        "form",
        "scale",
        "starts_at",
        "registrations",
    ]
    return _frame(session, query, columns)


def grades(session: Session) -> pd.DataFrame:
    """Every approved grade."""
    query = select(Grade.occasion_id, Grade.grade).where(Grade.status == "approved")
    return _frame(session, query, ["occasion_id", "grade"])


def appeals(session: Session) -> pd.DataFrame:
    query = select(Appeal.occasion_id, Appeal.status, Appeal.original_grade, Appeal.new_grade)
    return _frame(session, query, ["occasion_id", "status", "original_grade", "new_grade"])


def published(session: Session) -> pd.DataFrame:
    """When each candidate's result first reached the register (as `store.transfer.published_on`)."""
    query = (
        select(TransferLedgerEntry.occasion_id, func.min(TransferLedgerEntry.updated_at))
        .where(TransferLedgerEntry.status == "confirmed")
        .group_by(TransferLedgerEntry.occasion_id, TransferLedgerEntry.registration_id)
    )
    return _frame(session, query, ["occasion_id", "published_at"])
