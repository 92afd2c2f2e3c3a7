"""What examflow needs of each outside system. Clients implement these; tests and the demo
run them against the stand-ins in `simulators/` over real HTTP."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol, Self

from models.distance import Announcement
from models.domain import (
    Accommodation,
    ArchivedDocument,
    GradingInformation,
    PlatformCandidate,
    PlatformCommittee,
    PlatformTest,
    RegisterCourseRound,
    RegisterDraft,
    RegisteredStudent,
    RegisterEvents,
    RegisterOccasion,
    RegisterRequest,
    SimilarityReport,
    StudyResult,
)
from models.exam_day import PlatformAttachment
from models.fs_transfer import FsResult, PlatformTransfer
from models.register_marks import AppealMark, JustificationMark
from models.results import ResultsExport
from models.security import ExamSecurity


class Connection(Protocol):
    """Every system is reached through a connection opened per use and closed after:
    `with systems.platform() as platform: ...`."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class StudentRegister(Connection, Protocol):
    """The register of a country's exams (Sweden: Ladok; Norway: FS): occasions (dates only),
    course rounds, students, study results, the accommodations it holds and result drafts."""

    def get_occasion(self, occasion_uid: str) -> RegisterOccasion: ...

    def get_course_round(self, course_round_uid: str) -> RegisterCourseRound: ...

    def search_study_results(self, occasion_uid: str) -> list[StudyResult]:
        """Every study result on the occasion, all pages, ordered (paged `sok`)."""
        ...

    def registered_many(self, occasion_uids: Sequence[str]) -> dict[str, list[RegisteredStudent]]:
        """Who is registered on each occasion (the same searches as `search_study_results`, as light
        rows), over pooled, concurrent connections."""
        ...

    def find_students(self, *, national_ids: Sequence[str] = (), uids: Sequence[str] = ()) -> dict[str, str]:
        """The register's student uid for each personnummer or student uid it knows, keyed by
        what was asked. (The register holds no accommodations: Swedish decisions on support come
        from the coordinator, see `flows/accommodations.py`.)"""
        ...

    def accommodations(self, occasion_uid: str) -> list[Accommodation]:
        """The accommodations the register has granted for the occasion, one per student: FS's
        granted applications (Eksamenstilpasningssoknad); none in Ladok, which holds none."""
        ...

    def grading_information(self, occasion_uid: str) -> GradingInformation | None:
        """The register's grading deadline, publication date and commissions (FS's
        `sensurinformasjon`); None where the register keeps none (Ladok)."""
        ...

    def registration_events(self, after: str | None) -> RegisterEvents:
        """The registrations made and withdrawn since the cursor `after` (None: since the register's
        first), all pages, oldest first, and the cursor to go on from: FS's `studenthendelser`.
        Ladok's answer is empty (the nightly sync covers Sweden) and keeps the cursor."""
        ...

    def create_draft(
        self,
        *,
        study_result_uid: str,
        module_uid: str,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
    ) -> RegisterDraft: ...

    def update_draft(
        self,
        *,
        draft: RegisterDraft,
        scale_id: int,
        grade_id: int,
        exam_date: date,
        idempotency_key: str,
    ) -> RegisterDraft:
        """Sends `draft.version` back as it was read; raises `StaleVersion` when the register
        refuses it as stale."""
        ...


class RequestRegister(Connection, Protocol):
    """FS-style register (Norway): the requests for justification and the appeals it holds."""

    def requests(self, assessment_unit_id: str) -> list[RegisterRequest]:
        """Every request of the assessment unit (the occasion), of both kinds, all pages."""
        ...

    def results(self, assessment_unit_id: str) -> list[FsResult]:
        """FS's recorded results on the unit (`Vurderingsenhet.resultater`), valid or not: what
        the platform's transfer and the exam office's imports left there."""
        ...

    def mark_appeal(self, assessment_unit_id: str, candidate: str, received_on: date) -> AppealMark:
        """Registers the candidate's appeal (the one held is kept); the old result is marked under appeal."""
        ...

    def close_appeal(self, appeal_id: str) -> AppealMark:
        """The new grading is registered: the appeal decided, its old result's mark lifted."""
        ...

    def register_justification(
        self, assessment_unit_id: str, candidate: str, requested_on: date, given_on: date
    ) -> JustificationMark:
        """Registers the candidate's justification as given."""
        ...


