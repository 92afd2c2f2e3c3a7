"""The law of justifications, appeals and grade changes in Norway and Sweden, as pure rules.

Every flow asks this module; none carries the law itself. Each rule names its source:

- Norway: the Universities and University Colleges Act of 2005 (universitets- og høyskoleloven, "uhl")
  § 3-9 (grading, the appeal committee) and §§ 5-2, 5-3 (justification, appeal) in the 2005 Act's
  numbering, summarised in docs/law.md, "Norway". The Act of 2024 (Prop. 126 L (2022-2023))
  renumbered these provisions; the new numbers are not mapped here. Deadlines are counted
  as the Public Administration Act (forvaltningsloven) counts them, by the Courts Act (domstolloven)
  § 148 (2) and § 149 (1).
- Sweden: the Higher Education Ordinance (Högskoleförordningen 1993:100, "HF") 6 kap. and the
  Administrative Procedure Act (Förvaltningslagen 2017:900, "FL") 36-39 §§, summarised in docs/law.md,
  "Sweden".

Counting: dates are `date` objects and deadlines are counted in calendar days. A deadline of n weeks
ends on the same weekday n weeks later (domstolloven § 148 (2)); that day is the last allowed day,
inclusive. A deadline ending on a Saturday, a Sunday or a public holiday moves to the next day that is
none of these (domstolloven § 149 (1), applied through forvaltningsloven § 30: "lørdag, helgedag eller
dag som ved lov er bestemt å være offentlig høytidsdag"; Sweden's lag (1930:173) om beräkning av
lagstadgad tid 2 § has the same effect). The holidays are rules.holidays' (Norway: helligdagsloven § 2
and the act on 1 and 17 May), so a deadline ending on 17 May moves to 18 May, or on Maundy Thursday to
the Tuesday after Easter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from pydantic import Field, model_validator

from models.domain import Country, ExamType, Frozen, RegradeKind
from rules import holidays
from rules.grades import Scale, grade_distance

UHL = "universitets- og høyskoleloven"
SOURCE_JUSTIFICATION = f"{UHL} § 5-2; see docs/law.md, Justification"
SOURCE_APPEAL = f"{UHL} § 5-3 (4); see docs/law.md, Appeal deadline"
SOURCE_ORAL = f"{UHL} § 5-3 (5)"
SOURCE_DEVIATION = f"{UHL} § 5-3 (6); see docs/law.md, Two-grade deviation"
SOURCE_NO_SECOND_APPEAL = f"{UHL} § 5-3 (7); see docs/law.md, No second appeal"
SOURCE_COMMITTEE = f"{UHL} § 3-9 (5); see docs/law.md, Appeal committee"
SOURCE_GRADING = f"{UHL} § 3-9 (4); see docs/law.md, Grading deadline"
SOURCE_LOCK = f"{UHL} § 5-3; see docs/law.md, Grade locked during an appeal"
SOURCE_COUNTING = (
    "forvaltningsloven § 30 with domstolloven §§ 148-149 (Saturdays, Sundays and public holidays: "
    f"{holidays.SOURCE_NO})"
)
SOURCE_SE_NO_APPEAL = "Högskoleförordningen 12 kap. 2 § (grades are not among the appealable decisions)"
SOURCE_SE_CORRECTION = "Förvaltningslagen (2017:900) 36 §, Högskoleförordningen 6 kap. 24 §"
SOURCE_SE_RECONSIDERATION = "Högskoleförordningen 6 kap. 23 §, Förvaltningslagen (2017:900) 37-39 §§"
SOURCE_SE_ADJUSTMENT = "Högskoleförordningen 6 kap.; see docs/law.md, Adjustment"
SOURCE_SE_RESULT = (
    "no provision: the universities' local rules, commonly 15 working days counted from the first "
    "working day after the exam (Förvaltningslagen (2017:900) 9 §, prompt handling); see docs/law.md, "
    "Result deadline"
)
SOURCE_NO_ADJUSTMENT = (
    "no provision named: grading stays open until the result is published; "
    "see docs/law.md, Before publication"
)

JUSTIFICATION_REQUEST_DAYS = 7
JUSTIFICATION_DUE_DAYS = 14
APPEAL_DAYS = 21
GRADING_DAYS = 21
SE_RESULT_WORKING_DAYS = 15
MIN_APPEAL_GRADERS = 2
FURTHER_ASSESSMENT_STEPS = 2


class Ruling(Frozen):
    """What the law says about one request: allowed or not, and why in a sentence a coordinator can read."""

    allowed: bool
    reason: str = Field(description="one or more sentences naming the rule and, when refused, what is wrong")
    rule: str = Field(description="a short stable id of the deciding rule, e.g. no.appeal_deadline")
    source: str = Field(description="the provision the rule comes from")
    breaches: tuple[str, ...] = Field(default=(), description="each breach found (committee checks)")


class Justification(Frozen):
    """A student's request for a justification (Norway) and, once given, when."""

    requested_on: date
    given_on: date | None = None

    @model_validator(mode="after")
    def _given_after_request(self) -> Justification:
        if self.given_on is not None and self.given_on < self.requested_on:
            raise ValueError(
                f"justification given on {self.given_on} before it was requested on {self.requested_on}"
            )
        return self


