"""Anonymisation codes are unique in a term across exams, on SQLite and PostgreSQL: many exams of
one course sharing a prefix number on from each other, the register's codes are kept unless taken,
and the store refuses a taken number (its check names it; the unique constraint backs it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from models.codes import code_parts
from store import registrations
from store.codes import CodeTaken
from store.db import transaction
from store.migrate import alembic_config, upgrade
from store.schema import AnonymisationCode, Registration
from tasks.registration import REGISTER_COLUMNS, apply_sync
from tests.conftest import examflow_environment
from tests.factories import a_student, an_occasion

AUTUMN = datetime(2027, 10, 20, 7, tzinfo=UTC)
SPRING = datetime(2028, 3, 14, 8, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """The test's database as examflow's own, so that the sync's transactions write to it."""
    env = {
        "EXAMFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_SECRET": "codes-test-secret",
    }
    with examflow_environment(env):
        yield engine


def _plan(uid: str, prefix: str, starts_at: datetime = AUTUMN) -> None:
    with transaction() as session:
        session.add(
            an_occasion(
                uid,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=4),
                code_prefix=prefix,
                platform_test_id="t",
                status="planned",
            )
        )


def _register(uid: str, students: dict[str, str | None]) -> pd.DataFrame:
    rows = [(uid, s, f"sr-{s}", "cr", "m", code, "First", "Last") for s, code in students.items()]
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS).assign(
        extra_time_minutes=0, separate_room=False, equipment=""
    )


def _sync(answers: dict[str, dict[str, str | None]], prefixes: dict[str, str]) -> None:
    with transaction() as session:
        held = registrations.frame(session, occasion_ids=list(answers))
    frame = pd.concat([_register(uid, students) for uid, students in answers.items()], ignore_index=True)
    apply_sync(frame, held, prefixes)


def _codes(*uids: str) -> dict[tuple[str, str], str]:
    with transaction() as session:
        held = registrations.frame(session, occasion_ids=list(uids))
    return {
        (o, s): c for o, s, c in zip(held.occasion_id, held.student_uid, held.anonymisation_code, strict=True)
    }


def test_many_exams_of_one_course_never_share_a_code_in_the_term(store: Engine) -> None:
    exams = [f"sf1625-{i}" for i in range(12)]
    for uid in exams:
        _plan(uid, "SF16251")
    for n, uid in enumerate(exams):  # each exam synced alone, as the nightly sync finds them
        students = {f"s{(n * 7 + k) % 200}": None for k in range(30)}  # students sit several exams
        _sync({uid: students}, {uid: "SF16251"})
    codes = _codes(*exams)
    assert len(codes) == 12 * 30
    assert len(set(codes.values())) == len(codes)
    assert sorted(code_parts(c)[1] for c in codes.values()) == list(range(1, 12 * 30 + 1))  # no restart

    _sync({exams[0]: {**{s: None for (o, s) in codes if o == exams[0]}, "late": None}}, {exams[0]: "SF16251"})
    after = _codes(*exams)
    assert {k: after[k] for k in codes} == codes  # a code once given is kept
    assert code_parts(after[(exams[0], "late")])[1] == 12 * 30 + 1


def test_exams_synced_together_share_the_numbering(store: Engine) -> None:
    _plan("a", "EXAM")
    _plan("b", "EXAM")
    _plan("c", "OTHER")
    _sync(
        {
            "a": {f"s{i}": None for i in range(5)},
            "b": {f"s{i}": None for i in range(3, 9)},
            "c": {"s1": None},
        },
        {"a": "EXAM", "b": "EXAM", "c": "OTHER"},
    )
    codes = _codes("a", "b", "c")
    exam = sorted(code_parts(c)[1] for (o, _), c in codes.items() if o != "c")
    assert exam == list(range(1, 12))
    assert code_parts(codes[("c", "s1")]) == ("OTHER", 1)


def test_another_term_numbers_from_one_again(store: Engine) -> None:
    _plan("autumn", "LA")
    _plan("spring", "LA", SPRING)
    _sync({"autumn": {"s1": None, "s2": None}}, {"autumn": "LA"})
    _sync({"spring": {"s1": None}}, {"spring": "LA"})
    assert code_parts(_codes("spring")[("spring", "s1")])[1] == 1
    with transaction() as session:
        terms = set(session.scalars(select(AnonymisationCode.term)))
    assert terms == {"HT2027", "VT2028"}


