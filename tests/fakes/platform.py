"""The exam platform (Inspera) in memory, as `simulators/inspera.py` behaves at the Protocol's level:
tests by external id, a test's times changeable only while SCHEDULED, security options frozen once
it is active, candidates added in requests of at most 1,500 (a removed one comes back with its old
id), status moving SCHEDULED → ACTIVE → FINISHED → GRADING_IN_PROGRESS → GRADED and no earlier than the
deadline allows, committees set the same twice changing nothing, and the AllResults export of what
was played (`simulators.exam_play`: a test is played as it is set ACTIVE, as with `--autoplay`),
each essay scored by the graders of the candidate's committee, or of a file a test loaded; incident
time only while ACTIVE and before the candidate's end, PDFs attached to a submission once active."""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from pydantic import SecretStr

from integrations.http import AlreadyDone
from integrations.inspera_answers import parse_export
from models.domain import PlatformCandidate, PlatformCommittee, PlatformTest
from models.exam_day import PlatformAttachment
from models.fs_transfer import PlatformTransfer
from models.results import ResultsExport
from models.security import ExamSecurity
from models.systems import INSPERA
from simulators.exam_play import Grader, Sitter, absent_line, graded_line, max_total, play_exam
from tests.fakes.base import FakeConnection, Outages

MAX_CANDIDATES_PER_REQUEST = 1500
PINCODE = re.compile(r"(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9]{6,8}")  # the SEB password
QUIT_CODE = re.compile(r"[A-Za-z0-9]{1,8}")  # the invigilator password
TRANSITIONS = {
    ("SCHEDULED", "ACTIVE"),
    ("ACTIVE", "FINISHED"),
    ("FINISHED", "GRADING_IN_PROGRESS"),
    ("GRADING_IN_PROGRESS", "GRADED"),
}
STATUSES = ("SCHEDULED", "ACTIVE", "FINISHED", "GRADING_IN_PROGRESS", "GRADED")
AUTH_TYPE = "FEIDE"  # the authType examflow's candidates are sent with


@dataclass
class HeldTest:
    """A test and what the platform holds on it; candidates by external user id."""

    test: PlatformTest
    duration_minutes: int
    security: dict[str, Any] = field(default_factory=dict)
    candidates: dict[str, PlatformCandidate] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    played: dict[int, dict[str, Any]] = field(default_factory=dict)  # export lines by candidate id
    committees: dict[str, str] = field(default_factory=dict)  # candidate's external id → committee
    graders: dict[str, tuple[Grader, frozenset[str]]] = field(default_factory=dict)  # by staff id
    loaded_export: dict[str, Any] | None = None
    transferred: dict[str, Any] | None = None  # the answer of its one transfer to FS
    fs_drop: set[str] = field(default_factory=set)  # the transfer's faults: codes it drops silently
    fs_change: dict[str, str] = field(default_factory=dict)  # and codes whose grade it changes
    incident: dict[str, int] = field(default_factory=dict)  # minutes by external id
    # files attached to submissions, by (external id, file name)
    attached: dict[tuple[str, str], PlatformAttachment] = field(default_factory=dict)

    def present(self) -> list[PlatformCandidate]:
        listed = [c for ext, c in self.candidates.items() if ext not in self.removed]
        return sorted(listed, key=lambda c: int(c.candidate_id))


