"""The Gulbene demo's past school years, so that outcomes, rule quality and error rates show real
numbers (issue 15, "Data for the demo and the benchmarks"; decision 0030).

For each school year before the seeded one (2024/25 and 2025/26 for a date in 2026/27):

* the seeded pupils who were at school then get that year's enrolment, as the rollover would have
  left it (a class one grade lower per year back, ended ``class_changed`` on the eve of the next
  year) — they are the pupils who **stayed**;
* former pupils who were there only that year: those who **completed** (grade 9, or 12 at the
  vidusskola), **transferred**, **moved abroad** and **left without completing**, at about the
  shares of ``LEAVING`` of each school;
* flags of that year's semesters, raised far more often for those who left than for the others
  (``FLAG_RATES``), so each rule has a precision, a sensitivity and a specificity to show;
* finished support — a closed case with a plan approved through the chain and consultations —
  for about half of the flagged pupils who stayed and far fewer of those who left: fewer leavers
  among the supported; each plan committed as its final approval would have, at the example
  rates (when ``finance_seed_rates`` has set them, as ``pumpurs seed`` does), so its consultations
  cost money — all plans at once (``plans_commit_late``, decision 0052).

Everything is written in bulk with the ORM, as the services and the rollover would have left it
(like ``support.seeding``'s history: the services act in the current school year only), and
deterministic: one ``random.Random`` by seed, rows read in key order, public ids drawn from it.
At the end the error-rate history of every semester now due is recorded
(``error_rates.error_rates_record``), as the scheduled job would have.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from pumpurs.core import crypto
from pumpurs.finance.commitments import plans_commit_late
from pumpurs.finance.delivered import delivered_refresh
from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Period, Pupil, Role, RoleGrant, SchoolYear, User
from pumpurs.reporting.error_rates import error_rates_record_in_transaction
from pumpurs.risk.models import Flag, FlagStatus
from pumpurs.risk.rules import RULE_VERSION, RULES, default_threshold
from pumpurs.support.models import (
    Case,
    CloseReason,
    Delivery,
    Measure,
    Plan,
    PlanMeasure,
    PlanStatus,
    PlanTransition,
)

R = Enrolment.EndReason
# The demo seed, as finance's seed names it: the history's commitments are audited under it.
SEED_ACTOR = SystemActor(name="system:demo-seed", perms=frozenset(), scope=Scope.country())
# Shares of a school's pupils who end the year each way (besides those who complete).
LEAVING = {R.LEFT: 0.022, R.TRANSFERRED: 0.015, R.MOVED_ABROAD: 0.007}
# The chance that each rule flagged a pupil in the year: (those who left, everyone else). Attendance
# and grades tell most; illness little (decision 0023).
FLAG_RATES = {
    "unjustified_semester": (0.60, 0.035),
    "attendance_4w": (0.45, 0.04),
    "failing_term_grade": (0.35, 0.03),
    "over_age": (0.25, 0.03),
    "nv_period": (0.20, 0.02),
    "average_drop": (0.15, 0.03),
    "incidents_4w": (0.15, 0.02),
    "illness_4w": (0.10, 0.05),
}
SUPPORTED = {"left": 0.15, "stayed": 0.5}  # share of the flagged who got support
SERIAL_BASE = 900_000_000  # personal-code serials of former pupils, apart from the people seed's
FIRST_NAMES = {"F": ("Anete", "Elza", "Katrīna", "Līva", "Marta", "Paula", "Sanija", "Undīne"),
               "M": ("Artūrs", "Dāvis", "Emīls", "Gustavs", "Kristaps", "Markuss", "Roberts", "Ričards")}  # fmt: skip
LAST_NAMES = {"F": ("Bērziņa", "Kalniņa", "Liepiņa", "Ozoliņa", "Zariņa", "Krūmiņa"),
              "M": ("Bērziņš", "Kalniņš", "Liepiņš", "Ozoliņš", "Zariņš", "Krūmiņš")}  # fmt: skip


@dataclass
class Person:
    pupil_id: int
    institution_id: int
    grade: int
    outcome: str  # "stayed", "completed", or an end reason


def history_seed(*, seed: int, today: dt.date) -> dict[str, int]:
    """Write the past school years (see the module docstring); returns counts. Expects the people
    of ``people.seeding``; does nothing before the second seeded year."""
    current = SchoolYear.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
    if current is None:
        return {}
    past = list(SchoolYear.objects.filter(starts_on__lt=current.starts_on).order_by("starts_on"))
    rng = random.Random(f"history-{seed}")  # noqa: S311 — synthetic demo data, not secrets
    counts = {"former_pupils": 0, "past_enrolments": 0, "past_flags": 0, "past_plans": 0}
    staff = _staff()
    current_enrolments = list(
        Enrolment.objects.filter(ends_on__isnull=True, starts_on=current.starts_on, class_group__school_year=current)
        .select_related("class_group")
        .order_by("pupil_id")
    )
    schools = list(Institution.objects.filter(pk__in=staff).order_by("pk"))
    sizes = Counter(e.institution_id for e in current_enrolments)
    serial = SERIAL_BASE
    for back, year in enumerate(reversed(past), start=1):
        following = SchoolYear.objects.filter(starts_on__gt=year.starts_on).order_by("starts_on").first()
        assert following is not None  # an earlier year always has the next one
        classes: dict[tuple[int, str], ClassGroup] = {}

        def klass(
            school_id: int,
            grade: int,
            name: str,
            year: SchoolYear = year,
            classes: dict[tuple[int, str], ClassGroup] = classes,
        ) -> ClassGroup:
            key = (school_id, name)
            if key not in classes:
                classes[key] = ClassGroup(
                    public_id=_uuid(rng), institution_id=school_id, school_year=year, grade=grade, name=name
                )
            return classes[key]

        people: list[Person] = []
        enrolments: list[tuple[Enrolment, ClassGroup]] = []
        eve = following.starts_on - dt.timedelta(days=1)
        # The pupils who stayed: every seeded pupil who was at school ``back`` years ago.
        for e in current_enrolments:
            grade = e.class_group.grade - back
            if grade < 1:
                continue
            name = f"{grade}{e.class_group.name[len(str(e.class_group.grade)) :]}"
            enrolments.append(
                (
                    Enrolment(
                        pupil_id=e.pupil_id,
                        institution_id=e.institution_id,
                        starts_on=year.starts_on,
                        ends_on=eve,
                        end_reason=R.CLASS_CHANGED,
                    ),
                    klass(e.institution_id, grade, name),
                )
            )
            people.append(Person(e.pupil_id, e.institution_id, grade, "stayed"))
        # Former pupils: who completed, moved or left that year.
        formers: list[tuple[Pupil, int, int, str, dt.date]] = []
        s2 = year.periods.order_by("number").last()  # those who left did so in the second semester
        for school in schools:
            size = sizes[school.pk]
            completing = max(1, round(size / school.grade_max * (0.9 if school.grade_max == 9 else 0.5)))
            ways: list[tuple[str, int]] = [(R.COMPLETED, completing)]
            ways += [(reason, round(size * share)) for reason, share in LEAVING.items()]
            for reason, n in ways:
                for _ in range(n):
                    if reason == R.COMPLETED:
                        grade = 9 if school.grade_max == 12 and rng.random() < 0.6 else school.grade_max
                        until = {9: year.grade9_ends_on, 12: year.grade12_ends_on}.get(grade) or year.ends_on
                    else:
                        grade = (
                            rng.randint(min(7, school.grade_max), school.grade_max)
                            if reason == R.LEFT
                            else rng.randint(1, school.grade_max)
                        )
                        first = s2.starts_on if (reason == R.LEFT and s2 is not None) else year.starts_on
                        until = first + dt.timedelta(days=rng.randint(10, max(11, (year.ends_on - first).days - 5)))
                    serial += 1
                    formers.append((_former(rng, year, grade, serial), school.pk, grade, reason, until))
        Pupil.objects.bulk_create([f[0] for f in formers])
        for pupil, school_id, grade, reason, until in formers:
            enrolments.append(
                (
                    Enrolment(
                        pupil_id=pupil.pk,
                        institution_id=school_id,
                        starts_on=year.starts_on,
                        ends_on=until,
                        end_reason=reason,
                    ),
                    klass(school_id, grade, f"{grade}.h"),
                )
            )
            people.append(Person(pupil.pk, school_id, grade, "completed" if reason == R.COMPLETED else reason))
        ClassGroup.objects.bulk_create(list(classes.values()))
        for enrolment, group in enrolments:
            enrolment.class_group_id = group.pk
        Enrolment.objects.bulk_create([e for e, _ in enrolments])
        counts["former_pupils"] += len(formers)
        counts["past_enrolments"] += len(enrolments)
        flags, flagged = _flags(rng, year, people)
        counts["past_flags"] += flags
        counts["past_plans"] += _support(rng, year, people, flagged, staff)
    error_rates_record_in_transaction(today=today)
    return counts


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _former(rng: random.Random, year: SchoolYear, grade: int, serial: int) -> Pupil:
    gender = rng.choice(("F", "M"))
    born = dt.date(year.starts_on.year - 6 - grade, rng.randint(1, 12), rng.randint(1, 28))
    # New-format codes (no birth date in them, DESIGN §4) from a range the people seed never reaches.
    code = f"32{serial:09d}"
    return Pupil(
        public_id=_uuid(rng),
        personal_code_encrypted=crypto.encrypt(code),
        personal_code_hash=crypto.lookup_hash(code),
        first_name=rng.choice(FIRST_NAMES[gender]),
        last_name=rng.choice(LAST_NAMES[gender]),
        birth_date=born,
        gender=gender,
    )


def _moment(day: dt.date, hour: int = 6) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _flags(rng: random.Random, year: SchoolYear, people: list[Person]) -> tuple[int, set[int]]:
    """Flags in the year's semesters, by ``FLAG_RATES``: a leaver's in a semester before they left."""
    periods = list(year.periods.order_by("number"))
    rows: list[Flag] = []
    pupils: set[int] = set()
    for person in people:
        left = person.outcome == R.LEFT
        for code, (if_left, otherwise) in FLAG_RATES.items():
            if rng.random() >= (if_left if left else otherwise):
                continue
            period = periods[0] if left or rng.random() < 0.5 else periods[-1]
            raised = period.starts_on + dt.timedelta(days=rng.randint(28, 70))
            rule, threshold = RULES[code], default_threshold(code)
            value = threshold + (Decimal(-5) if rule.op == "lt" else Decimal(rng.randint(1, 6)))
            draw = rng.random()
            status = FlagStatus.ACCEPTED if draw < 0.6 else FlagStatus.DISMISSED if draw < 0.8 else FlagStatus.OPEN
            if status == FlagStatus.OPEN:
                status = FlagStatus.ACCEPTED  # a past semester's flags were all decided
            rows.append(
                Flag(
                    public_id=_uuid(rng),
                    pupil_id=person.pupil_id,
                    period=period,
                    rule=code,
                    rule_version=RULE_VERSION,
                    status=status,
                    value=max(value, Decimal(0)),
                    threshold=threshold,
                    evidence={"source": rule.source, "from": raised.isoformat(), "to": raised.isoformat()},
                    raised_at=_moment(raised),
                    last_seen_at=_moment(raised),
                    condition_holds=False,
                )
            )
            pupils.add(person.pupil_id)
    Flag.objects.bulk_create(rows)
    return len(rows), pupils


@dataclass(frozen=True)
class SchoolStaff:
    coordinator: User
    director: User
    psychologist: User | None


def _staff() -> dict[int, SchoolStaff]:
    found: dict[tuple[int, str], User] = {}
    for grant in RoleGrant.objects.filter(institution__isnull=False).select_related("user").order_by("user__username"):
        key = grant.specialist_kind if grant.role == Role.SPECIALIST else grant.role
        found.setdefault((grant.institution_id or 0, key), grant.user)
    staff = {}
    for school_id in Institution.objects.order_by("pk").values_list("pk", flat=True):
        coordinator, director = found.get((school_id, Role.SCHOOL_COORDINATOR)), found.get((school_id, Role.DIRECTOR))
        if coordinator and director:
            staff[school_id] = SchoolStaff(coordinator, director, found.get((school_id, "psychologist")))
    return staff


def _support(
    rng: random.Random, year: SchoolYear, people: list[Person], flagged: set[int], staff: dict[int, SchoolStaff]
) -> int:
    """Finished support in the year's first semester for some of the flagged (see the docstring)."""
    period: Period = year.periods.order_by("number").first()  # type: ignore[assignment]  # a year has semesters
    municipality = RoleGrant.objects.filter(role=Role.MUNICIPALITY_COORDINATOR).order_by("user__username").first()
    national = RoleGrant.objects.filter(role=Role.NATIONAL_PROGRAMME).order_by("user__username").first()
    measure = Measure.objects.filter(code="consult-psychologist").order_by("valid_from").first()
    if municipality is None or national is None or measure is None or period is None:
        return 0
    chosen = [
        p
        for p in people
        if p.pupil_id in flagged
        and p.institution_id in staff
        and rng.random() < SUPPORTED["left" if p.outcome == R.LEFT else "stayed"]
    ]
    cases, plans, lines, transitions, deliveries = [], [], [], [], []
    for person in chosen:
        team = staff[person.institution_id]
        opened = _moment(period.starts_on + dt.timedelta(days=rng.randint(14, 28)), 10)
        closed = _moment(period.ends_on - dt.timedelta(days=3), 12)
        reason = CloseReason.LEFT_SCHOOL if person.outcome == R.LEFT else CloseReason.RISK_REDUCED
        cases.append(
            Case(
                public_id=_uuid(rng),
                pupil_id=person.pupil_id,
                institution_id=person.institution_id,
                origin=Case.Origin.FLAG,
                reason="Daudz neattaisnotu kavējumu; sekmes krītas.",
                status=Case.Status.CLOSED,
                opened_by=team.coordinator,
                opened_at=opened,
                closed_at=closed,
                close_reason=reason,
            )
        )
    Case.objects.bulk_create(cases)
    for case in cases:
        team = staff[case.institution_id]
        plans.append(
            Plan(
                public_id=_uuid(rng),
                case=case,
                period=period,
                status=PlanStatus.CLOSED,
                chain="director,municipality,national",
                prepared_by=team.coordinator,
                submitted_by=team.coordinator,
                version=8,
            )
        )
    Plan.objects.bulk_create(plans)
    for plan, case in zip(plans, cases, strict=True):
        team = staff[case.institution_id]
        start = case.opened_at
        steps = [
            ("created", "", "", PlanStatus.DRAFT, team.coordinator, 1),
            ("submitted", "", PlanStatus.DRAFT, PlanStatus.SUBMITTED, team.coordinator, 2),
            ("approved", "director", PlanStatus.SUBMITTED, PlanStatus.DIRECTOR_APPROVED, team.director, 3),
            ("approved", "municipality", PlanStatus.DIRECTOR_APPROVED, PlanStatus.MUNICIPALITY_APPROVED, municipality.user, 5),
            ("approved", "national", PlanStatus.MUNICIPALITY_APPROVED, PlanStatus.APPROVED, national.user, 7),
            ("activated", "", PlanStatus.APPROVED, PlanStatus.ACTIVE, None, 7),
            ("review_started", "", PlanStatus.ACTIVE, PlanStatus.IN_REVIEW, team.coordinator, None),
            ("closed", "", PlanStatus.IN_REVIEW, PlanStatus.CLOSED, team.coordinator, None),
        ]  # fmt: skip
        for action, step, before, after, actor, days in steps:
            at = start + dt.timedelta(days=days) if days is not None else (case.closed_at or start)
            transitions.append(
                PlanTransition(
                    plan=plan, action=action, step=step, from_status=before, to_status=after, actor=actor, at=at
                )
            )
        lines.append(
            PlanMeasure(
                public_id=_uuid(rng),
                plan=plan,
                measure=measure,
                provider=team.psychologist,
                planned_quantity=Decimal(6),
            )
        )
    PlanTransition.objects.bulk_create(transitions)
    PlanMeasure.objects.bulk_create(lines)
    for line, case in zip(lines, cases, strict=True):
        team = staff[case.institution_id]
        first = (case.opened_at + dt.timedelta(days=10)).date()
        for week in range(rng.randint(2, 6)):
            day = first + dt.timedelta(days=7 * week)
            if day >= period.ends_on:
                break
            deliveries.append(
                Delivery(
                    public_id=_uuid(rng),
                    line=line,
                    delivered_on=day,
                    quantity=Decimal(1),
                    minutes=45,
                    specialist=team.psychologist,
                    mode=Delivery.Mode.IN_PERSON,
                    topic="Motivācija un mācību plānošana",
                    recorded_by=team.psychologist or team.coordinator,
                    recorded_at=_moment(day, 15),
                )
            )
    Delivery.objects.bulk_create(deliveries)
    # Written past the delivery services: the delivered-cents rollup learns of them here (decision 0033).
    delivered_refresh(line.pk for line in lines)
    # Money: committed through finance's service at the example rates in force on the semester's
    # start, as the final approval would have (``finance.seeding`` does the same for the current
    # year's previous semester), so that cost per supported pupil shows for the past years too.
    plans_commit_late(
        actor=SEED_ACTOR,
        plans=[(plan, case.opened_at + dt.timedelta(days=7)) for plan, case in zip(plans, cases, strict=True)],
    )
    return len(plans)


__all__ = ["history_seed"]