class ExamPlatform(Connection, Protocol):
    """Inspera-style exam platform."""

    def upsert_test(
        self,
        *,
        external_test_id: str,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        duration_minutes: int,
    ) -> PlatformTest: ...

    def find_test(self, external_test_id: str) -> PlatformTest | None: ...

    def get_test(self, test_id: str) -> PlatformTest: ...

    def set_security_options(self, test_id: str, security: ExamSecurity) -> None: ...

    def security_options(self, test_id: str) -> ExamSecurity:
        """The test's security options as the platform holds them (read back after a write)."""
        ...

    def list_candidates(self, test_id: str) -> list[PlatformCandidate]: ...

    def add_candidates(self, test_id: str, candidates: Iterable[PlatformCandidate]) -> None:
        """Adds or updates (extra time) candidates, in chunks the platform accepts (≤ 1,500)."""
        ...

    def remove_candidates(self, test_id: str, external_user_ids: Iterable[str]) -> None: ...

    def set_status(self, test_id: str, status: str) -> PlatformTest:
        """ACTIVE, FINISHED (closed for submissions), GRADING_IN_PROGRESS (open for assessment) or
        GRADED (its grades final)."""
        ...

    def export_results(self, test_id: str) -> ResultsExport:
        """Orders the AllResults export job, polls it to success and parses the file."""
        ...

    def set_committees(self, test_id: str, committees: Sequence[PlatformCommittee]) -> None:
        """Creates the grading committees with their graders (contributors) and moves each
        committee's candidates into it; the same call twice changes nothing."""
        ...

    def transfer_to_fs(self, test_id: str, grades: Mapping[str, str]) -> PlatformTransfer:
        """Sets the final grades (FS's name of each, by candidate number) on the test and runs the
        platform's own transfer of them to FS. Once only: a second raises `AlreadyDone`."""
        ...

    def set_incident_time(self, test_id: str, external_user_id: str, minutes: int) -> int:
        """Sets the candidate's incident extra time to `minutes` in all (the same call twice
        changes nothing); only while the test is active and before the candidate's end. Returns
        the minutes the platform holds."""
        ...

    def attach_file(self, test_id: str, external_user_id: str, *, name: str, content: bytes) -> str:
        """Attaches a PDF to the candidate's submission, for the graders; the same name again
        replaces it. Returns the attachment's id."""
        ...

    def attachments(self, test_id: str) -> list[PlatformAttachment]:
        """Every file attached to the test's submissions, with its bytes."""
        ...

    def delete_candidates(self, test_id: str, external_user_ids: Iterable[str]) -> int:
        """Deletes the candidates with their answers and results; how many the test held (0 once
        the test is gone)."""
        ...

    def delete_test(self, test_id: str) -> bool:
        """Deletes the test and all it holds; False when it was gone already."""
        ...


class RecordsArchive(Connection, Protocol):
    """Noark 5 archive (ePhorte): one case file (saksmappe) per exam in the exam series (arkivdel);
    each document a registry entry (journalpost) of its kind's type, holding one main document
    (dokumentbeskrivelse) and its file (dokumentobjekt) with the file's size and SHA-256."""

    def case_file(self, *, title: str) -> str:
        """The systemID of the series' case file with this title, made if there is none."""
        ...

    def file_document(
        self, *, case_id: str, kind: str, title: str, filename: str, content: bytes, mime_type: str
    ) -> ArchivedDocument:
        """Files one document as a new registry entry; `kind` (paper, sketch, protocol,
        justification, appeal, record) decides the entry's type. The archive checks the bytes
        against the declared size and checksum and never overwrites a file."""
        ...

    def documents(self, case_id: str) -> list[ArchivedDocument]:
        """Every document filed in the case, with the archive's own size and checksum."""
        ...

    def download(self, document_id: str) -> bytes: ...


class SimilarityService(Connection, Protocol):
    """Urkund/Ouriginal-style similarity checks of text answers."""

    def submit(self, *, reference: str, text: str) -> str:
        """Submits one document; returns its id. The same `reference` returns the same id."""
        ...

    def report(self, document_id: str) -> SimilarityReport:
        """The document's report: pending until the service has checked it."""
        ...


class LearningPlatform(Connection, Protocol):
    """Canvas-style learning platform: the announcements on a course, which its students read."""

    def announcements(self, course_id: str) -> list[Announcement]:
        """Every announcement of the course, all pages."""
        ...

    def announce(self, course_id: str, *, title: str, message: str) -> tuple[Announcement, bool]:
        """The course's announcement with this title, posted unless it is already there; True when
        this call posted it. The same announcement twice is posted once."""
        ...