class FakeInspera(FakeConnection):
    system = INSPERA.name

    def __init__(
        self, outages: Outages, *, autoplay: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(outages)
        self.autoplay = autoplay
        self.clock = clock
        self.tests: dict[str, HeldTest] = {}  # by test id
        # into FS: unit id, grades; the candidates FS refused
        self.deliver: Callable[[str, dict[str, str]], list[str]] = _nowhere
        self.created = 0  # tests ever created: a deleted test's id is not given again

    # -- the Protocol ----------------------------------------------------------------------------

    def upsert_test(
        self,
        *,
        external_test_id: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        duration_minutes: int,
    ) -> PlatformTest:
        self.called()
        starts, ends = _utc(starts_at), _utc(ends_at)
        if ends <= starts:
            raise self.refused(400, "endTime must be after startTime")
        old = self._by_external(external_test_id)
        if old is None:
            self.created += 1
            test_id = str(self.created)
            new = PlatformTest(
                test_id=test_id,
                external_id=external_test_id,
                title=title,
                status="SCHEDULED",
                starts_at=starts,
                ends_at=ends,
            )
            self.tests[test_id] = HeldTest(new, duration_minutes)
            return new
        changed = old.test.model_copy(update={"title": title, "starts_at": starts, "ends_at": ends})
        if (changed, duration_minutes) != (old.test, old.duration_minutes) and old.test.status != "SCHEDULED":
            raise self.refused(
                409, f"test {old.test.test_id} is {old.test.status}: only a SCHEDULED test can be changed"
            )
        old.test, old.duration_minutes = changed, duration_minutes
        return changed

    def find_test(self, external_test_id: str) -> PlatformTest | None:
        self.called()
        found = self._by_external(external_test_id)
        return None if found is None else found.test

    def get_test(self, test_id: str) -> PlatformTest:
        self.called()
        return self._test(test_id).test

    def set_security_options(self, test_id: str, security: ExamSecurity) -> None:
        self.called()
        test = self._test(test_id)
        options: dict[str, Any] = {"LOCKDOWN_BROWSER": security.lockdown_browser}
        for name, value, rule, problem in (
            (
                "SEB_SETTINGS_PINCODE",
                security.start_password,
                PINCODE,
                "6-8 ASCII letters and digits, at least one of each",
            ),
            ("LOCKDOWN_QUIT_CODE", security.quit_password, QUIT_CODE, "1-8 ASCII letters or digits"),
        ):
            if value is not None:
                if not rule.fullmatch(value.get_secret_value()):
                    raise self.refused(400, f"{name} must be {problem}")
                options[name] = value.get_secret_value()
        if test.test.status != "SCHEDULED":
            raise self.refused(
                409, f"security settings are frozen once the test is activated (test is {test.test.status})"
            )
        test.security |= options

    def security_options(self, test_id: str) -> ExamSecurity:
        self.called()
        held = self._test(test_id).security
        start, quit_code = held.get("SEB_SETTINGS_PINCODE"), held.get("LOCKDOWN_QUIT_CODE")
        return ExamSecurity(
            lockdown_browser=bool(held.get("LOCKDOWN_BROWSER", False)),
            start_password=SecretStr(start) if start else None,
            quit_password=SecretStr(quit_code) if quit_code else None,
        )

    def list_candidates(self, test_id: str) -> list[PlatformCandidate]:
        self.called()
        return self._test(test_id).present()

    def add_candidates(self, test_id: str, candidates: Iterable[PlatformCandidate]) -> None:
        """In requests of at most 1,500, as the client sends them (none: no request at all)."""
        self.called()
        iterator = iter(candidates)
        while chunk := list(islice(iterator, MAX_CANDIDATES_PER_REQUEST)):
            test = self._test(test_id)
            ids = [c.external_user_id for c in chunk]
            if len(set(ids)) != len(ids):
                raise self.refused(400, "the same externalUserId appears twice in one request")
            for candidate in chunk:
                _upsert(test, candidate)

    def remove_candidates(self, test_id: str, external_user_ids: Iterable[str]) -> None:
        self.called()
        if leaving := set(external_user_ids):
            test = self._test(test_id)
            test.removed |= leaving & set(test.candidates)

    def delete_candidates(self, test_id: str, external_user_ids: Iterable[str]) -> int:
        self.called()
        test = self.tests.get(test_id)
        if test is None:
            return 0
        gone = set(external_user_ids) & set(test.candidates)
        for external_id in gone:
            test.played.pop(int(test.candidates.pop(external_id).candidate_id), None)
            test.committees.pop(external_id, None)
        test.removed -= gone
        return len(gone)

    def delete_test(self, test_id: str) -> bool:
        self.called()
        test = self.tests.get(test_id)
        if test is not None and test.test.status == "ACTIVE":
            raise self.refused(409, f"test {test_id} is ACTIVE: a running test cannot be deleted")
        return self.tests.pop(test_id, None) is not None

    def set_status(self, test_id: str, status: str) -> PlatformTest:
        self.called()
        test = self._test(test_id)
        old = test.test.status
        if status not in STATUSES:
            raise self.refused(400, f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        if old == status:
            return test.test
        if (old, status) not in TRANSITIONS:
            raise self.refused(409, f"illegal status change from {old} to {status}")
        if status in ("FINISHED", "GRADING_IN_PROGRESS") and self.clock() < test.test.ends_at.timestamp():
            raise self.refused(409, f"{status} only after the deadline {test.test.ends_at.isoformat()}")
        test.test = test.test.model_copy(update={"status": status})
        if status == "ACTIVE" and self.autoplay:
            # seeded by the external id, so a test plays the same whichever is created first
            self.play(test_id, seed=zlib.crc32(test.test.external_id.encode()))
        return test.test

    def export_results(self, test_id: str) -> ResultsExport:
        self.called()
        test = self._test(test_id)
        data = test.loaded_export if test.loaded_export is not None else _export(test)
        return parse_export(json.loads(json.dumps(data)), test_id)  # the file as it travels

    def set_committees(self, test_id: str, committees: Sequence[PlatformCommittee]) -> None:
        """As the client sets them: the committees made, each grader's committees replaced by the
        ones of this call they sit on, each candidate moved into their committee."""
        self.called()
        if not committees:
            return
        test = self._test(test_id)
        present = {c.external_user_id for c in test.present()}
        for committee in committees:
            if unknown := sorted(set(committee.external_user_ids) - present):
                raise self.refused(
                    400, f"externalUserIds: {len(unknown)} not candidates on test {test_id}: {unknown[:20]}"
                )
        for grader in {g.staff_id: g for c in committees for g in c.graders}.values():
            sits = frozenset(c.name for c in committees if grader in c.graders)
            test.graders[grader.staff_id] = (Grader(grader.staff_id, _shown_name(grader.name)), sits)
        for committee in committees:
            test.committees |= dict.fromkeys(committee.external_user_ids, committee.name)

    def set_incident_time(self, test_id: str, external_user_id: str, minutes: int) -> int:
        self.called()
        test = self._test(test_id)
        candidate = self._candidate(test, external_user_id)
        if not 0 <= minutes <= 2880:
            raise self.refused(400, "incidentTimeMins must be 0 to 2880")
        if test.test.status != "ACTIVE":
            raise self.refused(
                409, f"incident time only while the test is ACTIVE (test is {test.test.status})"
            )
        held = test.incident.get(external_user_id, 0)
        ends = test.test.ends_at + timedelta(minutes=candidate.extra_time_minutes + held)
        if self.clock() >= ends.timestamp():
            raise self.refused(409, f"the candidate's time ended at {ends.isoformat()}")
        test.incident[external_user_id] = minutes
        return minutes

    def attach_file(self, test_id: str, external_user_id: str, *, name: str, content: bytes) -> str:
        self.called()
        test = self._test(test_id)
        self._candidate(test, external_user_id)
        if test.test.status == "SCHEDULED":
            raise self.refused(409, "files are attached to a submission once the test is activated")
        if not content.startswith(b"%PDF-"):
            raise self.refused(400, f"{name}: only PDF files are attached")
        old = test.attached.get((external_user_id, name))
        attachment_id = (
            old.attachment_id if old else str(1 + sum(len(t.attached) for t in self.tests.values()))
        )
        test.attached[(external_user_id, name)] = PlatformAttachment(
            attachment_id=attachment_id, external_user_id=external_user_id, name=name, content=content
        )
        return attachment_id

    def attachments(self, test_id: str) -> list[PlatformAttachment]:
        self.called()
        return sorted(self._test(test_id).attached.values(), key=lambda a: int(a.attachment_id))

    # -- steering, as the stand-in's /_sim endpoints ----------------------------------------------

    def play(
        self,
        test_id: str,
        *,
        seed: int = 0,
        absent_rate: float = 0.05,
        incident_rate: float = 0.03,
        questions: int = 12,
    ) -> None:
        """Plays the exam for the test's present candidates (`simulators.exam_play`)."""
        test = self._test(test_id)
        played = play_exam(
            [_sitter(c) for c in test.present()],
            starts_at=test.test.starts_at,
            duration_minutes=test.duration_minutes,
            seed=seed,
            absent_rate=absent_rate,
            incident_rate=incident_rate,
            question_count=questions,
        )
        test.played = {line["ext_inspera_candidateId"]: line for line in played.results}

    def load_export(self, test_id: str, export: dict[str, Any]) -> None:
        """Serves this AllResults file as the test's export from now on."""
        self._test(test_id).loaded_export = export

    def transfer_to_fs(self, test_id: str, grades: Mapping[str, str]) -> PlatformTransfer:
        """As the stand-in: once only, a graded test only, the faults set on the test applied, the
        results recorded in FS's unit of the test's external id (`deliver`, set by FakeSystems)."""
        self.called()
        test = self._test(test_id)
        if test.transferred is not None:
            raise AlreadyDone(
                self.system,
                409,
                f"already_transferred: the results of test {test_id} were transferred to FS already",
            )
        if test.test.status not in ("GRADING_IN_PROGRESS", "GRADED"):
            raise self.refused(
                409, f"test {test_id} is {test.test.status}: only a graded test is transferred to FS"
            )
        codes = {c.candidate_code for c in test.present()}
        known = {c: g for c, g in grades.items() if c in codes}
        sent = {c: test.fs_change.get(c, g) for c, g in known.items() if c not in test.fs_drop}
        refused = self.deliver(test.test.external_id, sent)  # a dropped one counts as sent: silent
        failed = tuple(sorted((set(grades) - codes) | set(refused)))
        test.transferred = {"transferred": len(known) - len(refused), "failedCandidates": list(failed)}
        return PlatformTransfer(transferred=len(known) - len(refused), failed=failed)

    # -- inside ----------------------------------------------------------------------------------

    def fs_transfer_faults(
        self, test_id: str, *, drop: Iterable[str] = (), change: Mapping[str, str] | None = None
    ) -> None:
        """The test's transfer to FS will drop these candidates silently and change these grades."""
        test = self._test(test_id)
        test.fs_drop, test.fs_change = set(drop), dict(change or {})

    def _test(self, test_id: str) -> HeldTest:
        if not test_id.isdigit():
            raise self.refused(400, f"test_id: {test_id!r} is not a test id")
        if test_id not in self.tests:
            raise self.refused(404, f"test {test_id} not found")
        return self.tests[test_id]

    def _candidate(self, test: HeldTest, external_user_id: str) -> PlatformCandidate:
        if external_user_id not in test.candidates or external_user_id in test.removed:
            raise self.refused(
                404, f"externalUserId {external_user_id} is not a candidate on test {test.test.test_id}"
            )
        return test.candidates[external_user_id]

    def _by_external(self, external_test_id: str) -> HeldTest | None:
        return next((t for t in self.tests.values() if t.test.external_id == external_test_id), None)


def _nowhere(unit_id: str, grades: dict[str, str]) -> list[str]:
    raise LookupError(f"no FS to deliver the results of {unit_id} to")


def _utc(moment: datetime) -> datetime:
    """As the platform keeps a time: UTC, a naive one taken as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _upsert(test: HeldTest, candidate: PlatformCandidate) -> None:
    """Adds a candidate or updates a known one; a removed one comes back with its id and code."""
    old = test.candidates.get(candidate.external_user_id)
    candidate_id = (
        old.candidate_id
        if old
        else str(1 + max((int(c.candidate_id) for c in test.candidates.values()), default=0))
    )
    code = candidate.candidate_code or (old.candidate_code if old else f"{int(candidate_id):04d}")
    test.candidates[candidate.external_user_id] = candidate.model_copy(
        update={"candidate_id": candidate_id, "candidate_code": code}
    )
    test.removed.discard(candidate.external_user_id)


def _shown_name(name: str) -> str:
    """A grader's name as the platform shows it: the client sends it split at the last space."""
    first, _, last = name.strip().rpartition(" ")
    return f"{first or last} {last if first else ''}".strip()


def _sitter(candidate: PlatformCandidate) -> Sitter:
    ids = ({"authType": AUTH_TYPE, "externalUserId": candidate.external_user_id},)
    return Sitter(int(candidate.candidate_id), ids, candidate.extra_time_minutes)


def _export(test: HeldTest) -> dict[str, Any]:
    """The AllResults file: each present candidate's played line, essays scored by the graders of
    their committee; a candidate who did not play is absent."""
    questions: list[dict[str, Any]] = next(
        (line["ext_inspera_questions"] for line in test.played.values() if line["ext_inspera_questions"]), []
    )
    lines = []
    for candidate in test.present():
        line = test.played.get(int(candidate.candidate_id))
        if line is None:
            lines.append(absent_line(_sitter(candidate), questions))
        else:
            lines.append(graded_line(line, _graders_of(test, candidate.external_user_id)))
        held = {"ext_inspera_extraTimeMins": candidate.extra_time_minutes}  # as it is now, not at the play
        if candidate.external_user_id in test.incident:
            held["ext_inspera_incidentTimeMins"] = test.incident[candidate.external_user_id]
        lines[-1] = lines[-1] | held
    return {
        "lineItemSourcedId": test.test.test_id,
        "ext_inspera_assessmentRunTitle": test.test.title,
        "ext_inspera_assessmentRunExternalId": test.test.external_id,
        "ext_inspera_maxTotalScore": max_total(questions),
        "ext_inspera_candidates": [{"result": line} for line in lines],
    }


def _graders_of(test: HeldTest, external_user_id: str) -> list[Grader]:
    committee = test.committees.get(external_user_id)
    return [grader for _, (grader, sits) in sorted(test.graders.items()) if committee in sits]
