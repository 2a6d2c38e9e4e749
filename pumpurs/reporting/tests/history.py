"""Past school years by hand, for the outcome, rule-quality and error-rate tests.

The roster services enrol pupils in the current school year only, so a past year's pupils,
flags and support are written with the ORM here, as the services and the rollover would have left
them: an enrolment from the year's first day, ended with a date and a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from pumpurs.core import crypto
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Period, Pupil, SchoolYear, User
from pumpurs.people.personal_code import synthetic_code
from pumpurs.risk.models import Flag, FlagStatus
from pumpurs.support.models import Case, Delivery, Plan, PlanMeasure, PlanStatus, PlanTransition
from pumpurs.support.testing import measure

PAST = "2024/25"
LATER = "2025/26"


def year(name: str = PAST) -> SchoolYear:
    return SchoolYear.objects.get(name=name)


def semester(name: str = PAST, number: int = 1) -> Period:
    return Period.objects.get(school_year__name=name, number=number)


def at_ten(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def klass(school: Institution, school_year: SchoolYear, grade: int) -> ClassGroup:
    found, _ = ClassGroup.objects.get_or_create(
        institution=school, school_year=school_year, name=f"{grade}.a", defaults={"grade": grade}
    )
    return found


def past_pupil(
    school: Institution,
    serial: int,
    *,
    grade: int = 7,
    gender: str = Pupil.Gender.FEMALE,
    ends_on: dt.date | None = None,
    reason: str = "",
    school_year: str = PAST,
    continues: bool = False,
) -> Pupil:
    """A pupil enrolled at ``school`` from the first day of ``school_year``; the enrolment ends on
    ``ends_on`` for ``reason`` (open when not given). ``continues``: the rollover moved them up a
    grade into the next year (ended ``class_changed`` on the eve, a new open enrolment)."""
    sy = year(school_year)
    born = dt.date(sy.starts_on.year - 6 - grade, 5, 1 + serial % 27)
    code = synthetic_code(born, 900 + serial)
    pupil = Pupil.objects.create(
        personal_code_encrypted=crypto.encrypt(code),
        personal_code_hash=crypto.lookup_hash(code),
        first_name=f"Vēsture{serial}",
        last_name="Pagātne",
        birth_date=born,
        gender=gender,
    )
    if continues:
        following = SchoolYear.objects.filter(starts_on__gt=sy.starts_on).order_by("starts_on").first()
        assert following is not None
        ends_on, reason = following.starts_on - dt.timedelta(days=1), Enrolment.EndReason.CLASS_CHANGED
        Enrolment.objects.create(
            pupil=pupil,
            class_group=klass(school, following, grade + 1),
            institution=school,
            starts_on=following.starts_on,
        )
    Enrolment.objects.create(
        pupil=pupil,
        class_group=klass(school, sy, grade),
        institution=school,
        starts_on=sy.starts_on,
        ends_on=ends_on,
        end_reason=reason,
    )
    return pupil


def flag(pupil: Pupil, period: Period, rule: str, raised_on: dt.date | None = None) -> Flag:
    moment = at_ten(raised_on or period.starts_on + dt.timedelta(days=30))
    return Flag.objects.create(
        pupil=pupil,
        period=period,
        rule=rule,
        rule_version="test",
        status=FlagStatus.ACCEPTED,
        value=Decimal(25),
        threshold=Decimal(20),
        evidence={},
        raised_at=moment,
        last_seen_at=moment,
    )


def support(pupil: Pupil, school: Institution, period: Period, staff: User, delivered_on: dt.date) -> Delivery:
    """A finished plan of ``period`` (finally approved) with one consultation on ``delivered_on``."""
    opened = at_ten(period.starts_on)
    case = Case.objects.create(
        pupil=pupil, institution=school, origin=Case.Origin.MANUAL, opened_by=staff, opened_at=opened
    )
    plan = Plan.objects.create(case=case, period=period, status=PlanStatus.CLOSED, chain="director", prepared_by=staff)
    PlanTransition.objects.create(
        plan=plan,
        action=PlanTransition.Action.APPROVED,
        step="director",
        from_status=PlanStatus.SUBMITTED,
        to_status=PlanStatus.APPROVED,
        actor=staff,
        at=opened,
    )
    line = PlanMeasure.objects.create(plan=plan, measure=measure("consult-psychologist"), planned_quantity=Decimal(4))
    return Delivery.objects.create(
        line=line,
        delivered_on=delivered_on,
        quantity=Decimal(1),
        minutes=45,
        specialist=staff,
        recorded_by=staff,
        recorded_at=at_ten(delivered_on),
    )
