"""The registration sync's branches, fast: the tasks' functions on the fakes and a SQLite store.
The shrink guard holds an answer that empties an occasion, removes more than the share allowed or
takes anyone off an active test, writing nothing of that occasion; a coordinator's approval of the
codes shown lets it through, a removal beyond them is held again; a register that is down fails
the sync with nothing written; codes once given never change; two batches under way at once read
the register one after the other."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from integrations.http import Unavailable
from models.approvals import ApprovalRequest
from models.domain import RegisteredStudent, Role
from store import approvals, audit, occasions, registrations
from store.db import transaction
from tasks import platform_results
from tasks.registration import (
    push_to_platform,
    read_ahead,
    record_shrink_decision,
    start_shrink_review,
    sync_from_register,
)
from tests.fakes import FakeSystems
from tests.fakes.worlds import planned_exam


def by_size(fakes: FakeSystems) -> list[str]:
    """The term's occasions, most registrations first."""
    sizes = {uid: len(fakes.ladok.registered_many([uid])[uid]) for uid in fakes.ladok.occasions}
    return sorted(sizes, key=sizes.__getitem__, reverse=True)


def registered(occasion: str) -> set[str]:
    with transaction() as session:
        return {r.student_uid for r in registrations.registered(session, occasion_id=occasion)}


def on_platform(fakes: FakeSystems, occasion: str) -> set[str]:
    test_id = platform_results.platform_test_id(occasion)
    return {c.external_user_id for c in fakes.inspera.list_candidates(test_id)}


def codes_of(occasion: str, students: set[str]) -> list[str]:
    with transaction() as session:
        codes = registrations.codes(session, occasion_id=occasion)
    return sorted(codes[s] for s in students)


def deregister(fakes: FakeSystems, occasion: str, students: set[str]) -> None:
    for student in students:
        fakes.deregister_student(occasion, student)


