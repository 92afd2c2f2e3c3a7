"""Norway's results into FS, fast: a Norwegian exam graded on the fake platform, transferred by the
platform's once-only transfer into the fake FS, read back and reconciled by candidate number. A clean
transfer confirms every grade; one that drops or changes results has them listed, audited and their
ledger rows failed; a second transfer is refused by the platform and the read-back still tells the
truth; a new grade after an appeal goes as a protocol file and is confirmed by the same read-back;
the checks before refuse a grade FS's scale lacks and a candidate graded without a commission."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from integrations.http import AlreadyDone
from models.fs_transfer import Discrepancy, FsAction
from models.grading import CommitteeRule, GradingSettings
from models.settings import get_settings
from rules.transfer import TransferRefused
from store import transfer
from store.db import transaction
from store.schema import AuditEvent, CommitteeCandidate, Grade, Occasion, TransferLedgerEntry
from tasks.fs_protocol import confirm_protocol, write_protocol
from tasks.fs_transfer import (
    check_before_fs_transfer,
    graded,
    preview_fs_transfer,
    read_back,
    through_platform,
    transfer_through_platform,
)
from tasks.platform_results import platform_test_id
from tests.fakes import FakeSystems
from tests.fakes.worlds import graded_exam

RULE = GradingSettings(committee=CommitteeRule(graders=2, min_external=1))


@pytest.fixture
def occasion(fakes: FakeSystems) -> str:
    uid = max(fakes.ladok.occasions, key=lambda o: len(fakes.ladok.registered_many([o])[o]))
    graded_exam(fakes, uid, RULE)  # its unit in FS, the register of a Norwegian exam
    return uid


def protocol_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8")), delimiter=";"))


def in_fs(fakes: FakeSystems, occasion: str) -> dict[str, str | None]:
    return {r.candidate: r.grade for r in fakes.fs.results(occasion) if r.valid}


def approved(occasion: str) -> dict[str, str]:
    return {g.candidate: g.grade for g in graded(occasion)}


def actions(occasion: str, action: str) -> list[dict[str, object]]:
    with transaction() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.occasion_id == occasion, AuditEvent.action == action)
        )
        return [dict(e.detail) for e in rows]


def ledger(occasion: str) -> dict[str, int]:
    with transaction() as session:
        return transfer.counts(session, occasion_id=occasion)


def status(occasion: str) -> str:
    with transaction() as session:
        return session.get(Occasion, occasion).status  # type: ignore[union-attr]


def test_a_norwegian_exam_goes_through_the_platform_and_a_swedish_one_does_not(
    fakes: FakeSystems, occasion: str
) -> None:
    assert through_platform(occasion)
    with transaction() as session:
        session.execute(update(Occasion).where(Occasion.id == occasion).values(country="SE"))
    assert not through_platform(occasion)


def test_a_clean_transfer_is_confirmed_in_fs_for_every_candidate(fakes: FakeSystems, occasion: str) -> None:
    checked = check_before_fs_transfer.fn(occasion)
    preview = preview_fs_transfer.fn(occasion)
    assert {i.action for i in preview} == {FsAction.NEW} and len(preview) == checked["graded"] > 0
    assert in_fs(fakes, occasion) == {}, "the preview writes nothing"
    answer = transfer_through_platform.fn(occasion)
    assert answer is not None and (answer.transferred, answer.failed) == (len(preview), ())
    checks = read_back.fn(occasion)
    assert [c.discrepancy for c in checks] == [None] * len(preview)
    assert in_fs(fakes, occasion) == approved(occasion)
    assert ledger(occasion) == {"confirmed": len(preview)}
    assert status(occasion) == "transferred"
    assert actions(occasion, "results.fs-discrepancy") == []
    assert actions(occasion, "results.fs-reconciled")[0]["confirmed"] == len(preview)


def test_results_the_transfer_dropped_or_changed_are_listed_audited_and_failed(
    fakes: FakeSystems, occasion: str
) -> None:
    grades = approved(occasion)
    dropped, changed, *_ = sorted(grades)
    other = "A" if grades[changed] != "A" else "B"
    fakes.inspera.fs_transfer_faults(platform_test_id(occasion), drop=[dropped], change={changed: other})
    answer = transfer_through_platform.fn(occasion)
    assert answer is not None and answer.failed == (), "the platform does not say so"
    checks = {c.candidate: c for c in read_back.fn(occasion)}
    assert (checks[dropped].discrepancy, checks[dropped].found) == (Discrepancy.DROPPED, None)
    assert (checks[changed].discrepancy, checks[changed].found) == (Discrepancy.CHANGED, other)
    assert sum(c.discrepancy is None for c in checks.values()) == len(grades) - 2
    audited = {e["candidate"]: e for e in actions(occasion, "results.fs-discrepancy")}
    assert audited.keys() == {dropped, changed}
    assert (audited[changed]["sent"], audited[changed]["found"]) == (grades[changed], other)
    assert ledger(occasion) == {"confirmed": len(grades) - 2, "failed": 2}
    with transaction() as session:
        errors = set(
            session.scalars(select(TransferLedgerEntry.error).where(TransferLedgerEntry.status == "failed"))
        )
    assert errors == {
        f"dropped: FS holds no result where {grades[dropped]} is approved",
        f"changed: FS holds {other} where {grades[changed]} is approved",
    }
    assert status(occasion) == "transfer-incomplete"


def test_a_second_transfer_is_refused_by_the_platform_and_the_read_back_still_tells(
    fakes: FakeSystems, occasion: str
) -> None:
    test_id = platform_test_id(occasion)
    first = transfer_through_platform.fn(occasion)
    assert first is not None
    with pytest.raises(AlreadyDone, match="already"):
        fakes.inspera.transfer_to_fs(test_id, approved(occasion))
    assert transfer_through_platform.fn(occasion) is None  # a rerun: refused, audited, not raised
    assert [e["already_transferred"] for e in actions(occasion, "results.platform-transfer")] == [False, True]
    assert all(c.discrepancy is None for c in read_back.fn(occasion))


def test_a_new_grade_after_an_appeal_goes_as_a_protocol_file_confirmed_by_read_back(
    fakes: FakeSystems, occasion: str
) -> None:
    transfer_through_platform.fn(occasion)
    read_back.fn(occasion)
    grades = approved(occasion)
    candidate = sorted(grades)[0]
    new = "A" if grades[candidate] != "A" else "B"
    with transaction() as session:
        registration_id = next(g.registration_id for g in graded(occasion) if g.candidate == candidate)
        session.execute(update(Grade).where(Grade.registration_id == registration_id).values(grade=new))
    path = write_protocol.fn(occasion, [registration_id], "appeal-1", "new grade after appeal")
    assert path == Path(get_settings().home) / "fs" / "protocols" / f"{occasion}-appeal-1.csv"
    rows = protocol_rows(path)
    assert rows[0] == ["vurderingsenhet", "kandidatnummer", "karakter", "dato", "merknad"]
    assert rows[1][:3] == [occasion, candidate, new] and rows[1][4] == "new grade after appeal"
    not_yet = confirm_protocol.fn(occasion, registration_id)
    assert (not_yet.discrepancy, not_yet.found) == (Discrepancy.CHANGED, grades[candidate])
    fakes.fs.record_results(occasion, {rows[1][1]: rows[1][2]})  # the exam office imports the file
    confirmed = confirm_protocol.fn(occasion, registration_id)
    assert (confirmed.discrepancy, confirmed.found) == (None, new)
    assert in_fs(fakes, occasion)[candidate] == new
    assert [r.grade for r in fakes.fs.results(occasion) if r.candidate == candidate] == [
        grades[candidate],
        new,
    ]
    assert actions(occasion, "results.fs-protocol-written")[0]["grades"] == {candidate: new}


def test_what_the_transfer_dropped_goes_by_protocol_file_and_a_rerun_confirms_it(
    fakes: FakeSystems, occasion: str
) -> None:
    dropped = sorted(approved(occasion))[:2]
    fakes.inspera.fs_transfer_faults(platform_test_id(occasion), drop=dropped)
    transfer_through_platform.fn(occasion)
    wrong = [c for c in read_back.fn(occasion) if c.discrepancy is not None]
    assert sorted(c.candidate for c in wrong) == dropped and status(occasion) == "transfer-incomplete"
    path = write_protocol.fn(occasion, [c.registration_id for c in wrong], "transfer", "dropped")
    rows = protocol_rows(path)[1:]
    assert sorted(r[1] for r in rows) == dropped
    fakes.fs.record_results(occasion, {r[1]: r[2] for r in rows})  # the exam office imports the file
    assert transfer_through_platform.fn(occasion) is None  # the rerun: the platform refuses
    assert all(c.discrepancy is None for c in read_back.fn(occasion))
    assert status(occasion) == "transferred"
    assert ledger(occasion) == {"confirmed": len(approved(occasion))}
    assert sorted(e["candidate"] for e in actions(occasion, "results.fs-discrepancy")) == dropped  # kept


def test_a_grade_fs_has_no_such_grade_for_is_refused_before_anything_is_sent(
    fakes: FakeSystems, occasion: str
) -> None:
    candidate = sorted(approved(occasion))[0]
    with transaction() as session:
        registration_id = next(g.registration_id for g in graded(occasion) if g.candidate == candidate)
        session.execute(update(Grade).where(Grade.registration_id == registration_id).values(grade="FX"))
    with pytest.raises(TransferRefused, match=rf"does not have: \['{candidate} \(FX\)'\]"):
        check_before_fs_transfer.fn(occasion)
    assert in_fs(fakes, occasion) == {}


def test_a_candidate_graded_without_a_commission_is_refused(fakes: FakeSystems, occasion: str) -> None:
    candidate = sorted(approved(occasion))[0]
    registration_id = next(g.registration_id for g in graded(occasion) if g.candidate == candidate)
    with transaction() as session:
        session.execute(
            delete(CommitteeCandidate).where(CommitteeCandidate.registration_id == registration_id)
        )
    with pytest.raises(TransferRefused, match=rf"graded without a commission: \['{candidate}'\]"):
        check_before_fs_transfer.fn(occasion)
