"""The exam policy through the real flows: plan-exam refuses a form the scenario in force forbids
with nothing written, asks a dispensation of the programme director and the vice-rector where the
scenario needs one (criteria that fall short asked again with the rule's reason), records it and
plans the extra distance sitting; policy-recheck lists what a new scenario breaks and plans the
sittings it now requires; a course responsible's application for a digital exam is decided by the
exam office, the applicant told, and the term's digital share recorded. SQLite and PostgreSQL.

Its own register and platform stand-ins (the store and Prefect are the world's), so that its
occasions are planned here alone; its own policy file, its scenarios set around the exams' days."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import httpx
import pytest
from prefect.artifacts import Artifact
from sqlalchemy import select

from flows.digital_exam import digital_exam_application
from flows.plan_exam import plan_exam
from flows.policy_recheck import policy_recheck
from models.params import DigitalExamApplication, ExamTimes, PlanExam, PolicyRecheck
from models.policy import ExamForm
from models.settings import REPO_ROOT
from rules.digital_share import term_of
from rules.exam_policy import PolicyInvalid
from simulators import inspera as inspera_sim
from simulators import ladok as ladok_sim
from simulators.server import serve_in_thread
from store.db import transaction
from store.schema import (
    ApprovalAnswer,
    AuditEvent,
    DigitalApplication,
    DigitalShare,
    Dispensation,
    ExamFormRecord,
    ExtraSitting,
    Occasion,
)
from tasks.digital_exams import ApplicationRefused
from tasks.planning import PlanRefused
from tasks.reports import artifact_key
from tests.conftest import examflow_environment
from tests.flows.conftest import World, approving

SPEC = {"seed": 43, "course_rounds": 3, "occasions": 3, "students": 60, "extra_time_share": 0.0}
SAMPLE = (REPO_ROOT / "policy" / "exam_policy.yaml").read_text()
CRITERIA = {
    "controlled_setting": True,
    "diversification_plan": True,
    "course_level": "first_cycle",
    "students_at_sitting": 120,
    "evidence": "case V-2026-0042",
}


@dataclass
class Register:
    url: str
    occasions: list[str]
    policy: Path

    def day(self, occasion_uid: str) -> date:
        occasion = httpx.get(f"{self.url}/resultat/aktivitetstillfalle/{occasion_uid}").json()
        return date.fromisoformat(occasion["Datumperiod"]["Startdatum"])

    def times(self, occasion_uid: str) -> ExamTimes:
        return ExamTimes(exam_date=self.day(occasion_uid), start_time=time(9), end_time=time(13))

    @property
    def first_day(self) -> date:
        return min(self.day(uid) for uid in self.occasions)

    def scenarios(self, *periods: tuple[str, int]) -> None:
        """The sample policy with these periods: each scenario from so many days before the first
        exam's day."""
        listed = "".join(
            f"  - scenario: {name}\n    from: {self.first_day - timedelta(days=before)}\n"
            for name, before in periods
        )
        self.policy.write_text(SAMPLE.split("periods:")[0] + "periods:\n" + listed)


@pytest.fixture(scope="module")
def register(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    state = tmp_path_factory.mktemp("exam-policy")
    with ExitStack() as stack:
        ladok = stack.enter_context(serve_in_thread(ladok_sim.create_app(state / "ladok.db")))
        inspera = stack.enter_context(serve_in_thread(inspera_sim.create_app(state / "inspera.db")))
        policy = state / "exam_policy.yaml"
        stack.enter_context(
            examflow_environment(
                {
                    "EXAMFLOW_LADOK_URL": f"{ladok}/",
                    "EXAMFLOW_INSPERA_URL": f"{inspera}/api/",
                    "EXAMFLOW_EXAM_POLICY": str(policy),
                }
            )
        )
        term = httpx.post(f"{ladok}/_sim/term", json=SPEC, timeout=60)
        term.raise_for_status()
        yield Register(ladok, term.json()["occasions"], policy)


def events(action: str, occasion_id: str | None) -> list[AuditEvent]:
    with transaction() as session:
        query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.occasion_id == occasion_id)
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def test_a_form_the_scenario_forbids_is_refused_with_nothing_written(register: Register) -> None:
    register.scenarios(("LOW", 60), ("HIGH", 10))
    occasion = register.occasions[1]
    with pytest.raises(PlanRefused) as refused:
        plan_exam(
            PlanExam(occasion_uid=occasion, times=register.times(occasion), exam_form=ExamForm.ORAL_CAMPUS)
        )
    assert str(refused.value) == (
        f"exam policy: scenario HIGH (in force from {register.first_day - timedelta(days=10)}) does not "
        "allow an oral exam on campus"
    )
    with transaction() as session:
        assert session.get(Occasion, occasion) is None
    assert [e.detail["form"] for e in events("policy.refused", occasion)] == ["oral_campus"]