def test_a_small_change_is_applied_in_the_store_and_on_the_platform(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    before = registered(occasion)
    gone = set(sorted(before)[:1])
    deregister(fakes, occasion, gone)
    summary = sync_from_register.fn([occasion])
    pushed = push_to_platform.fn([occasion])
    assert (summary.removals, summary.held, pushed.removed) == (1, [], 1)
    assert registered(occasion) == before - gone == on_platform(fakes, occasion)


@pytest.mark.parametrize(
    ("share", "reason"),
    [
        (1.0, "the register answered no students where we hold {held}"),
        (0.5, "{removals} of {held} registrations (50%) would be removed, more than 10%"),
    ],
)
def test_an_answer_that_empties_or_halves_an_occasion_is_held_and_nothing_of_it_written(
    fakes: FakeSystems, share: float, reason: str
) -> None:
    held_one, other = (planned_exam(fakes, uid) for uid in by_size(fakes)[:2])
    before = registered(held_one)
    gone = set(sorted(before)[: int(len(before) * share)])
    deregister(fakes, held_one, gone)
    new = next(uid for uid in fakes.ladok.students if uid not in registered(other))
    fakes.register_student(other, new)
    summary = sync_from_register.fn([held_one, other])
    assert [(h.occasion_id, h.removals, h.held) for h in summary.held] == [(held_one, len(gone), len(before))]
    assert summary.held[0].reason == reason.format(removals=len(gone), held=len(before))
    assert summary.held[0].codes == codes_of(held_one, gone)
    assert registered(held_one) == before and new in registered(other)
    with transaction() as session:
        events = audit.events(session, occasion_id=held_one, action="registrations.held")
    assert [set(e.detail) for e in events] == [{"held", "answered", "removals", "reason"}]


def test_no_one_is_taken_off_an_active_test_without_a_coordinator(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    before = registered(occasion)
    deregister(fakes, occasion, set(sorted(before)[:1]))
    with transaction() as session:
        occasions.set_status(session, occasion_id=occasion, status="active")
    summary = sync_from_register.fn([occasion])
    assert summary.held[0].reason.startswith("the test is active")
    assert registered(occasion) == before == on_platform(fakes, occasion)


def test_an_approved_removal_is_applied_and_one_beyond_it_is_held_again(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    before = registered(occasion)
    first, then = set(sorted(before)[:10]), set(sorted(before)[10:11])
    deregister(fakes, occasion, first | then)
    approved = {occasion: codes_of(occasion, first)}
    again = sync_from_register.fn([occasion], approved)
    assert again.held[0].removals == 11 and registered(occasion) == before
    shown = again.held[0]
    applied = sync_from_register.fn([occasion], {occasion: shown.codes})
    assert (applied.removals, applied.held) == (11, [])
    assert registered(occasion) == before - first - then
    record_shrink_decision.fn(shown, approver_id="staff-coordinator-1", applied=True)
    with transaction() as session:
        decided = audit.events(session, occasion_id=occasion, action="registrations.shrink-applied")
    assert [(e.actor, e.detail["removals"]) for e in decided] == [("staff-coordinator-1", 11)]


def test_no_second_review_is_started_while_one_waits(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    request = ApprovalRequest(
        key="waiting-review",
        occasion_id=occasion,
        kind="registration-shrink-1",
        role=Role.COORDINATOR,
        title="a review left waiting",
        flow_run_id="an-earlier-review-run",
    )
    with transaction() as session:
        approvals.open_approval(session, request=request, now=datetime.now(UTC))
    assert start_shrink_review.fn(occasion, chain=False) == "an-earlier-review-run"


def test_a_register_that_is_down_fails_the_sync_with_nothing_written(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    before = registered(occasion)
    fakes.deregister_student(occasion, sorted(before)[0])
    fakes.unavailable("ladok", calls=1)
    with pytest.raises(Unavailable, match="ladok"):
        sync_from_register.fn([occasion])
    assert registered(occasion) == before
    assert sync_from_register.fn([occasion]).removals == 1  # the next try goes through


def test_codes_once_given_never_change_and_a_newcomer_keeps_the_registers_code(fakes: FakeSystems) -> None:
    occasion = planned_exam(fakes, by_size(fakes)[0])
    with transaction() as session:
        first = registrations.codes(session, occasion_id=occasion)
    newcomer = next(uid for uid in fakes.ladok.students if uid not in first)
    code = fakes.register_student(occasion, newcomer)
    assert sync_from_register.fn([occasion]).adds == 1
    with transaction() as session:
        after = registrations.codes(session, occasion_id=occasion)
    assert after == {**first, newcomer: code}


def test_the_next_batch_is_started_before_one_is_taken_and_outcomes_come_in_order() -> None:
    started: list[int] = []
    taken_after: list[list[int]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:

        def start(batch: int) -> Future[int]:
            started.append(batch)
            return pool.submit(lambda: batch * 10)

        for batch, outcome in read_ahead([1, 2, 3], start):
            taken_after.append(list(started))
            assert outcome == batch * 10
    assert taken_after == [[1, 2], [1, 2, 3], [1, 2, 3]]  # never more than two under way


def test_two_batches_at_once_read_the_register_one_after_the_other(
    fakes: FakeSystems, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The register sees one batch's calls at a time (each within its client's concurrency), the
    second batch's read overlapping only the first one's store; both are stored whole."""
    first, second = (planned_exam(fakes, uid, synced=False) for uid in by_size(fakes)[:2])
    reading: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    read = fakes.ladok.registered_many

    def slow_read(occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        reading.extend(occasion_uids)
        overlaps.append(tuple(reading))
        time.sleep(0.05)  # long enough for a second batch's read to start meanwhile, were it free to
        found = read(occasion_uids)
        for uid in occasion_uids:
            reading.remove(uid)
        return found

    monkeypatch.setattr(fakes.ladok, "registered_many", slow_read)
    with ThreadPoolExecutor(max_workers=2) as pool:
        synced = list(read_ahead([[first], [second]], lambda b: pool.submit(sync_from_register.fn, b)))
    # never two reads at once; which batch's thread takes the register first is the scheduler's
    assert sorted(overlaps) == sorted([(first,), (second,)])
    assert [s.adds for _, s in synced] == [len(read([first])[first]), len(read([second])[second])]
    assert registered(first) and registered(second)