class Grader(Frozen):
    """A member of a grading committee; `external` when not employed by the institution."""

    staff_id: str = Field(min_length=1)
    external: bool = False


class Deadline(Frozen):
    name: str
    due_on: date = Field(description="the last allowed day, after any move off a weekend or public holiday")
    source: str
    moved_from: date | None = Field(
        default=None, description="the weekend day or public holiday the deadline fell on, if moved"
    )


class DeadlineStatus(Frozen):
    deadline: Deadline
    days_left: int = Field(description="calendar days from today to due_on; negative when past")

    @property
    def past(self) -> bool:
        return self.days_left < 0


# ---------------------------------------------------------------- counting


def roll_to_working_day(day: date, country: Country = Country.NO) -> date:
    """`day`, or the first day after it that is neither a Saturday, a Sunday nor a public holiday of
    `country` (domstolloven § 149 (1); Sweden: lag (1930:173) 2 §). Norway by default: the deadlines
    here are Norway's."""
    while day.weekday() >= 5 or holidays.is_holiday(day, country):
        day += timedelta(days=1)
    return day


def _deadline(name: str, start: date, days: int, source: str) -> Deadline:
    nominal = start + timedelta(days=days)
    due = roll_to_working_day(nominal)
    if due == nominal:
        return Deadline(name=name, due_on=due, source=source)
    return Deadline(name=name, due_on=due, source=f"{source}; moved by {SOURCE_COUNTING}", moved_from=nominal)


# ---------------------------------------------------------------- Norway's deadlines


def justification_request_deadline(published_on: date) -> Deadline:
    """Norway: a justification may be asked for within 1 week of the result's publication (uhl § 5-2)."""
    return _deadline("justification request", published_on, JUSTIFICATION_REQUEST_DAYS, SOURCE_JUSTIFICATION)


def justification_deadline(requested_on: date) -> Deadline:
    """Norway: the justification is due within 2 weeks of the request (uhl § 5-2 says "normally": a
    target the flow tracks, not a bar to giving it later)."""
    return _deadline("justification due", requested_on, JUSTIFICATION_DUE_DAYS, SOURCE_JUSTIFICATION)


def grading_deadline(exam_on: date) -> Deadline:
    """Norway: grades are due within 3 weeks of the exam (uhl § 3-9 (4))."""
    return _deadline("grading", exam_on, GRADING_DAYS, SOURCE_GRADING)


def se_result_deadline(exam_on: date) -> Deadline:
    """Sweden: results are due 15 working days after the exam, Saturdays, Sundays and Sweden's
    public holidays not counted (a local rule, not the law: `SOURCE_SE_RESULT`)."""
    day, left = exam_on, SE_RESULT_WORKING_DAYS
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and not holidays.is_holiday(day, Country.SE):
            left -= 1
    return Deadline(name="result", due_on=day, source=SOURCE_SE_RESULT)


def result_deadline(country: Country, exam_on: date) -> Deadline:
    """The last day for an exam's results: Norway's grading deadline, Sweden's local rule."""
    return se_result_deadline(exam_on) if country is Country.SE else grading_deadline(exam_on)


