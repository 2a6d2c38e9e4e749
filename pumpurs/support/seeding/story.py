"""The story being written: the schools' staff, the pupils, and the steps every case takes."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from pumpurs.people.calendar import weekday_on_or_before
from pumpurs.people.models import Enrolment, Period, Pupil, User
from pumpurs.risk.models import Assessment
from pumpurs.risk.questionnaire import assessment_start, assessment_submit
from pumpurs.support.cases import contact_log
from pumpurs.support.catalogue import low_income_status_record
from pumpurs.support.models import Case, LowIncomeStatus, Measure, Plan
from pumpurs.support.plans import MeasureInput, plan_approve
from pumpurs.support.seeding.clock import StoryClock, at
from pumpurs.support.seeding.profiles import CONTACTS, Line, Profile

SHOWCASE_TEACHER = "lizums.audzinataja"  # the class teacher `pumpurs demo` prints first
SHOWCASE_SCHOOL = "DEMO-LIZUMS"


@dataclass
class Staff:
    director: User
    coordinator: User
    psychologist: User
    social_pedagogue: User


@dataclass
class Story:
    rng: random.Random
    clock: StoryClock
    period: Period
    end: dt.date  # the story's last working day in this semester
    staff: dict[int, Staff]
    municipality: User
    national: User
    enrolments: dict[int, Enrolment]
    measures: dict[str, Measure]
    item_codes: list[str] = field(default_factory=list)  # the default questionnaire's items, in order
    counts: Counter[str] = field(default_factory=Counter)
    cursor: dt.datetime = field(default_factory=timezone.now)  # the current case's last step

    @property
    def now(self) -> dt.datetime:
        """The moment the story has reached: every service it calls is given it as ``now``."""
        return self.clock.moment

    # --- pupils ---------------------------------------------------------------------------------

    def pick(self, pool: list[int], prefer: str, *, strict: bool = False) -> Enrolment | None:
        """The first pupil of ``pool`` that fits ``prefer``, else (unless ``strict``) the first one."""

        def fits(pupil_id: int) -> bool:
            e = self.enrolments[pupil_id]
            if prefer == "class":
                return (
                    e.class_group.class_teacher is not None and e.class_group.class_teacher.username == SHOWCASE_TEACHER
                )
            return prefer != "school" or e.institution.code == SHOWCASE_SCHOOL

        chosen = next((p for p in pool if fits(p)), pool[0] if pool and not strict else None)
        if chosen is None:
            return None
        pool.remove(chosen)
        return self.enrolments[chosen]

    def teacher(self, enrolment: Enrolment) -> User:
        return enrolment.class_group.class_teacher or self.staff[enrolment.institution_id].coordinator

    def provider(self, line: Line, enrolment: Enrolment) -> User | None:
        staff = self.staff[enrolment.institution_id]
        return {
            "psychologist": staff.psychologist,
            "social_pedagogue": staff.social_pedagogue,
            "teacher": self.teacher(enrolment),
        }.get(line.provider)

    def answers(self, profile: Profile, lean: float) -> dict[str, tuple[str, str]]:
        """The profile's items lean "yes", the others "no"; every item is answered, as a teacher
        does (a questionnaire with unanswered items is marked incomplete, issue 13 trap 7)."""
        answers = {}
        for code in self.item_codes:
            draw = self.rng.random()
            chance = lean if code in profile.items else 0.08
            answers[code] = ("yes" if draw < chance else "partly" if draw < chance + 0.1 else "no", "")
        return answers

    def questionnaire(
        self, enrolment: Enrolment, period: Period, profile: Profile, when: dt.datetime, *, lean: float = 0.85
    ) -> Assessment:
        """The class teacher fills the pupil's questionnaire of ``period`` at ``when``."""
        self.clock.set(when)
        teacher = self.teacher(enrolment)
        assessment = assessment_start(now=self.now, actor=teacher, pupil=enrolment.pupil, period=period)
        if assessment.status == Assessment.Status.DRAFT:
            answers = self.answers(profile, lean)
            assessment = assessment_submit(now=self.now, actor=teacher, assessment=assessment, answers=answers)
        return assessment

    def low_income(self, pupil: Pupil, start: dt.date, until: dt.date) -> None:
        self.clock.set(at(start, 9))
        low_income_status_record(
            now=self.now,
            actor=self.municipality,
            pupil=pupil,
            kind=LowIncomeStatus.Kind.LOW_INCOME,
            valid_from=start - dt.timedelta(days=20),
            valid_until=until,
            source=f"Sociālā dienesta lēmums Nr. SD-{start.year}/{self.rng.randint(100, 999)} (demo)",
        )
        self.counts["low_income"] += 1

    # --- plan content -----------------------------------------------------------------------------

    def inputs(self, profile: Profile, enrolment: Enrolment) -> list[MeasureInput]:
        return [
            MeasureInput(
                measure=self.measures[line.code],
                planned_quantity=Decimal(line.quantity),
                # EXAMPLE entered cost for the demo (quantity × an example cost each), as a school enters
                # the actual cost of tickets or items; a rate's unit price, where set, wins over it.
                planned_cost=Decimal(line.example_cost_each) * line.quantity if line.example_cost_each else None,
                provider=self.provider(line, enrolment),
                provider_name=line.provider_name,
            )
            for line in profile.lines
        ]

    def contact(self, case: Case, teacher: User, happened: dt.datetime, number: int) -> None:
        channel, summary, sensitive = CONTACTS[number % len(CONTACTS)]
        guardian = case.pupil.guardians.order_by("pk").first()
        contact_log(
            now=self.now,
            actor=teacher,
            case=case,
            happened_at=happened,
            channel=channel,
            summary=summary,
            guardian=guardian,
            sensitive=sensitive,
        )
        self.counts["contacts"] += 1

    def approve(self, plan: Plan, enrolment: Enrolment, day: dt.date, until: str) -> tuple[Plan, dt.date]:
        """Through the chain, one step every two days, stopping once ``until`` is reached;
        returns the plan and the day of its last approval."""
        approvers = [self.staff[enrolment.institution_id].director, self.municipality, self.national]
        for hour, approver in zip((10, 12, 14), approvers, strict=True):
            if plan.status == until:
                break
            day = self.day(day, 2)
            day = timezone.localtime(self.step(day, hour)).date()
            plan = plan_approve(now=self.now, actor=approver, plan=plan)
        return plan, day

    def step(self, day: dt.date, hour: int) -> dt.datetime:
        """Move the clock to ``day`` at ``hour`` — or a little after the case's previous step,
        should the semester be too short for the days asked (each case's steps stay in order)."""
        self.cursor = max(at(day, hour), self.cursor + dt.timedelta(minutes=10))
        return self.clock.set(self.cursor)

    def day(self, day: dt.date, later: int) -> dt.date:
        """``later`` days after ``day``, a working day, never past the story's end."""
        return weekday_on_or_before(min(day + dt.timedelta(days=later), self.end), day)
