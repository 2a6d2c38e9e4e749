"""``supported_pupils`` and ``pupils_with_active_plan`` read each pupil's school with their plan in one
join (decision 0045): the same pupils, counted at the same schools, as the per-pupil look-up they
replaced — checked on pupils supported at two schools, twice at one, with a voided delivery, in
past and current semesters, over every window and several scopes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pumpurs.people.models import Enrolment, Institution, Pupil
from pumpurs.reporting import definitions as d
from pumpurs.reporting.tests import history as h
from pumpurs.reporting.tests.cohort import build_cohort
from pumpurs.support.models import Case, CloseReason, Delivery, Plan
from pumpurs.world.personas import World


def _old_pupils_of(latest: QuerySet[Plan], institutions: Iterable[int]) -> QuerySet[Pupil]:
    """The implementation replaced: a correlated look-up of the plan's school per pupil."""
    place = Subquery(latest.filter(case__pupil_id=OuterRef("pk")).values("case__institution_id")[:1])
    return (
        Pupil.objects.filter(pk__in=latest.values("case__pupil_id"))
        .annotate(**{d.COUNTED_AT: place})
        .filter(**{f"{d.COUNTED_AT}__in": list(institutions)})
    )


def _rows(pupils: QuerySet[Pupil]) -> list[tuple[int, int]]:
    return sorted(pupils.values_list("pk", d.COUNTED_AT))


def _close(delivery: Delivery, day: dt.date) -> None:
    """Close the delivery's case (a pupil has one open case at a time)."""
    case = delivery.line.plan.case
    case.closed_at = h.at_ten(day + dt.timedelta(days=11))
    case.status, case.close_reason = Case.Status.CLOSED, CloseReason.MOVED
    case.save(update_fields=["closed_at", "status", "close_reason"])


@pytest.fixture
def varied(world: World) -> None:
    build_cohort(world)  # this semester: Anna supported and with a plan in force at Lizuma
    staff = world.coordinator_lizuma
    first, second = h.semester(number=1), h.semester(number=2)
    # moved from Lizuma to Tirzas between the semesters, supported at both
    mover = h.past_pupil(world.lizuma, 1, ends_on=dt.date(2025, 1, 31), reason=Enrolment.EndReason.TRANSFERRED)
    Enrolment.objects.create(
        pupil=mover,
        class_group=h.klass(world.tirzas, h.year(), 7),
        institution=world.tirzas,
        starts_on=second.starts_on,
    )
    _close(h.support(mover, world.lizuma, first, staff, first.starts_on + dt.timedelta(days=20)), first.ends_on)
    h.support(mover, world.tirzas, second, staff, second.starts_on + dt.timedelta(days=20))
    # two cases in one semester at two schools: the newer plan decides
    twice = h.past_pupil(world.lizuma, 2)
    _close(h.support(twice, world.lizuma, first, staff, first.starts_on + dt.timedelta(days=10)), first.starts_on)
    h.support(twice, world.madona_school, first, staff, first.starts_on + dt.timedelta(days=40))
    # supported once, then the delivery voided: not supported, though the plan stays in force
    voided = h.support(h.past_pupil(world.tirzas, 3), world.tirzas, first, staff, first.starts_on)
    voided.voided_at, voided.voided_by, voided.void_reason = timezone.now(), staff, "entered twice"
    voided.save(update_fields=["voided_at", "voided_by", "void_reason"])
    h.support(h.past_pupil(world.madona_school, 4), world.madona_school, second, staff, second.ends_on)


def _windows(world: World) -> list[tuple[dt.date, dt.date]]:
    first, second = h.semester(number=1), h.semester(number=2)
    return [
        (first.starts_on, first.ends_on),
        (second.starts_on, second.ends_on),
        (h.year().starts_on, h.year().ends_on),
        (first.starts_on, first.starts_on + dt.timedelta(days=15)),
        (second.ends_on, second.ends_on),
        (world.today - dt.timedelta(days=world.today.weekday()), world.today),
        (world.today.replace(month=9, day=1), world.today),
    ]


@pytest.mark.django_db
def test_the_join_counts_the_pupils_the_per_pupil_look_up_counted(world: World, varied: None) -> None:
    everywhere = list(Institution.objects.values_list("pk", flat=True))
    scopes = [everywhere, [world.lizuma.pk], [world.tirzas.pk, world.madona_school.pk], []]
    non_empty = 0
    for start, end in _windows(world):
        for new, latest in (
            (d.supported_pupils, d.latest_supporting_plans),
            (d.pupils_with_active_plan, d.latest_plans_in_force),
        ):
            everyone = latest(Institution.objects.all(), start, end)
            for scope in scopes:
                expected = _rows(_old_pupils_of(everyone, scope))
                assert _rows(new(scope, start, end)) == expected, (new.__name__, start, end, scope)
                non_empty += bool(expected)
            grouped = d.count_by_institution(new(Institution.objects.all(), start, end))
            assert grouped == d.count_by_institution(_old_pupils_of(everyone, everywhere))
    assert non_empty >= 10  # the fixture is not vacuous
    first = h.semester(number=1)
    year = h.year()
    assert dict(_rows(d.supported_pupils(everywhere, year.starts_on, year.ends_on))).get(
        Pupil.objects.get(first_name="Vēsture1").pk
    ) == (world.tirzas.pk)
    assert dict(_rows(d.supported_pupils(everywhere, first.starts_on, first.ends_on))).get(
        Pupil.objects.get(first_name="Vēsture2").pk
    ) == (world.madona_school.pk)


@pytest.mark.django_db
def test_supported_pupils_is_one_statement_without_a_per_pupil_look_up(world: World, varied: None) -> None:
    year = h.year()
    with CaptureQueriesContext(connection) as queries:
        d.count_by_institution(d.supported_pupils(Institution.objects.all(), year.starts_on, year.ends_on))
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    # the school comes from the join, not from a sub-select correlated with each pupil's row
    assert '= ("people_pupil"."id")' not in sql
