"""The effect page's pre-aggregate (decision 0038): the estimate from the sufficient statistics is
the estimate from the pupils' rows, the costs from the cells are the costs counted live, and the
page reads the cells once they are written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.journal.models import AttendanceDay
from pumpurs.people.models import Enrolment, Institution, Period, SchoolYear
from pumpurs.reporting import definitions
from pumpurs.reporting.costs import measure_costs, measure_figures
from pumpurs.reporting.effects import Effects, cohort, measure_effects
from pumpurs.reporting.effects_refresh import aggregated_effects, aggregated_figures, effects_refresh
from pumpurs.reporting.estimation import Estimate, cells_of, estimate_att, estimate_att_from_cells
from pumpurs.reporting.models import CostCell, EffectCell, MonitoringRefresh
from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.reporting.tests import hand_made
from pumpurs.risk.models import Flag
from pumpurs.support.testing import measure
from pumpurs.world.personas import World

TOLERANCE = 1e-9


def same(a: Estimate | None, b: Estimate | None) -> None:
    """Two estimates agree: the same pupils, and the effect and both bounds to 1e-9."""
    assert a is not None
    assert b is not None
    assert (a.treated, a.compared, a.minimum, a.enough) == (b.treated, b.compared, b.minimum, b.enough)
    if a.enough:
        for x, y in ((a.effect, b.effect), (a.low, b.low), (a.high, b.high)):
            assert x is not None
            assert y is not None
            assert abs(x - y) < TOLERANCE


def same_effects(live: Effects, aggregated: Effects | None) -> None:
    assert aggregated is not None
    assert (aggregated.first_window, aggregated.last_window) == (live.first_window, live.last_window)
    assert (aggregated.pupils, aggregated.horizon, aggregated.one_year_due) == (
        live.pupils,
        live.horizon,
        live.one_year_due,
    )
    assert [m.code for m in aggregated.measures] == [m.code for m in live.measures]
    for a, b in zip(live.measures, aggregated.measures, strict=True):
        same(a.attendance, b.attendance)
        if a.left is None:
            assert b.left is None
        else:
            same(a.left, b.left)


# --- The arithmetic -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_cells_give_the_rows_estimate_and_robust_interval(seed: int) -> None:
    """Confounded synthetic pupils (the measure far more often in worse strata, a spread that
    differs by stratum and arm), some unmeasured, some strata with one arm only."""
    rng = np.random.default_rng(seed)
    n = 4000
    stratum = rng.integers(0, 16, n).astype(np.int64) * 10 + 1000
    treated = rng.random(n) < 0.05 + 0.02 * (stratum - 1000) / 10
    outcome = rng.normal((stratum - 1000) / 20, 1 + (stratum - 1000) / 50, n) - 4 * treated
    outcome += rng.normal(0, 3, n) * treated
    outcome[rng.random(n) < 0.07] = np.nan
    treated[stratum == 1150] = False  # a stratum with no receiver
    treated[stratum == 1000] = True  # a stratum with no comparison pupil
    rows = estimate_att(outcome, treated, stratum, minimum=30)
    cells = estimate_att_from_cells(cells_of(outcome, treated, stratum), minimum=30)
    assert rows.enough
    same(rows, cells)


def test_under_the_minimum_neither_estimates() -> None:
    stratum = np.array([1, 1, 1, 1, 2, 2], dtype=np.int64)
    treated = np.array([True, False, False, True, True, False])
    outcome = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    rows = estimate_att(outcome, treated, stratum, minimum=3)
    cells = estimate_att_from_cells(cells_of(outcome, treated, stratum), minimum=3)
    assert not rows.enough
    assert cells == rows  # the same counts behind "not enough pupils"


# --- The cohort in the database -------------------------------------------------------------------

NOISE = [-4, -2, 0, 2, 4, -3, -1, 0, 1, 6]  # uneven: the robust error has something to do


@pytest.fixture
def semester(world: World) -> Period:
    return world.year.periods.get(number=1)


@pytest.fixture
def planted(world: World, semester: Period) -> World:
    """Lizuma 7.a (Gulbene): psychologist hours for ten pupils whose unjustified absences fell by
    about 5 points more than ten classmates'; four of each flagged in the first weeks (another
    stratum). Madona 7.a: transport for six, six without, no effect planted."""
    actor = world.coordinator_lizuma
    received = hand_made.pupils(actor, world.lizuma_7a, 10, serial=400)
    others = hand_made.pupils(actor, world.lizuma_7a, 10, serial=500)
    for i, (pupil, noise) in enumerate(zip(received, NOISE, strict=True)):
        hand_made.attendance(pupil, semester, first=12 + i, last=12 + i - 5 + noise)
        hand_made.deliver(actor, pupil, semester, measure("consult-psychologist"), [Decimal(2)], unit_cents=2500)
    for i, (pupil, noise) in enumerate(zip(others, reversed(NOISE), strict=True)):
        hand_made.attendance(pupil, semester, first=10 + i, last=10 + i + noise)
    early = timezone.make_aware(dt.datetime.combine(semester.starts_on + dt.timedelta(days=10), dt.time(10)))
    for pupil in [*received[:4], *others[:4]]:
        Flag.objects.create(
            pupil=pupil,
            period=semester,
            rule="unjustified_absences",
            rule_version="1",
            value=Decimal(25),
            threshold=Decimal(20),
            raised_at=early,
            last_seen_at=early,
        )
    madona = world.coordinator_madona_school
    moved = hand_made.pupils(madona, world.madona_7a, 6, serial=800)
    stayed = hand_made.pupils(madona, world.madona_7a, 6, serial=900)
    for i, pupil in enumerate(moved):
        hand_made.attendance(pupil, semester, first=20, last=18 + i)
        hand_made.deliver(madona, pupil, semester, measure("transport"), [Decimal(4)], amount=Decimal("3.50"))
    for i, pupil in enumerate(stayed):
        hand_made.attendance(pupil, semester, first=20, last=21 - i)
    return world


def test_the_pre_aggregate_gives_the_live_estimate_for_a_municipality_and_the_country(
    planted: World, semester: Period
) -> None:
    today = timezone.localdate()
    effects_refresh(today=today)
    for ids in ([planted.gulbene.pk], [planted.madona.pk], [planted.gulbene.pk, planted.madona.pk], None):
        live = measure_effects(semester, municipality_ids=ids, today=today, minimum=5)
        same_effects(live, aggregated_effects(semester, municipality_ids=ids, minimum=5))
    gulbene = aggregated_effects(semester, municipality_ids=[planted.gulbene.pk], minimum=5)
    assert gulbene is not None
    (psychologist,) = gulbene.measures
    assert psychologist.attendance.enough
    assert psychologist.attendance.effect == pytest.approx(-5.0, abs=1.0)
    assert (psychologist.attendance.treated, psychologist.attendance.compared) == (10, 10)
    # The two arms of each stratum are stored for each measure, for Gulbene and for the country.
    rows = EffectCell.objects.filter(period=semester, municipality=planted.gulbene, measure="consult-psychologist")
    assert {(r.stratum, r.treated, r.pupils) for r in rows if r.stratum in (1200, 1201)} >= {
        (1201, True, 4),
        (1201, False, 4),
        (1200, True, 6),
    }


@pytest.fixture
def last_year(world: World) -> Period:
    """Lizuma 6.a a school year earlier: ten with psychologist hours (one left school without
    completing), ten without (six left)."""
    actor = world.coordinator_lizuma
    year = SchoolYear.objects.filter(starts_on__lt=world.year.starts_on).order_by("-starts_on").first()
    assert year is not None
    semester = year.periods.get(number=1)
    klass = hand_made.ClassGroup.objects.create(institution=world.lizuma, school_year=year, grade=6, name="6.a")
    received = hand_made.pupils(actor, world.lizuma_7a, 10, serial=600)
    others = hand_made.pupils(actor, world.lizuma_7a, 10, serial=700)
    Enrolment.objects.filter(pupil__in=[*received, *others]).update(class_group=klass, starts_on=year.starts_on)
    for pupil in received:
        hand_made.deliver(actor, pupil, semester, measure("consult-psychologist"), [Decimal(1)], unit_cents=2500)
    Enrolment.objects.filter(pupil__in=[received[0], *others[:6]]).update(
        ends_on=semester.starts_on + dt.timedelta(days=120), end_reason=Enrolment.EndReason.LEFT
    )
    return semester


def test_the_one_year_outcome_from_the_pre_aggregate(world: World, last_year: Period) -> None:
    today = timezone.localdate()
    effects_refresh(today=today)
    live = measure_effects(last_year, municipality_ids=[world.gulbene.pk], today=today, minimum=5)
    aggregated = aggregated_effects(last_year, municipality_ids=[world.gulbene.pk], minimum=5)
    same_effects(live, aggregated)
    assert aggregated is not None
    left = aggregated.measures[0].left
    assert left is not None
    assert left.effect == pytest.approx(-50.0)


def test_a_pupil_with_two_enrolments_on_the_first_day_counts_once_at_the_latest(
    planted: World, semester: Period
) -> None:
    pupil = planted.pupil_madona
    # A move on the first day: Madona's enrolment ends five days later, Lizuma's begins that day.
    Enrolment.objects.filter(pupil=pupil).update(
        ends_on=semester.starts_on + dt.timedelta(days=5), end_reason=Enrolment.EndReason.TRANSFERRED
    )
    Enrolment.objects.create(
        pupil=pupil,
        institution=planted.lizuma,
        class_group=planted.lizuma_7a,
        starts_on=semester.starts_on,
    )
    today = timezone.localdate()
    country = cohort(semester, municipality_ids=None, today=today)
    assert list(country.pupil_ids).count(pupil.pk) == 1
    madona = cohort(semester, municipality_ids=[planted.madona.pk], today=today)
    gulbene = cohort(semester, municipality_ids=[planted.gulbene.pk], today=today)
    assert pupil.pk not in madona.pupil_ids  # the later enrolment is Lizuma's
    assert pupil.pk in gulbene.pupil_ids
    assert len(madona.pupil_ids) + len(gulbene.pupil_ids) == len(country.pupil_ids)


# --- Costs ----------------------------------------------------------------------------------------


def test_the_costs_from_the_cells_are_the_costs_counted_live(planted: World, semester: Period) -> None:
    effects_refresh(today=timezone.localdate())
    year = semester.school_year.periods.order_by("number")
    for start, end in ((semester.starts_on, semester.ends_on), (year.first().starts_on, year.last().ends_on)):  # type: ignore[union-attr]
        for ids in ([planted.gulbene.pk], [planted.madona.pk], None):
            assert aggregated_figures(start, end, municipality_ids=ids) == measure_figures(
                start, end, municipality_ids=ids
            )
        # Several municipalities but not the country: distinct pupils do not add up — counted live.
        assert aggregated_figures(start, end, municipality_ids=[planted.gulbene.pk, planted.madona.pk]) is None
    # The supported pupils counted by their latest supporting plans are the definition's own.
    everywhere = Institution.objects.all()
    assert definitions.count_by_municipality(
        definitions.latest_supporting_plans(everywhere, semester.starts_on, semester.ends_on)
    ) == definitions.count_by_municipality(
        definitions.supported_pupils(everywhere, semester.starts_on, semester.ends_on)
    )
    national = aggregated_figures(semester.starts_on, semester.ends_on, municipality_ids=None)
    assert national is not None
    assert {row.code: row.pupils for row in national.by_measure} == {"consult-psychologist": 10, "transport": 6}


# --- The page and the job -------------------------------------------------------------------------


def test_the_page_reads_the_pre_aggregate_once_written(planted: World, semester: Period) -> None:
    today = timezone.localdate()
    client = Client()
    client.force_login(planted.coordinator_gulbene)
    before = client.get(reverse("reporting:effects"))
    assert before.context["effects"].measures[0].attendance.treated == 10
    effects_refresh(today=today)
    live_costs = measure_costs(
        semester.starts_on, semester.ends_on, municipality_ids=[planted.gulbene.pk], total_label=""
    )
    # The facts go away: a page counting live would find nobody; the page shows the cells.
    AttendanceDay.objects.all().delete()
    after = client.get(reverse("reporting:effects"))
    assert after.status_code == 200
    same_effects(before.context["effects"], after.context["effects"])
    assert after.context["costs"].measures == live_costs.measures
    assert b'data-measure="consult-psychologist"' in after.content
    assert b"data-as-of" in after.content
    assert b"data-as-of" not in before.content


def test_the_indicators_job_refreshes_the_cells_with_the_dashboards(planted: World, semester: Period) -> None:
    today = timezone.localdate()
    dashboards_refresh(today=today)
    first = MonitoringRefresh.objects.latest()
    assert first.for_day == today
    assert EffectCell.objects.filter(period=semester).exists()
    assert CostCell.objects.filter(starts_on=semester.starts_on, ends_on=semester.ends_on).exists()
    fields = ("period", "municipality", "stratum", "measure", "treated", "pupils", "attendance_sum", "left_n")
    cells = sorted(map(str, EffectCell.objects.values_list(*fields)))
    dashboards_refresh(today=today)  # idempotent: the same rows again
    assert sorted(map(str, EffectCell.objects.values_list(*fields))) == cells


# --- definitions.deliveries_in ----------------------------------------------------------------------


def test_deliveries_in_joins_the_case_school_in_one_statement(planted: World, semester: Period) -> None:
    schools = Institution.objects.filter(municipality=planted.gulbene)
    found = definitions.deliveries_in(schools, semester.starts_on, semester.ends_on)
    sql = str(found.values("pk").query)
    assert "INNER JOIN" in sql
    assert '"support_case"' in sql
    # The plan's approval and the list of schools: the only subqueries, neither per school.
    assert sql.count("SELECT") == 3
    assert definitions.count_by_institution(found) == {planted.lizuma.pk: 10}
