"""The sample term and the one sample exam that `make run` and the demo take through the lifecycle:
its day in the register, its times in the exam office's timetable, and its students' decisions on
support in the support office's export, both files in the uploads folder as a coordinator leaves them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from simulators.term import TermSpec, generate_term

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TIMETABLE = "timetable.csv"
SUPPORT_FILE = "support-decisions.csv"
# `make run`'s second sample exam, the one being written as it starts, has files of its own
WRITING_TIMETABLE = "timetable-writing-now.csv"
WRITING_SUPPORT_FILE = "support-decisions-writing-now.csv"
ROOMS_FILE = "rooms.csv"
# The sample exam office's rooms: two halls and two small rooms for candidates who write apart
SAMPLE_ROOMS = [
    ("building", "room", "seats", "power_seats", "separate_room", "loan_pcs"),
    ("Main building", "Q21", "120", "80", "no", "4"),
    ("Main building", "Q22", "60", "20", "no", "0"),
    ("Library", "L1", "2", "2", "yes", "1"),
    ("Library", "L2", "2", "2", "yes", "0"),
]
SAMPLE_BOOKING = ["Q21", "Q22", "L1", "L2"]


def seed_term(ladok_url: str, **spec: Any) -> list[str]:
    """Loads a generated term into the register stand-in; returns its occasion uids."""
    response = httpx.post(f"{ladok_url.rstrip('/')}/_sim/term", json=spec, timeout=120)
    response.raise_for_status()
    return list(response.json()["occasions"])


def sample_occasion(spec: dict[str, Any], occasion_uids: list[str]) -> str:
    """The first occasion some of whose students have support decisions (extra time to show)."""
    supported = {a.occasion_uid for a in generate_term(TermSpec(**spec)).accommodations}
    return next((uid for uid in occasion_uids if uid in supported), occasion_uids[0])


def hold_this_morning(
    ladok_url: str,
    occasion_uid: str,
    uploads: Path,
    window: tuple[datetime, datetime] | None = None,
    timetable: str = TIMETABLE,
) -> tuple[datetime, datetime]:
    """Puts the sample exam in `window`, by default one that ended this morning, so exam day can
    close it (the deadline, extra time included, has passed) and the lifecycle runs on without
    waiting: the register's occasion is moved to that day, and the timetable (`timetable`) gives
    its times."""
    starts, ends = window or this_morning()
    day = starts.astimezone(STOCKHOLM).date()
    base = ladok_url.rstrip("/")
    moved = httpx.post(
        f"{base}/_sim/occasions/{occasion_uid}/dates",
        json={"start_date": day.isoformat(), "end_date": day.isoformat()},
        timeout=30,
    )
    moved.raise_for_status()
    course_code = moved.json()["Aktiviteter"][0]["Kursinstans"]["Utbildningskod"]
    _write_timetable(uploads, course_code, starts, ends, timetable)
    return starts, ends


def this_morning(now: datetime | None = None) -> tuple[datetime, datetime]:
    """A two-hour window that ended three hours ago, on one day in Stockholm."""
    now = now or datetime.now(UTC)
    starts = now.replace(second=0, microsecond=0) - timedelta(hours=5)
    if (starts + timedelta(hours=2)).astimezone(STOCKHOLM).date() != starts.astimezone(STOCKHOLM).date():
        starts -= timedelta(hours=2)  # a plan's times lie on one day in Stockholm
    return starts, starts + timedelta(hours=2)


def closing_soon(
    longest_extra_minutes: int, seconds: float, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """A window on one day in Stockholm whose deadline (its end, on the minute, plus the longest
    extra time) is `seconds` to a minute from now: exam day finds the exam still being written by
    those with the most extra time, so an incident can be reported before the close. The working
    time is two hours, less when that would begin the day before."""
    now = now or datetime.now(UTC)
    deadline = now + timedelta(seconds=seconds, minutes=1)
    ends = deadline.replace(second=0, microsecond=0) - timedelta(minutes=longest_extra_minutes)
    midnight = ends.astimezone(STOCKHOLM).replace(hour=0, minute=0)
    starts = max(ends - timedelta(hours=2), midnight.astimezone(UTC))
    if ends - starts < timedelta(minutes=30):
        raise RuntimeError(
            f"an exam ending at {ends.astimezone(STOCKHOLM):%H:%M} Stockholm time would have begun the day "
            "before: run the demo again after 00:30 plus the longest extra time"
        )
    return starts, ends


def _write_timetable(
    uploads: Path, course_code: str, starts: datetime, ends: datetime, timetable: str = TIMETABLE
) -> None:
    """The exam office's timetable (`timetable`) with the sample exam's one row."""
    start, end = starts.astimezone(STOCKHOLM), ends.astimezone(STOCKHOLM)
    rows = [
        ("course_code", "date", "start", "end"),
        (course_code, start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}"),
    ]
    _write_csv(uploads / timetable, rows)


def write_support_decisions(
    uploads: Path, spec: dict[str, Any], occasion_uid: str, day: date, filename: str = SUPPORT_FILE
) -> int:
    """The support office's export for the sample exam's students (`filename`): the term's
    decisions by personnummer, valid over the term, and one refusal. Returns how many grant."""
    term = generate_term(TermSpec(**spec))
    national_id = {s.uid: s.national_id for s in term.students}
    granted = [a for a in term.accommodations if a.occasion_uid == occasion_uid]
    valid = ((day - timedelta(days=60)).isoformat(), (day + timedelta(days=120)).isoformat())
    rows = [
        ("personnummer", "decision", "extra_minutes", "separate_room", "equipment", "valid_from", "valid_to")
    ]
    rows += [
        (
            national_id[a.student_uid],
            "granted",
            str(a.extra_time_minutes),
            "yes" if a.separate_room else "no",
            a.equipment,
            *valid,
        )
        for a in granted
    ]
    others = [r.student_uid for r in term.registrations if r.occasion_uid == occasion_uid]
    refused = next((uid for uid in others if uid not in {a.student_uid for a in granted}), None)
    if refused:
        rows.append((national_id[refused], "refused", "", "no", "", *valid))
    _write_csv(uploads / filename, rows)
    return len(granted)


def write_rooms(uploads: Path) -> None:
    """The exam office's rooms file (`ROOMS_FILE`), as `seating-plan` reads it."""
    _write_csv(uploads / ROOMS_FILE, SAMPLE_ROOMS)