def test_a_broken_policy_file_stops_the_plan_naming_the_field(register: Register) -> None:
    register.scenarios(("LOW", 60))
    register.policy.write_text(register.policy.read_text().replace("scenario: LOW", "scenario: LOWER"))
    occasion = register.occasions[1]
    with pytest.raises(PolicyInvalid) as refused:
        plan_exam(PlanExam(occasion_uid=occasion, times=register.times(occasion)))
    assert str(refused.value) == (
        f"exam policy {register.policy}: periods.0.scenario: LOWER is not a scenario of the policy "
        "(OPEN, LOW, MEDIUM, HIGH)"
    )
    with transaction() as session:
        assert session.get(Occasion, occasion) is None


@pytest.fixture(scope="module")
def dispensed(world: World, register: Register) -> tuple[str, str]:
    """The first occasion planned on campus under MEDIUM: the programme director's first answer
    falls short of the criteria (40 students) and is asked again; the vice-rector grants it."""
    register.scenarios(("LOW", 60), ("MEDIUM", 30))
    occasion = register.occasions[0]
    with (
        approving(
            world.outbox, "staff-programme-1", extra=CRITERIA, first_answers=[{"students_at_sitting": 40}]
        ) as director,
        approving(world.outbox, "staff-vicerector-1") as vice_rector,
        approving(world.outbox, "staff-coordinator-1") as coordinator,
    ):
        result = plan_exam(PlanExam(occasion_uid=occasion, times=register.times(occasion)))
    assert director.errors == vice_rector.errors == coordinator.errors == []
    return occasion, result


def test_a_dispensation_is_presented_decided_and_stored(dispensed: tuple[str, str]) -> None:
    occasion, result = dispensed
    assert result.startswith(f"planned {occasion} as platform test ")
    with transaction() as session:
        dispensation = session.scalars(select(Dispensation).where(Dispensation.occasion_id == occasion)).one()
        assert (dispensation.status, dispensation.scenario, dispensation.form) == (
            "granted",
            "MEDIUM",
            "digital_campus",
        )
        assert (dispensation.presented_by, dispensation.decided_by) == (
            "staff-programme-1",
            "staff-vicerector-1",
        )
        assert dispensation.answers == {**CRITERIA, "emergency_replacement": False}
        assert session.get_one(ExamFormRecord, occasion).form == "digital_campus"
        assert session.get_one(Occasion, occasion).status == "planned"
    [granted] = events("dispensation.granted", occasion)
    assert granted.actor == "staff-vicerector-1"


def test_criteria_that_fall_short_are_asked_again_with_the_rules_reason(dispensed: tuple[str, str]) -> None:
    occasion, _ = dispensed
    with transaction() as session:
        refused = session.scalars(
            select(ApprovalAnswer.reason).where(
                ApprovalAnswer.approver_id == "staff-programme-1", ApprovalAnswer.accepted.is_(False)
            )
        ).all()
    assert len(refused) == 1
    assert "the criteria are not met: 40 students at the sitting, not more than 50" in refused[0]
    assert "; correct the answers, or reject to withdraw the request" in refused[0]


def test_the_extra_distance_sitting_medium_requires_is_planned(dispensed: tuple[str, str]) -> None:
    occasion, _ = dispensed
    with transaction() as session:
        sitting = session.scalars(select(ExtraSitting).where(ExtraSitting.occasion_id == occasion)).one()
    assert (sitting.scenario, sitting.form, sitting.planned_by) == ("MEDIUM", "distance_video", "plan-exam")


def test_a_refused_dispensation_stops_the_plan_before_the_platform(world: World, register: Register) -> None:
    register.scenarios(("MEDIUM", 30))
    occasion = register.occasions[1]
    with (
        approving(world.outbox, "staff-programme-1", extra=CRITERIA) as director,
        approving(
            world.outbox,
            "staff-vicerector-1",
            extra={"decision": "reject", "comment": "hold it at a distance"},
        ) as vice_rector,
    ):
        result = plan_exam(PlanExam(occasion_uid=occasion, times=register.times(occasion)))
    assert director.errors == vice_rector.errors == []
    assert result == (
        f"plan of {occasion} refused by the exam policy: the dispensation was refused by "
        "staff-vicerector-1: hold it at a distance"
    )
    with transaction() as session:
        assert session.get_one(Occasion, occasion).platform_test_id is None
        assert session.get(ExamFormRecord, occasion) is None
        statuses = session.scalars(
            select(Dispensation.status).where(Dispensation.occasion_id == occasion)
        ).all()
    assert statuses == ["refused"]


