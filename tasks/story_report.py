"""A candidate's story as people read it: the staff's markdown (by anonymisation code, words not
codes) and the file answering the student's request for access to their data (GDPR Art. 15: what
is held, where, why and until when), written under $EXAMFLOW_HOME/requests/."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from prefect import task

from models.settings import get_settings
from models.story import CandidateRows
from rules.story import StoryEvent, kept_until, timeline
from tasks.reports import markdown_table

# Per country: the law examinations are held under, and the archives law (docs/data-access.md).
EXAM_LAW = {"SE": "Högskoleförordningen (1993:100) 6 kap.", "NO": "universitets- og høyskoleloven"}
ARCHIVE_LAW = {"SE": "Arkivlagen (1990:782)", "NO": "arkivlova"}
PUBLIC_TASK = "public task, GDPR Art. 6(1)(e): examination under {exam}"
ARCHIVING = "legal obligation, GDPR Art. 6(1)(c): {archive}"
FOR_GOOD = "for good (the register's and the archive's own rules)"

# What is held of a candidate: (data, where, why, legal basis, the retention kind or FOR_GOOD)
HELD = (
    (
        "Name, student id; national id and email where the register gave them",
        "examflow",
        "to register you for the exam and send you its notices",
        PUBLIC_TASK,
        "personal",
    ),
    (
        "Anonymisation code and registration",
        "examflow; the exam platform",
        "to grade you without your name",
        PUBLIC_TASK,
        "personal",
    ),
    (
        "Extra time and other support at the exam",
        "examflow; the exam platform",
        "to give you the support decided for you",
        PUBLIC_TASK,
        "personal",
    ),
    (
        "Your answers",
        "the exam platform; the records archive (your paper)",
        "to grade, justify and review your grade",
        PUBLIC_TASK,
        "answers",
    ),
    (
        "Attendance, marks by question and each grader's scores",
        "examflow",
        "to set your grade and show how it was set",
        PUBLIC_TASK,
        "personal",
    ),
    ("Graders' notes on your paper", "examflow", "to justify your grade when you ask", PUBLIC_TASK, "notes"),
    (
        "Your grade, its approvals, a justification and an appeal",
        "examflow; the student register",
        "to decide and report your result",
        PUBLIC_TASK,
        "personal",
    ),
    (
        "Your grade as reported",
        "the student register",
        "the register of study results",
        PUBLIC_TASK,
        FOR_GOOD,
    ),
    (
        "Documents filed in the exam's case, with their checksums",
        "the records archive",
        "to keep the exam's record",
        ARCHIVING,
        FOR_GOOD,
    ),
    (
        "Mails sent to you",
        "examflow's outbox",
        "to tell you of your results and requests",
        PUBLIC_TASK,
        "mails",
    ),
    (
        "Entries of the audit log naming you",
        "examflow",
        "to show who did what to your exam",
        PUBLIC_TASK,
        "audit",
    ),
)


@task(name="write-access-file", persist_result=False)
def write_access_file(rows: Sequence[CandidateRows], now: datetime) -> str:
    """The file answering the student's request; its path."""
    student = rows[0].student
    folder = get_settings().home / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9-]+", "-", student.uid)
    path: Path = folder / f"access-{name}-{now:%Y%m%dT%H%M%S}.md"
    path.write_text(access_text(rows, get_settings().retention, now), encoding="utf-8")
    return str(path)


def staff_markdown(rows: Sequence[CandidateRows], retention: Mapping[str, timedelta]) -> str:
    parts = []
    for r in rows:
        head = r.registration
        parts += [
            f"## Candidate {head.code}: {head.occasion_name} ({head.occasion_id})",
            _events(timeline(r, retention)),
            f"Held besides: {r.notes} graders' notes, {r.mails} mails to the student. "
            "Incidents during the exam are held by the platform only; examflow keeps none.",
        ]
    return "\n\n".join(["# A candidate's story", *parts])


def access_text(rows: Sequence[CandidateRows], retention: Mapping[str, timedelta], now: datetime) -> str:
    student = rows[0].student
    held = "held" if student.has_national_id else "not held"
    mail = "held" if student.has_email else "not held"
    lines = [
        "# Your exam data held by examflow",
        f"For {student.name}, student id {student.uid}; prepared {now:%Y-%m-%d} in answer to your request "
        "for access to your personal data (GDPR Art. 15). Your national id is "
        f"{held} and your email address {mail} in examflow.",
    ]
    for r in rows:
        lines += _exam_section(r, retention)
    return "\n\n".join(lines) + "\n"


def _exam_section(r: CandidateRows, retention: Mapping[str, timedelta]) -> list[str]:
    head = r.registration
    kept: dict[str, date] = kept_until(r, retention)
    law = {
        "exam": EXAM_LAW.get(head.country, "the law of higher education"),
        "archive": ARCHIVE_LAW.get(head.country, "the archives law"),
    }
    table = [
        {
            "What": data,
            "Where": where,
            "Why": why,
            "Legal basis": basis.format(**law),
            "Kept until": kept[kind].isoformat() if kind in kept else kind,
        }
        for data, where, why, basis, kind in HELD
    ]
    return [
        f"## {head.occasion_name} ({head.occasion_id}), under the code {head.code}",
        "### What we hold, where, why and until when",
        markdown_table(table, limit=len(table)),
        f"Besides: {r.notes} graders' notes and {r.mails} mails. Incidents during the exam are held by the platform only; examflow keeps none.",
        "### What happened, in order",
        _events(timeline(r, retention)),
    ]


def _events(events: Sequence[StoryEvent]) -> str:
    rows = [
        {
            "When (UTC)": f"{e.at:%Y-%m-%d %H:%M}",
            "Where": e.system,
            "What": _cell(e.what),
            "Details": _cell(e.detail),
        }
        for e in events
    ]
    return markdown_table(rows, limit=len(rows))


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")
