"""What the closing of a case reads from the store, on SQLite and PostgreSQL: each published
candidate with the day their result first reached the register and their justification, the
requests not settled by kind and code, and the exams waiting to be archived."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, update

from store import appeals, case_closing, justifications, register_requests
from store.db import transaction
from store.schema import Occasion
from tests.store.test_rescoring import OCC, T0, publish, seed


def test_each_published_candidate_with_the_day_and_their_justification(engine: Engine) -> None:
    ids = seed(engine, country="NO")
    first, second, *unpublished = sorted(ids)
    publish(engine, ids[first])
    publish(engine, ids[second])
    publish(engine, ids[unpublished[0]], status="failed")
    with transaction(engine) as session:
        justifications.request(
            session,
            occasion_id=OCC,
            registration_id=ids[second],
            requested_on=date(2026, 1, 22),
            due_on=date(2026, 2, 5),
        )
        assert case_closing.published(session, occasion_id=OCC) == [
            (first, T0.date(), None, None),
            (second, T0.date(), date(2026, 1, 22), None),
        ]


def test_the_requests_not_settled_are_named_by_kind_and_code(engine: Engine) -> None:
    ids = seed(engine, country="NO")
    asked, appealed, decided, collected, *_ = sorted(ids)
    with transaction(engine) as session:
        assert case_closing.open_requests(session, occasion_id=OCC) == []
        justifications.request(
            session,
            occasion_id=OCC,
            registration_id=ids[asked],
            requested_on=date(2026, 1, 22),
            due_on=date(2026, 2, 5),
        )
        appeals.receive(
            session, occasion_id=OCC, registration_id=ids[appealed], received_on=date(2026, 1, 23)
        )
        done = appeals.receive(
            session, occasion_id=OCC, registration_id=ids[decided], received_on=date(2026, 1, 23)
        )
        appeals.decide(session, appeal_id=done.id, new_grade="A")
        for request_id, code in (("fs-1", collected), ("fs-2", decided)):
            register_requests.record(
                session,
                occasion_id=OCC,
                request_id=request_id,
                kind="appeal",
                registration_id=ids[code],
                received_on=date(2026, 1, 24),
            )
        register_requests.mark_started(session, occasion_id=OCC, request_id="fs-2", flow_run_id="run-2")
        assert case_closing.open_requests(session, occasion_id=OCC) == [
            ("appeal", appealed),
            ("appeal (from the register, not started)", collected),
            ("justification", asked),
        ]


def test_the_exams_waiting_to_be_archived_are_the_transferred(engine: Engine) -> None:
    seed(engine, country="NO")
    seed(engine, country="NO", occasion_id="occ-2")
    with transaction(engine) as session:
        assert case_closing.awaiting_archive(session) == []
        session.execute(update(Occasion).values(status="transferred"))
        session.execute(update(Occasion).where(Occasion.id == "occ-2").values(status="archived"))
        assert case_closing.awaiting_archive(session) == [OCC]