def test_the_registers_code_is_kept_unless_another_exam_holds_it(store: Engine) -> None:
    _plan("a", "EXAM")
    _plan("b", "EXAM")
    _sync({"a": {"s1": "EXAM-0001-ABC", "s2": "EXAM-0002-DEF"}}, {"a": "EXAM"})
    _sync({"b": {"s3": "EXAM-0001-XYZ", "s4": "EXAM-0007-QRS"}}, {"b": "EXAM"})  # numbered per exam
    codes = _codes("a", "b")
    assert codes[("a", "s1")] == "EXAM-0001-ABC" and codes[("b", "s4")] == "EXAM-0007-QRS"
    assert code_parts(codes[("b", "s3")]) == ("EXAM", 8)  # 1 is a's: the next after the term's highest
    assert len(set(codes.values())) == 4


def test_fss_candidate_numbers_are_kept_as_given_on_every_exam(store: Engine) -> None:
    _plan("a", "NOR")
    _plan("b", "NOR")
    _sync({"a": {"s1": "30101", "s2": "30102"}}, {"a": "NOR"})
    _sync({"b": {"s3": "30101"}}, {"b": "NOR"})  # FS numbers per assessment unit: its number, kept
    assert _codes("a", "b") == {("a", "s1"): "30101", ("a", "s2"): "30102", ("b", "s3"): "30101"}
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(AnonymisationCode)) == 0


def test_the_store_refuses_a_taken_number_and_writes_nothing(store: Engine) -> None:
    _plan("a", "LA")
    _plan("b", "LA")
    with transaction() as session:
        session.add_all([a_student("s1"), a_student("s2")])
    frame = _register("a", {"s1": "LA-0001-ABC"}).assign(status="registered")
    with transaction() as session:
        registrations.save(session, frame)
    clash = _register("b", {"s2": "LA-0001-XYZ"}).assign(status="registered")
    with pytest.raises(CodeTaken) as taken:
        with transaction() as session:
            registrations.save(session, clash)
    message = str(taken.value)
    assert "LA-0001-XYZ" in message and "HT2027" in message and "occasion a" in message
    with transaction() as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 1


def test_the_unique_constraint_refuses_what_slips_past_the_check(store: Engine) -> None:
    _plan("a", "LA")
    _plan("b", "LA")
    row = dict(term="HT2027", prefix="LA", number=1, code="LA-0001-ABC", student_uid="s1")
    with transaction() as session:
        session.add(AnonymisationCode(**row, occasion_id="a"))
    with pytest.raises(IntegrityError):
        with transaction() as session:
            session.add(
                AnonymisationCode(**{**row, "code": "LA-0001-XYZ", "student_uid": "s2"}, occasion_id="b")
            )


def test_the_migration_records_the_codes_held_and_leaves_out_a_clash(store: Engine) -> None:
    config = alembic_config(store.url.render_as_string(hide_password=False))
    before = ScriptDirectory.from_config(config).get_revision("0013_exam_secrets").down_revision
    with store.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, str(before))
    with store.begin() as connection:  # codes numbered per exam, as before the check
        for uid in ("a", "b"):
            connection.execute(
                text(
                    "INSERT INTO occasions (id, name, country, exam_type, starts_at, ends_at, duration_minutes,"
                    " scale, register_scale_id, credits, code_prefix, status, updated_at) VALUES (:id, 'x',"
                    " 'SE', 'digital_school', :at, :at, 60, 'A-F', 2, 7.5, 'LA', 'planned', :at)"
                ),
                {"id": uid, "at": AUTUMN.replace(tzinfo=None)},
            )
        connection.execute(text("INSERT INTO students (uid, first_name, last_name) VALUES ('s1', 'A', 'B')"))
        for uid, code in (("a", "LA-0001-ABC"), ("b", "LA-0001-XYZ")):
            connection.execute(
                text(
                    "INSERT INTO registrations (occasion_id, student_uid, study_result_uid, course_round_uid,"
                    " module_uid, anonymisation_code, status, extra_time_minutes, separate_room, equipment,"
                    " updated_at) VALUES (:o, 's1', 'sr', 'cr', 'm', :c, 'registered', 0, false, '', :at)"
                ),
                {"o": uid, "c": code, "at": AUTUMN.replace(tzinfo=None)},
            )
    upgrade(store)
    with transaction() as session:
        held = {(r.occasion_id, r.code) for r in session.scalars(select(AnonymisationCode))}
    assert held == {("a", "LA-0001-ABC")}  # b's clashing code stays on its registration only
    _sync({"b": {"s1": None, "s3": None}}, {"b": "LA"})
    codes = _codes("b")
    assert codes[("b", "s1")] == "LA-0001-XYZ"  # a code once given is kept
    assert code_parts(codes[("b", "s3")]) == ("LA", 2)
