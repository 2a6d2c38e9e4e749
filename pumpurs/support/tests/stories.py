"""Small helpers shared by the support service tests: the semester under way on the test clock's
day, the next one, a vocational school, and a flag to open a case from.

The tests derive every date from the test clock (conftest.py: 10:00 on ``SCHOOL_DAY`` unless a
test asks for another day) and the plan's semester."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation

from pumpurs.people.calendar import school_years_ensure
from pumpurs.people.models import ClassGroup, Institution, Period, Pupil, Role, User
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.services import pupil_create
from pumpurs.risk.models import Flag, FlagStatus
from pumpurs.support.plans import next_period
from pumpurs.world.personas import World, make_user

ONE_DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def semester_now() -> Period:
    """The semester under way on the test clock's day (a school day, with yesterday and tomorrow
    inside the same semester: the stories that use it run on ``SCHOOL_DAY``)."""
    day = today()
    period = Period.objects.get(starts_on__lte=day - ONE_DAY, ends_on__gte=day + ONE_DAY)
    return period


def semester_after(period: Period) -> Period:
    """The semester after ``period``, creating the next school year when the calendar ends."""
    following = next_period(period)
    if following is None:
        school_years_ensure(today=period.school_year.ends_on + dt.timedelta(days=120))
        following = next_period(period)
    assert following is not None
    return following


def accepted_flag(pupil: Pupil, period: Period, *, status: str = FlagStatus.ACCEPTED) -> Flag:
    """A flag as the nightly refresh would raise it (like pumpurs/risk/tests/watch_factories)."""
    now = timezone.now()
    return Flag.objects.create(
        pupil=pupil,
        period=period,
        rule="unjustified_semester",
        rule_version="test",
        status=status,
        value=Decimal(23),
        threshold=Decimal(20),
        evidence={"source": "attendance", "unjustified": 23},
        raised_at=now,
        last_seen_at=now,
    )


@dataclass
class Vocational:
    school: Institution
    klass: ClassGroup
    teacher: User
    director: User
    pupil: Pupil


def vocational_school(world: World) -> Vocational:
    """A state vocational school in Gulbene with a first-course group, its teacher, director and
    one pupil (the approval chain skips the municipality)."""
    school = Institution.objects.create(
        code="T-PROF",
        name="Gulbenes profesionālā vidusskola",
        kind=Institution.Kind.VOCATIONAL,
        municipality=world.gulbene,
        grade_min=1,
        grade_max=4,
    )
    teacher = make_user("arta.skola", "Arta", "Skola", {"role": Role.CLASS_TEACHER, "institution": school})
    director = make_user("ivars.vadis", "Ivars", "Vadis", {"role": Role.DIRECTOR, "institution": school})
    coordinator = make_user("ruta.prof", "Rūta", "Prof", {"role": Role.SCHOOL_COORDINATOR, "institution": school})
    klass = ClassGroup.objects.create(
        institution=school, school_year=world.year, grade=1, name="1.k", class_teacher=teacher
    )
    born = dt.date(world.year.starts_on.year - 16, 5, 2)
    pupil = pupil_create(
        actor=coordinator,
        personal_code=synthetic_code(born, 201),
        first_name="Kristaps",
        last_name="Ozols",
        birth_date=born,
        gender=Pupil.Gender.MALE,
        class_group=klass,
        starts_on=world.year.starts_on,
    )
    return Vocational(school=school, klass=klass, teacher=teacher, director=director, pupil=pupil)


def english() -> Iterator[None]:
    """Messages are checked in English (the msgids), whatever the lead translates them to."""
    with translation.override("en"):
        yield
