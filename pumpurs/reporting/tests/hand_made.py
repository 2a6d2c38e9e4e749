"""A hand-made cohort for the cost and effect stories: pupils of one class with their attendance
in the semester's first and last four weeks, and deliveries of one measure under their plans.

Facts are written straight into the tables (as an import would leave them); the cases and plans
are rows as the support services leave them once a plan runs — the services' own stories are
told in support's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pumpurs.finance.models import Commitment
from pumpurs.journal.models import AttendanceDay
from pumpurs.people.models import ClassGroup, Period, Pupil, User
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.services import pupil_create
from pumpurs.support.models import (
    ApprovalStep,
    Case,
    Delivery,
    Measure,
    Plan,
    PlanMeasure,
    PlanStatus,
    PlanTransition,
)


def pupils(actor: User, klass: ClassGroup, count: int, *, serial: int) -> list[Pupil]:
    born = dt.date(klass.school_year.starts_on.year - 13, 5, 1)
    return [
        pupil_create(
            actor=actor,
            # A birthday of their own: ``synthetic_code`` skips a serial whose check digit would be 10.
            personal_code=synthetic_code(born + dt.timedelta(days=i), serial),
            first_name="Skolēns",
            last_name=f"Nr{serial + i}",
            birth_date=born + dt.timedelta(days=i),
            gender=Pupil.Gender.FEMALE if i % 2 else Pupil.Gender.MALE,
            class_group=klass,
            starts_on=klass.school_year.starts_on,
        )
        for i in range(count)
    ]


def attendance(pupil: Pupil, period: Period, *, first: int, last: int, lessons: int = 100) -> None:
    """``first`` unjustified lessons of ``lessons`` on the semester's second day, ``last`` of
    ``lessons`` three days before the semester ends or before today, whichever comes first (in
    its last four weeks so far)."""
    last_day = min(period.ends_on, timezone.localdate()) - dt.timedelta(days=3)
    AttendanceDay.objects.bulk_create(
        [
            AttendanceDay(
                pupil=pupil, date=period.starts_on + dt.timedelta(days=1), lessons=lessons, unjustified=first
            ),
            AttendanceDay(pupil=pupil, date=last_day, lessons=lessons, unjustified=last),
        ]
    )


def deliver(
    actor: User,
    pupil: Pupil,
    period: Period,
    measure: Measure,
    quantities: list[Decimal],
    *,
    amount: Decimal | None = None,
    unit_cents: int | None = None,
    status: str = PlanStatus.ACTIVE,
) -> PlanMeasure:
    """An active plan for ``pupil`` in ``period`` with ``measure`` delivered in ``quantities``
    (each delivery at ``amount`` EUR if given, else priced by the commitment's ``unit_cents``)."""
    now = timezone.now()
    enrolment = pupil.enrolments.get()
    case = Case.objects.filter(pupil=pupil, status=Case.Status.OPEN).first() or Case.objects.create(
        pupil=pupil, institution=enrolment.institution, origin=Case.Origin.MANUAL, opened_by=actor, opened_at=now
    )
    plan = Plan.objects.filter(case=case, period=period).first()
    if plan is None:
        plan = Plan.objects.create(case=case, period=period, status=status, prepared_by=actor)
        if status != PlanStatus.DRAFT:  # its final approval, as the chain's last step writes it
            PlanTransition.objects.create(
                plan=plan,
                action=PlanTransition.Action.APPROVED,
                step=ApprovalStep.NATIONAL,
                from_status=PlanStatus.MUNICIPALITY_APPROVED,
                to_status=PlanStatus.APPROVED,
                actor=actor,
                at=now,
            )
    line = PlanMeasure.objects.create(plan=plan, measure=measure, planned_quantity=sum(quantities, Decimal(0)))
    if unit_cents is not None:
        Commitment.objects.create(
            line=line,
            plan=plan,
            institution=enrolment.institution,
            school_year=period.school_year,
            unit_cents=unit_cents,
            amount_cents=int(unit_cents * sum(quantities, Decimal(0))),
            committed_at=now,
        )
    for i, quantity in enumerate(quantities):
        Delivery.objects.create(
            line=line,
            delivered_on=period.starts_on + dt.timedelta(days=7 + i),
            quantity=quantity,
            amount=amount,
            recorded_by=actor,
            recorded_at=now,
        )
    return line
