"""The effect of a measure found in the records, the page that shows it, and who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import ClassGroup, Enrolment, Period, SchoolYear, User
from pumpurs.reporting.effects import cohort as gather
from pumpurs.reporting.effects import measure_effects
from pumpurs.reporting.tests import hand_made
from pumpurs.risk.models import Flag
from pumpurs.support.testing import measure
from pumpurs.world.personas import World

NOISE = [-4, -2, 0, 2, 4, -3, -1, 0, 1, 3]  # sums to zero: the planted effect is the exact difference


@pytest.fixture
def semester(world: World) -> Period:
    return world.year.periods.get(number=1)


@pytest.fixture
def planted(world: World, semester: Period) -> World:
    """Lizuma 7.a: ten pupils with psychologist hours whose unjustified absences fell by 5
    percentage points more than those of ten classmates without them (same stratum)."""
    actor = world.coordinator_lizuma
    received = hand_made.pupils(actor, world.lizuma_7a, 10, serial=400)
    others = hand_made.pupils(actor, world.lizuma_7a, 10, serial=500)
    for pupil, noise in zip(received, NOISE, strict=True):
        hand_made.attendance(pupil, semester, first=12, last=12 - 5 + noise)
        hand_made.deliver(actor, pupil, semester, measure("consult-psychologist"), [Decimal(2)], unit_cents=2500)
    for pupil, noise in zip(others, NOISE, strict=True):
        hand_made.attendance(pupil, semester, first=12, last=12 + noise)
    return world


def test_the_planted_effect_is_found_with_an_interval_and_the_pupils_behind_it(
    planted: World, semester: Period
) -> None:
    effects = measure_effects(semester, municipality_ids=[planted.gulbene.pk], today=timezone.localdate(), minimum=5)
    (psychologist,) = effects.measures
    estimate = psychologist.attendance
    assert estimate.effect == pytest.approx(-5.0)
    assert estimate.low is not None
    assert estimate.high is not None
    assert estimate.low < -5.0 < estimate.high < 0  # a fall, and the interval says so
    # The persona pupils of Lizuma have no attendance recorded: they are not counted.
    assert (estimate.treated, estimate.compared) == (10, 10)


def test_nothing_is_shown_under_the_minimum_sample(planted: World, semester: Period) -> None:
    effects = measure_effects(semester, municipality_ids=[planted.gulbene.pk], today=timezone.localdate(), minimum=11)
    estimate = effects.measures[0].attendance
    assert estimate.effect is None
    assert estimate.low is None
    assert not estimate.enough
    assert estimate.treated == 10


def test_another_municipality_compares_only_its_own_pupils(planted: World, semester: Period) -> None:
    effects = measure_effects(semester, municipality_ids=[planted.madona.pk], today=timezone.localdate(), minimum=5)
    assert effects.measures == []  # Madona's pupils received nothing
    assert effects.pupils == 1  # Laura Ķēniņa only


def test_the_stratum_holds_school_type_grade_band_and_the_flags_of_the_first_weeks(
    planted: World, semester: Period
) -> None:
    def flag(pupil: object, raised: dt.datetime) -> None:
        Flag.objects.create(
            pupil=pupil,
            period=semester,
            rule="unjustified_absences",
            rule_version="1",
            value=Decimal(25),
            threshold=Decimal(20),
            raised_at=raised,
            last_seen_at=raised,
        )

    early = timezone.make_aware(dt.datetime.combine(semester.starts_on + dt.timedelta(days=10), dt.time(10)))
    flag(planted.pupil_lizuma_8a, early)
    flag(planted.pupil_lizuma, timezone.now())  # raised in November: after the start, not a matching trait
    found = gather(semester, municipality_ids=[planted.gulbene.pk], today=timezone.localdate())
    stratum = dict(zip(found.pupil_ids.tolist(), found.stratum.tolist(), strict=True))
    # general school (1000) · grades 7–9 (200) · no assessment (0) · flagged in the first four weeks
    assert stratum[planted.pupil_lizuma_8a.pk] == 1201
    assert stratum[planted.pupil_lizuma.pk] == 1200
    assert planted.pupil_madona.pk not in stratum


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_national_team_reads_cost_and_effect_with_the_method_stated(
    planted: World, semester: Period, settings: object
) -> None:
    settings.PUMPURS_EFFECT_MIN_PUPILS = 5  # type: ignore[attr-defined]
    response = client_for(planted.national).get(reverse("reporting:effects"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "novērojumu" in page.lower()  # observational, said in Latvian
    assert "Tas nevar izslēgt citas atšķirības" in page  # what it cannot say, in Latvian too
    assert "95 % intervāls" in page
    effects = response.context["effects"]
    assert effects.measures[0].attendance.effect == pytest.approx(-5.0)
    assert "-5,00" in page or "−5,00" in page
    costs = response.context["costs"]
    assert costs.total.spent == 10 * 2 * 2500


def test_below_the_minimum_the_page_says_not_enough_pupils(planted: World) -> None:
    response = client_for(planted.coordinator_gulbene).get(reverse("reporting:effects"))
    assert response.status_code == 200
    assert response.context["effects"].measures[0].attendance.effect is None
    assert "Nepietiek skolēnu" in response.content.decode()


def test_the_csv_carries_the_same_figures(planted: World, settings: object) -> None:
    settings.PUMPURS_EFFECT_MIN_PUPILS = 5  # type: ignore[attr-defined]
    response = client_for(planted.coordinator_gulbene).get(
        reverse("reporting:effects_csv"), {"semester": f"{planted.year.name}-1", "municipality": "gulbenes-novads"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, psychologist, total = rows[0], rows[1], rows[-1]
    assert len(header) == len(psychologist) == len(total) == 18
    assert psychologist[2] == "10"
    assert psychologist[4] == "500.00"
    assert psychologist[5] == "50.00"
    assert psychologist[7] == "-5.00"
    assert float(psychologist[8]) < -5 < float(psychologist[9])
    assert psychologist[10:12] == ["10", "10"]
    assert psychologist[12:17] == ["", "", "", "", ""]  # a year has not passed since 1.09.2026
    assert "gada" in psychologist[17]
    assert total[2] == "10"
    assert total[4] == "500.00"


@pytest.mark.parametrize(
    "persona",
    ["nobody", "teacher_lizuma", "coordinator_lizuma", "director_lizuma", "dpo", "admin"],
)
def test_only_municipality_and_national_readers_see_it(planted: World, persona: str) -> None:
    client = client_for(getattr(planted, persona))
    assert client.get(reverse("reporting:effects")).status_code == 404
    assert client.get(reverse("reporting:effects_csv")).status_code == 404


def test_a_municipality_never_reads_another_municipality(planted: World) -> None:
    client = client_for(planted.coordinator_madona)
    for name in ("reporting:effects", "reporting:effects_csv"):
        assert client.get(reverse(name), {"municipality": "gulbenes-novads"}).status_code == 404
        assert client.get(reverse(name), {"municipality": "no-such-place"}).status_code == 404
    # Their own page shows Madona, where nothing was delivered.
    response = client.get(reverse("reporting:effects"))
    assert response.status_code == 200
    assert response.context["effects"].measures == []
    assert response.context["costs"].total.spent == 0


def test_an_unknown_semester_is_not_found(planted: World) -> None:
    client = client_for(planted.national)
    assert client.get(reverse("reporting:effects"), {"semester": "1999/00-1"}).status_code == 404


@pytest.fixture
def last_year(world: World) -> tuple[World, Period]:
    """Lizuma 6.a a school year earlier: ten pupils with psychologist hours, one of whom left
    school without completing by the following September, and ten classmates without, six of
    whom left."""
    actor = world.coordinator_lizuma
    year = SchoolYear.objects.filter(starts_on__lt=world.year.starts_on).order_by("-starts_on").first()
    assert year is not None
    semester = year.periods.get(number=1)
    klass = ClassGroup.objects.create(institution=world.lizuma, school_year=year, grade=6, name="6.a")
    # Registered now (the roster takes only this year's classes), then placed a year back.
    received = hand_made.pupils(actor, world.lizuma_7a, 10, serial=600)
    others = hand_made.pupils(actor, world.lizuma_7a, 10, serial=700)
    Enrolment.objects.filter(pupil__in=[*received, *others]).update(class_group=klass, starts_on=year.starts_on)
    for pupil in received:
        hand_made.deliver(actor, pupil, semester, measure("consult-psychologist"), [Decimal(1)], unit_cents=2500)
    left = [received[0], *others[:6]]
    Enrolment.objects.filter(pupil__in=left).update(
        ends_on=semester.starts_on + dt.timedelta(days=120), end_reason=Enrolment.EndReason.LEFT
    )
    return world, semester


def test_a_year_on_fewer_of_those_who_received_the_measure_had_left(last_year: tuple[World, Period]) -> None:
    world, semester = last_year
    effects = measure_effects(semester, municipality_ids=[world.gulbene.pk], today=timezone.localdate(), minimum=5)
    assert effects.horizon == semester.starts_on.replace(year=semester.starts_on.year + 1)
    (psychologist,) = effects.measures
    left = psychologist.left
    assert left is not None
    assert left.effect is not None
    assert left.low is not None
    assert left.high is not None
    assert left.effect == pytest.approx(10.0 - 60.0)  # percentage points
    assert left.low < -50.0 < left.high < 0
    assert (left.treated, left.compared) == (10, 10)
    assert not psychologist.attendance.enough  # no attendance was recorded that year


def test_the_one_year_outcome_waits_for_its_day(planted: World, semester: Period) -> None:
    effects = measure_effects(semester, municipality_ids=[planted.gulbene.pk], today=timezone.localdate(), minimum=5)
    assert effects.measures[0].left is None
    assert not effects.one_year_due