def appeal_deadline(published_on: date, justification: Justification | None = None) -> Deadline | None:
    """Norway: an appeal is due within 3 weeks of publication, or of the justification where one was
    asked (uhl § 5-3 (4)).

    Reading: the 3 weeks run from whichever is later, the publication or the day the justification was
    given, so a justification never shortens the time. A justification asked for in time but not yet
    given means the deadline has not started: None. A justification asked for after its own deadline
    does not move the appeal deadline."""
    if justification is None or not _requested_in_time(published_on, justification):
        return _deadline("appeal", published_on, APPEAL_DAYS, SOURCE_APPEAL)
    if justification.given_on is None:
        return None
    start = max(published_on, justification.given_on)
    return _deadline("appeal", start, APPEAL_DAYS, SOURCE_APPEAL)


def _requested_in_time(published_on: date, justification: Justification) -> bool:
    return published_on <= justification.requested_on <= justification_request_deadline(published_on).due_on


def deadlines(
    country: Country,
    exam_on: date,
    published_on: date | None = None,
    justification: Justification | None = None,
) -> list[Deadline]:
    """Every deadline the law sets for one candidate's exam so far, earliest first.

    Sweden: none. HF sets no grading deadline (universities' local rules do) and Swedish grades carry
    no justification or appeal deadline, so the list is empty."""
    if country is Country.SE:
        return []
    found = [grading_deadline(exam_on)]
    if published_on is not None:
        found.append(justification_request_deadline(published_on))
        if justification is not None and _requested_in_time(published_on, justification):
            found.append(justification_deadline(justification.requested_on))
        appeal = appeal_deadline(published_on, justification)
        if appeal is not None:
            found.append(appeal)
    return sorted(found, key=lambda d: d.due_on)


def near_or_past(found: Iterable[Deadline], today: date, warn_days: int = 3) -> list[DeadlineStatus]:
    """The deadlines due within `warn_days` of `today` or already past, earliest first.

    A deadline due today is near, not past: today is its last allowed day."""
    statuses = [DeadlineStatus(deadline=d, days_left=(d.due_on - today).days) for d in found]
    return sorted((s for s in statuses if s.days_left <= warn_days), key=lambda s: s.deadline.due_on)


# ---------------------------------------------------------------- requests


def check_justification_request(country: Country, published_on: date, requested_on: date) -> Ruling:
    """Whether a request for a justification of a grade is allowed (Norway: uhl § 5-2)."""
    rule = "no.justification_deadline"
    if country is Country.SE:
        return _refuse(
            "se.no_justification_procedure",
            "Swedish law has no request for a grade's justification with a deadline; a student who thinks "
            "a grade wrong asks the examiner for correction or reconsideration.",
            SOURCE_SE_CORRECTION,
        )
    if requested_on < published_on:
        return _refuse(
            rule,
            f"The request of {requested_on} comes before the result was published on {published_on}.",
            SOURCE_JUSTIFICATION,
        )
    deadline = justification_request_deadline(published_on)
    if requested_on > deadline.due_on:
        return _refuse(
            rule,
            f"The request of {requested_on} is too late: a justification must be asked for within 1 week "
            f"of publication ({published_on}), by {deadline.due_on}.",
            SOURCE_JUSTIFICATION,
        )
    return _allow(rule, f"Asked for in time (by {deadline.due_on}).", SOURCE_JUSTIFICATION)


def check_appeal(
    country: Country,
    published_on: date,
    received_on: date,
    *,
    justification: Justification | None = None,
    already_appealed: bool = False,
    exam_type: ExamType | None = None,
) -> Ruling:
    """Whether an appeal of a grade is allowed: on time, eligible and not a second appeal.

    `already_appealed` is true when the grade appealed is itself the outcome of an appeal."""
    if country is Country.SE:
        return _no_appeal_in_sweden()
    if already_appealed:
        return _refuse(
            "no.no_second_appeal",
            "The grade is the outcome of an appeal and cannot be appealed again.",
            SOURCE_NO_SECOND_APPEAL,
        )
    if exam_type is ExamType.ORAL:
        return _refuse(
            "no.oral_not_appealable",
            "An oral exam's grade cannot be appealed: the performance cannot be assessed again.",
            SOURCE_ORAL,
        )
    return _check_appeal_date(published_on, received_on, justification)


