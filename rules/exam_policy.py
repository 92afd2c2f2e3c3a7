"""What the university's exam policy says of one exam: the scenario in force on its day, whether
that scenario allows its form, and whether a dispensation's criteria are met.

The policy is data (the file named by EXAMFLOW_EXAM_POLICY; the sample is policy/exam_policy.yaml),
read and checked here. The sample encodes KTH's scenarios for examination, as KTH published them:
- "Examination", KTH intranet, scenarios for education (11 February 2022: scenario LOW in force;
  remote examination distinguished from campus examination; the scenarios restrict examination
  that needs a controlled environment on campus with students and invigilators present),
  https://intra.kth.se/en/utbildning/covid-19/scenarier/examination-1.1072074
- "About exam period 1, autumn 2021" (the LOW guidelines; on-campus assessment and written remote
  examination with camera surveillance decided by the Vice-President for Education after a
  presentation), https://intra.kth.se/en/utbildning/nyheter/infor-tp1-ht21-1.1107300
- President's decision V-2020-0801, examination (campus and remotely monitored examination decided
  by the Vice-President for Education), https://intra.kth.se/en/utbildning/covid-19/24-nov-2020-vt2021/examination-1.1033191
The criteria of each scenario (1-2 year plan, preparatory or first-cycle course, more than 50
students, the extra distance sitting, HIGH's emergency replacement) are as issue #16 summarises
KTH's scenarios; their full text was not among the pages found. docs/policy.md has the table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml
from pydantic import Field, ValidationError

from models.domain import Frozen
from models.policy import (
    FORM_TITLES,
    DispensationAnswers,
    DispensationRule,
    ExamForm,
    ExamPolicy,
    Period,
    RuleKind,
)


class PolicyInvalid(ValueError):
    """The policy file is not a valid exam policy; the message names the file and each problem."""


class PolicyVerdict(Frozen):
    """What the policy says of one exam: allowed, only by a dispensation, or refused, and why."""

    outcome: str = Field(description="allowed, dispensation (a request must be decided) or refused")
    reason: str
    scenario: str = ""
    in_force_from: date | None = None
    rule: RuleKind | None = None
    extra_distance_sitting: bool = Field(
        default=False, description="the exam may sit on campus only with an extra distance sitting offered"
    )

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOWED


ALLOWED, DISPENSATION, REFUSED = "allowed", "dispensation", "refused"


def parse_policy(text: str, source: str) -> ExamPolicy:
    """The policy in `text` (YAML), or PolicyInvalid naming `source` and everything wrong in it."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyInvalid(f"exam policy {source}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise PolicyInvalid(f"exam policy {source}: expected a mapping with scenarios and periods")
    try:
        policy = ExamPolicy.model_validate(_shaped(raw))
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise PolicyInvalid(f"exam policy {source}: " + "; ".join(problems)) from exc
    if problems := _problems(policy):
        raise PolicyInvalid(f"exam policy {source}: " + "; ".join(problems))
    return policy


def _shaped(raw: dict[str, Any]) -> dict[str, Any]:
    """The file's layout as the model's: each scenario named by its key, a period's `from` as its start."""
    scenarios = raw.get("scenarios")
    periods = raw.get("periods")
    return {
        **raw,
        "scenarios": {
            name: {"name": name, **body} if isinstance(body, dict) else body
            for name, body in (scenarios.items() if isinstance(scenarios, dict) else [])
        }
        if scenarios is not None
        else None,
        "periods": [
            {("starts_on" if k == "from" else k): v for k, v in p.items()} if isinstance(p, dict) else p
            for p in periods
        ]
        if isinstance(periods, list)
        else periods,
    }


def _problems(policy: ExamPolicy) -> list[str]:
    problems = [
        f"scenarios.{s.name}.forms: no rule for {form.value}"
        for s in policy.scenarios.values()
        for form in ExamForm
        if form not in s.forms
    ]
    if not policy.periods:
        problems.append("periods: none given (each needs a scenario and the date it is in force from)")
    for index, period in enumerate(policy.periods):
        if period.scenario not in policy.scenarios:
            known = ", ".join(policy.scenarios) or "none"
            problems.append(
                f"periods.{index}.scenario: {period.scenario} is not a scenario of the policy ({known})"
            )
        if index and period.starts_on <= policy.periods[index - 1].starts_on:
            problems.append(
                f"periods.{index}.from: {period.starts_on} is not after the period before it "
                f"({policy.periods[index - 1].starts_on})"
            )
    return problems


def in_force(policy: ExamPolicy, day: date) -> Period | None:
    """The period in force on `day`: the last one starting on or before it."""
    started = [p for p in policy.periods if p.starts_on <= day]
    return started[-1] if started else None