def _write_csv(path: Path, rows: Sequence[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def term_longest_extra_time(spec: dict[str, Any], occasion_uid: str) -> int:
    """The most extra time, in minutes, the support decisions of `write_support_decisions` grant."""
    granted = generate_term(TermSpec(**spec)).accommodations
    return max((a.extra_time_minutes for a in granted if a.occasion_uid == occasion_uid), default=0)


def registrations(ladok_url: str, occasion_uid: str) -> int:
    response = httpx.get(
        f"{ladok_url.rstrip('/')}/_sim/registrations", params={"occasion": occasion_uid}, timeout=30
    )
    response.raise_for_status()
    return len(response.json())


# The Norwegian sample exam: an assessment unit in the FS stand-in (FS's id of the unit is the
# occasion uid), its registrations with FS's candidate numbers, and every seventh candidate granted
# an accommodation in FS (extra time; the first of them a room of their own).
FS_UNIT = "VmVudGhldDoxODYsRVhQSElMMTAxLDEsSE9TVCwyMDI2"
FS_COURSE_CODE = "EXPHIL101"
FS_COURSE = {"kode": FS_COURSE_CODE, "versjonskode": "1", "navn": "Examen philosophicum", "studiepoeng": 10.0}
FS_FIRST_CANDIDATE = 10101
FS_EXTRA_MINUTES = {"PT30M": 30, "PT1H": 60}  # the sample's grants of extra time, as FS writes them


def fs_candidate(n: int) -> dict[str, Any]:
    """The sample's n-th registration (from 0) as FS holds it."""
    melding: dict[str, Any] = {
        "studentnummer": f"5{n:05d}",
        "fornavn": f"Kari{n}",
        "etternavn": "Nordmann",
        "kandidatnummer": str(FS_FIRST_CANDIDATE + n),
    }
    if n % 7 == 3:
        granted: dict[str, Any] = {"innvilget": True, "ekstratid": "PT30M" if n % 2 else "PT1H"}
        melding["tilpasning"] = granted | ({"eksamensrom": "L1"} if n == 3 else {})
    return melding


def seed_fs_sample(
    fs_url: str, uploads: Path, students: int, window: tuple[datetime, datetime] | None = None
) -> int:
    """Seeds the Norwegian sample exam in the FS stand-in, held in `window` (by default one that
    ended this morning, as `hold_this_morning`), with FS's grading information
    (`sensurinformasjon`: the grading deadline three weeks on, the announcement the day after), and
    writes its timetable row. Returns how many candidates FS granted extra time."""
    starts, ends = window or this_morning()
    day = starts.astimezone(STOCKHOLM).date()
    base = fs_url.rstrip("/")
    meldinger = [fs_candidate(n) for n in range(students)]
    unit = {
        "emne": FS_COURSE,
        "arstall": day.year,
        "termintype": "VAR" if day.month <= 6 else "HOST",
        "startDato": day.isoformat(),
        "vurderingsmeldinger": meldinger,
    }
    httpx.put(f"{base}/_sim/vurderingsenheter/{FS_UNIT}", json=unit, timeout=30).raise_for_status()
    graded_by = datetime.combine(day + timedelta(days=21), datetime.min.time(), STOCKHOLM)
    sensur = {
        "sensurfrist": graded_by.replace(hour=23, minute=59).isoformat(),
        "kunngjoringsdato": (graded_by + timedelta(days=1, hours=12)).isoformat(),
    }
    httpx.post(
        f"{base}/_sim/vurderingsenheter/{FS_UNIT}/requests", json={"sensurinformasjon": sensur}, timeout=30
    ).raise_for_status()
    _write_timetable(uploads, FS_COURSE_CODE, starts, ends)
    return sum("tilpasning" in m for m in meldinger)


def fs_longest_extra_time(students: int) -> int:
    """The most extra time, in minutes, FS grants any of the sample's first `students` candidates."""
    granted = [fs_candidate(n).get("tilpasning", {}).get("ekstratid") for n in range(students)]
    return max((FS_EXTRA_MINUTES[g] for g in granted if g), default=0)