def _no_appeal_in_sweden() -> Ruling:
    return _refuse(
        "se.no_appeal",
        "Grade decisions cannot be appealed in Sweden; the examiner may instead correct an obvious "
        "error (rättelse) or reconsider the grade (omprövning).",
        SOURCE_SE_NO_APPEAL,
    )


def _check_appeal_date(published_on: date, received_on: date, justification: Justification | None) -> Ruling:
    rule = "no.appeal_deadline"
    if received_on < published_on:
        return _refuse(
            rule,
            f"The appeal of {received_on} comes before the result was published on {published_on}.",
            SOURCE_APPEAL,
        )
    deadline = appeal_deadline(published_on, justification)
    if deadline is None:
        return _allow(
            rule,
            "On time: a justification was asked for and not yet given, so the 3 weeks have not started.",
            SOURCE_APPEAL,
        )
    if received_on > deadline.due_on:
        given_on = (
            justification.given_on
            if justification and _requested_in_time(published_on, justification)
            else None
        )
        start = f"the justification given on {given_on}" if given_on else f"publication ({published_on})"
        return _refuse(
            rule,
            f"The appeal of {received_on} is too late: it was due within 3 weeks of {start}, by {deadline.due_on}.",
            SOURCE_APPEAL,
        )
    return _allow(rule, f"On time (due by {deadline.due_on}).", SOURCE_APPEAL)


# ---------------------------------------------------------------- committees


def check_appeal_committee(proposed: Sequence[Grader], *earlier: Sequence[Grader]) -> Ruling:
    """Norway: an appeal committee has at least two new graders, at least one of them external, and
    none from an earlier committee (uhl § 3-9 (5)). Each breach is named.

    Pass the original committee as `earlier`; for the further assessment after a deviation of two
    grades, pass the original and the appeal committee: a new committee is formed there, read here as
    meeting the same composition rule (the Act leaves the form of that assessment open)."""
    earlier_ids = {g.staff_id for committee in earlier for g in committee}
    members = {g.staff_id: g for g in proposed}
    breaches = [f"{sid} sat on an earlier committee" for sid in sorted(members) if sid in earlier_ids]
    if len(members) < MIN_APPEAL_GRADERS:
        breaches.append(f"{len(members)} grader(s) proposed, at least {MIN_APPEAL_GRADERS} are required")
    if not any(g.external for g in members.values()):
        breaches.append("no external grader, at least one is required")
    if breaches:
        return _refuse(
            "no.appeal_committee",
            f"The committee breaks the rule: {'; '.join(breaches)}.",
            SOURCE_COMMITTEE,
            tuple(breaches),
        )
    return _allow(
        "no.appeal_committee", f"{len(members)} new graders, at least one external.", SOURCE_COMMITTEE
    )


# ---------------------------------------------------------------- grade changes


def needs_further_assessment(scale: Scale, original: str, new: str) -> bool:
    """Norway: a new grade two or more grades from the original needs a further assessment by a new
    committee, whose grade stands (uhl § 5-3 (6); grades counted as in rules.grades.grade_distance)."""
    return abs(grade_distance(scale, original, new)) >= FURTHER_ASSESSMENT_STEPS


def settled_appeal_grade(scale: Scale, original: str, new: str, further: str | None = None) -> str:
    """Norway: the grade an appeal ends with: the appeal committee's, or the further assessment's when
    the deviation rule calls for one (uhl § 5-3 (6)). Raises ValueError when that grade is missing or
    was given without cause."""
    scale.require(original)
    scale.require(new)
    if needs_further_assessment(scale, original, new):
        if further is None:
            raise ValueError(
                f"{original} -> {new} differs by two grades or more: a further assessment must set the grade"
            )
        return scale.require(further)
    if further is not None:
        raise ValueError(
            f"{original} -> {new} differs by less than two grades: no further assessment is held"
        )
    return new