@pytest.fixture(scope="module")
def rechecked(world: World, register: Register, dispensed: tuple[str, str]) -> str:
    """The third occasion planned while the campus is open; then HIGH comes into force."""
    register.scenarios(("OPEN", 90))
    open_plan = register.occasions[2]
    with approving(world.outbox, "staff-coordinator-1") as coordinator:
        plan_exam(PlanExam(occasion_uid=open_plan, times=register.times(open_plan)))
    assert coordinator.errors == []
    register.scenarios(("LOW", 60), ("MEDIUM", 30), ("HIGH", 5))
    return policy_recheck(PolicyRecheck())


def table(key: str) -> tuple[str, list[dict[str, str]]]:
    artifact = Artifact.get(key)
    assert artifact is not None
    data = artifact.data if isinstance(artifact.data, list) else json.loads(str(artifact.data))
    return str(artifact.description), list(data)


def test_a_recheck_lists_what_the_new_scenario_breaks_and_plans_the_sittings_it_requires(
    register: Register, dispensed: tuple[str, str], rechecked: str
) -> None:
    since = register.first_day - timedelta(days=5)
    description, rows = table(artifact_key("policy-recheck", since.isoformat()))
    by_occasion = {r["occasion"]: r for r in rows}  # the world's other exams may be listed too
    kept, refused, opened = register.occasions
    assert by_occasion[kept]["breaks the rules"] == "no"
    assert by_occasion[kept]["extra distance sitting"].startswith("planned now")
    assert by_occasion[kept]["scenario"] == "HIGH"
    for breaking in (refused, opened):
        assert by_occasion[breaking]["breaks the rules"] == "YES"
        assert by_occasion[breaking]["why"].endswith("(a dispensation must be asked)")
    broken = sum(r["breaks the rules"] == "YES" for r in rows)
    planned = sum(r["extra distance sitting"].startswith("planned now") for r in rows)
    assert description.startswith(
        f"Exams planned from {since} under the exam policy: {broken} of {len(rows)} break the rules; {planned} "
    )
    assert rechecked == (
        f"{len(rows)} exams planned from {since} checked: {broken} break the rules, {planned} extra sittings planned"
    )
    with transaction() as session:
        sittings = session.execute(
            select(ExtraSitting.scenario, ExtraSitting.planned_by).where(ExtraSitting.occasion_id == kept)
        ).all()
    assert sorted(map(tuple, sittings)) == [("HIGH", "policy-recheck"), ("MEDIUM", "plan-exam")]


def test_a_second_recheck_plans_no_sitting_twice(register: Register, rechecked: str) -> None:
    again = policy_recheck(PolicyRecheck())
    assert again.endswith(" 0 extra sittings planned")


def mails_to(outbox: Path, recipient: str) -> list[email.message.Message]:
    found = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(outbox.glob("*.eml"))
    ]
    return [m for m in found if m["To"] == recipient]


def test_an_application_for_a_digital_exam_is_decided_told_and_counted(
    world: World, register: Register, rechecked: str
) -> None:
    register.scenarios(("OPEN", 90))
    occasion = register.occasions[2]
    params = DigitalExamApplication(
        occasion_uid=occasion, applicant_id="staff-course-1", students=90, reason="a large first-year course"
    )
    with approving(world.outbox, "staff-coordinator-1") as office:
        result = digital_exam_application(params)
    assert office.errors == []
    term = term_of(register.day(occasion))
    with transaction() as session:
        application = session.scalars(
            select(DigitalApplication).where(DigitalApplication.occasion_id == occasion)
        ).one()
        share = session.scalars(select(DigitalShare).where(DigitalShare.term == term)).all()[-1]
    assert (application.status, application.decided_by) == ("approved", "staff-coordinator-1")
    [told] = [
        m for m in mails_to(world.outbox, "staff-course-1@examflow.local") if occasion in str(m["Subject"])
    ]
    assert told["Subject"] == f"Your application for a digital exam ({occasion}) is approved"
    # this module's three exams above, each digital on campus (the world's other exams may count too)
    assert share.sittings >= 3 and share.digital_sittings >= 3
    assert result.startswith(
        f"application {application.id} for {occasion} approved; digital share of {term}: "
    )
    _, rows = table(artifact_key("digital-share", term))
    assert [(r["measure"], r["on the platform"], r["all"]) for r in rows] == [
        ("sittings", str(share.digital_sittings), str(share.sittings)),
        ("registrations", str(share.digital_registrations), str(share.registrations)),
    ]


def test_an_application_from_someone_not_a_course_responsible_is_refused(register: Register) -> None:
    occasion = register.occasions[0]
    params = DigitalExamApplication(
        occasion_uid=occasion, applicant_id="staff-grader-1", students=90, reason="a large first-year course"
    )
    with pytest.raises(
        ApplicationRefused,
        match=f"applicant_id: staff-grader-1 is not a course responsible of occasion {occasion}",
    ):
        digital_exam_application(params)
    with transaction() as session:
        assert (
            session.scalars(
                select(DigitalApplication).where(DigitalApplication.occasion_id == occasion)
            ).all()
            == []
        )
