"""Statements handed to the database driver as they are, for the hot paths where SQLAlchemy's
statement objects cost more than the database's own work (a rescore's reads and writes, bulk audit
events). Values are given as SQLAlchemy would bind them (`bound`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, CursorResult
from sqlalchemy.orm import Session


def bound(session: Session, column: ColumnElement[Any], value: Any) -> Any:
    """`value` as SQLAlchemy would send it to the driver for `column` (e.g. an aware datetime as the
    naive UTC one, in SQLite's text form)."""
    dialect = session.get_bind().dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)


def execute(session: Session, sql: str, params: tuple[Any, ...] | list[tuple[Any, ...]]) -> int:
    """`sql` (a `?` for each value) with one row of values, or once per row of a list, handed to the
    driver as it is: SQLAlchemy's statement objects cost about 30 us a row here, more than the
    database's own update. Returns the number of rows matched."""
    if not params:
        return 0
    return _driver_sql(session, sql, params).rowcount


def rows(session: Session, sql: str, params: tuple[Any, ...]) -> Sequence[Any]:
    """The rows `sql` (a `?` for each value) returns, as the driver's own tuples."""
    return _driver_sql(session, sql, params).cursor.fetchall()


def placeholders(count: int) -> str:
    """'?, ?, ?' for three values, e.g. for an IN list."""
    return ", ".join("?" * count)


def _driver_sql(session: Session, sql: str, params: Any) -> CursorResult[Any]:
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    return connection.exec_driver_sql(sql, params)