def check_regrade(
    country: Country,
    kind: RegradeKind,
    original: str,
    new: str,
    scale: Scale,
    *,
    published: bool,
    student_heard: bool = False,
    appeal_pending: bool = False,
) -> Ruling:
    """Whether a grade may change from `original` to `new` in the way `kind` says.

    `published`: the student has been told the grade. `student_heard`: the student was given the chance
    to comment before a lowering (Sweden, correction). `appeal_pending`: an appeal of the grade is open
    (Norway: the original grade is then locked until the appeal's grade is set). Grades not on `scale`
    raise ValueError."""
    scale.require(original)
    scale.require(new)
    if not published:
        return _check_unpublished(country, kind, original, new)
    if kind is RegradeKind.ADJUSTMENT:
        return _refuse(
            f"{country.value.lower()}.adjustment_after_publication",
            "The grade has been published, so it cannot be adjusted freely; "
            + (
                "appeal it."
                if country is Country.NO
                else "use correction (rättelse) or reconsideration (omprövning)."
            ),
            SOURCE_APPEAL if country is Country.NO else SOURCE_SE_ADJUSTMENT,
        )
    if country is Country.NO:
        return _check_regrade_no(kind, original, new, scale, appeal_pending)
    return _check_regrade_se(kind, original, new, scale, student_heard)


def _check_unpublished(country: Country, kind: RegradeKind, original: str, new: str) -> Ruling:
    """Before the student is told, the examiner may adjust freely (docs/law.md, Adjustment; stated for
    Sweden, read the same for Norway, where grading stays open until the result is published)."""
    source = SOURCE_SE_ADJUSTMENT if country is Country.SE else SOURCE_NO_ADJUSTMENT
    prefix = country.value.lower()
    if kind is not RegradeKind.ADJUSTMENT:
        return _refuse(
            f"{prefix}.{kind.value}_before_publication",
            f"The grade has not been published, so there is nothing to {kind.value}; adjust it instead.",
            source,
        )
    return _allow(
        f"{prefix}.adjustment_before_publication",
        f"{original} -> {new}: before the student is told, the examiner may adjust freely.",
        source,
    )


def _check_regrade_no(
    kind: RegradeKind, original: str, new: str, scale: Scale, appeal_pending: bool
) -> Ruling:
    if kind is not RegradeKind.APPEAL:
        if appeal_pending:
            return _refuse(
                "no.grade_locked",
                f"The grade {original} is locked while its appeal is open, until the new grade is set.",
                SOURCE_LOCK,
            )
        return _refuse(
            "no.appeal_only",
            f"In Norway a published grade changes through an appeal, not by {kind.value}.",
            SOURCE_APPEAL,
        )
    note = (
        " A further assessment by a new committee is required."
        if needs_further_assessment(scale, original, new)
        else ""
    )
    return _allow(
        "no.appeal_either_way",
        f"{original} -> {new}: the appeal's grade may be higher or lower than the original.{note}",
        SOURCE_COMMITTEE,
    )


def _check_regrade_se(
    kind: RegradeKind, original: str, new: str, scale: Scale, student_heard: bool
) -> Ruling:
    if kind is RegradeKind.APPEAL:
        return _no_appeal_in_sweden()
    steps = grade_distance(scale, original, new)
    if kind is RegradeKind.RECONSIDERATION:
        if steps <= 0:
            return _refuse(
                "se.reconsideration_only_raises",
                f"{original} -> {new}: reconsideration (omprövning) may only raise a grade.",
                SOURCE_SE_RECONSIDERATION,
            )
        return _allow(
            "se.reconsideration_only_raises",
            f"{original} -> {new} raises the grade.",
            SOURCE_SE_RECONSIDERATION,
        )
    return _check_correction(original, new, steps, student_heard)


def _check_correction(original: str, new: str, steps: int, student_heard: bool) -> Ruling:
    rule = "se.correction"
    if original == new:
        return _refuse(rule, f"{original} -> {new} changes nothing to correct.", SOURCE_SE_CORRECTION)
    if steps < 0 and not student_heard:
        return _refuse(
            rule,
            f"{original} -> {new} lowers the grade: the student must be heard before a correction lowers it.",
            SOURCE_SE_CORRECTION,
        )
    way = "lowers the grade, the student heard" if steps < 0 else "raises the grade"
    return _allow(rule, f"{original} -> {new} corrects an obvious error and {way}.", SOURCE_SE_CORRECTION)


def _allow(rule: str, reason: str, source: str) -> Ruling:
    return Ruling(allowed=True, reason=reason, rule=rule, source=source)


def _refuse(rule: str, reason: str, source: str, breaches: tuple[str, ...] = ()) -> Ruling:
    return Ruling(allowed=False, reason=f"{reason} ({source})", rule=rule, source=source, breaches=breaches)
