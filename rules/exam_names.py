"""What a person reads an exam by in the Prefect UI: its course code, sitting and date, in run
names, tags, artifact keys and titles, instead of the occasion's uid."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rules.digital_share import term_of

KEY_LENGTH = 200
LETTERS = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ł": "l"})


@dataclass(frozen=True)
class ExamName:
    """`sitting` is the module the occasion examines (e.g. TEN1): which of the course's exams it is."""

    course_code: str
    sitting: str
    day: date
    country: str

    @property
    def label(self) -> str:
        parts = [self.course_code, self.sitting, self.day.isoformat()]
        return " ".join(p for p in parts if p)

    @property
    def term(self) -> str:
        return term_of(self.day)


def run_name(exam: ExamName, phase: str) -> str:
    """A flow run's name, e.g. `SF1625 TEN1 2026-12-03 · grading`."""
    return f"{exam.label} · {phase}"


def run_tags(exam: ExamName) -> list[str]:
    """Tags to filter runs by in the UI: the course, the term and the country."""
    return [f"course:{exam.course_code}", f"term:{exam.term}", f"country:{exam.country}"]


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only: letters are kept
    without their accents (`Ämne` → `amne`, `Prøve` → `prove`), anything else is one dash."""
    text = "-".join(parts).lower().translate(LETTERS)
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:KEY_LENGTH].rstrip("-")


def exam_key(kind: str, exam: ExamName | None, fallback: str) -> str:
    """An artifact's key from its kind and the exam, e.g. `grades-sf1625-ten1-2026-12-03`;
    from `fallback` (the occasion's uid) when the exam is not known."""
    return artifact_key(kind, exam.label if exam else fallback)


def run_link(ui_url: str | None, flow_run_id: str) -> str | None:
    """The run's page in the Prefect UI (its current UI, served under /v2); None without a UI."""
    if not ui_url:
        return None
    base = ui_url.rstrip("/").removesuffix("/v2")
    return f"{base}/v2/runs/flow-run/{flow_run_id}"