def decide(
    policy: ExamPolicy, *, day: date, form: ExamForm, answers: DispensationAnswers | None = None
) -> PolicyVerdict:
    """The policy's verdict on an exam of `form` on `day`; `answers` are a dispensation request's,
    judged where the scenario allows the form only by dispensation."""
    period = in_force(policy, day)
    if period is None:
        first = policy.periods[0].starts_on
        return PolicyVerdict(
            outcome=REFUSED,
            reason=f"no scenario of the exam policy is in force on {day} (its first period starts {first})",
        )
    scenario = policy.scenarios[period.scenario]
    kind = scenario.forms[form]
    head = f"scenario {scenario.name} (in force from {period.starts_on})"
    found = {"scenario": scenario.name, "in_force_from": period.starts_on, "rule": kind}
    if kind == RuleKind.ALLOWED:
        return PolicyVerdict(outcome=ALLOWED, reason=f"{head} allows {FORM_TITLES[form]}", **found)
    if kind == RuleKind.FORBIDDEN:
        return PolicyVerdict(outcome=REFUSED, reason=f"{head} does not allow {FORM_TITLES[form]}", **found)
    extra = kind == RuleKind.DISPENSATION and scenario.dispensation.extra_distance_sitting
    needs = "; ".join(requirements(scenario.dispensation, kind))
    only = "only by dispensation" if kind == RuleKind.DISPENSATION else "only as an emergency replacement"
    if answers is None:
        reason = f"{head} allows {FORM_TITLES[form]} {only}, which needs: {needs}"
        return PolicyVerdict(outcome=DISPENSATION, reason=reason, extra_distance_sitting=extra, **found)
    unmet = unmet_criteria(scenario.dispensation, kind, answers)
    if unmet:
        reason = f"{head} allows {FORM_TITLES[form]} {only}, and the criteria are not met: {'; '.join(unmet)}"
        return PolicyVerdict(outcome=REFUSED, reason=reason, **found)
    sitting = ", with an extra distance sitting offered" if extra else ""
    reason = f"{head} allows {FORM_TITLES[form]} by dispensation: its criteria are met{sitting}"
    return PolicyVerdict(outcome=ALLOWED, reason=reason, extra_distance_sitting=extra, **found)


def requirements(rule: DispensationRule, kind: RuleKind) -> list[str]:
    """What a dispensation needs under `rule`, in words."""
    needs = []
    if kind == RuleKind.EMERGENCY:
        needs.append("an emergency replacement of a campus exam")
    if rule.controlled_setting:
        needs.append(
            "learning outcomes that are facts or procedural skills, examinable only with well-defined "
            "answers in a controlled setting"
        )
    if rule.diversification_plan:
        needs.append("a 1-2 year plan for more diverse examination")
    if rule.course_levels:
        needs.append(f"a course at level {' or '.join(level.value for level in rule.course_levels)}")
    if rule.more_than_students is not None:
        needs.append(f"more than {rule.more_than_students} students at the sitting")
    if kind == RuleKind.DISPENSATION and rule.extra_distance_sitting:
        needs.append("an extra distance sitting offered (e.g. in the re-exam period)")
    return needs


def unmet_criteria(rule: DispensationRule, kind: RuleKind, answers: DispensationAnswers) -> list[str]:
    """Each criterion of `rule` the answers do not meet, in words."""
    unmet = []
    if kind == RuleKind.EMERGENCY and not answers.emergency_replacement:
        unmet.append("it is not an emergency replacement of a campus exam")
    if rule.controlled_setting and not answers.controlled_setting:
        unmet.append("the learning outcomes do not need a controlled setting")
    if rule.diversification_plan and not answers.diversification_plan:
        unmet.append("there is no 1-2 year plan for more diverse examination")
    if rule.course_levels and answers.course_level not in rule.course_levels:
        levels = " or ".join(level.value for level in rule.course_levels)
        unmet.append(f"the course is at level {answers.course_level.value}, not {levels}")
    if rule.more_than_students is not None and answers.students_at_sitting <= rule.more_than_students:
        unmet.append(
            f"{answers.students_at_sitting} students at the sitting, not more than {rule.more_than_students}"
        )
    return unmet


EXTRA_SITTING_FORM = ExamForm.DISTANCE_VIDEO  # allowed in every scenario of the sample policy


class Recheck(Frozen):
    """One planned exam under the policy as it now stands."""

    verdict: PolicyVerdict
    breaks: bool = Field(description="the exam as planned now breaks the rules")
    sitting_due: bool = Field(description="an extra distance sitting is required and not yet planned")


def recheck(
    policy: ExamPolicy,
    *,
    day: date,
    form: ExamForm,
    answers: DispensationAnswers | None,
    sittings_planned_for: tuple[str, ...] = (),
) -> Recheck:
    """A planned exam judged again: with the criteria of the dispensation it was granted, if any; an
    extra distance sitting is due once per scenario that requires it."""
    verdict = decide(policy, day=day, form=form, answers=answers)
    if not verdict.allowed:
        return Recheck(verdict=verdict, breaks=True, sitting_due=False)
    due = verdict.extra_distance_sitting and verdict.scenario not in sittings_planned_for
    return Recheck(verdict=verdict, breaks=False, sitting_due=due)
