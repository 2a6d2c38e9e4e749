"""The effect of a measure found in the records, the page that shows it, and who may see it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Period, User
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


def test_the_stratum_holds_school_type_grade_band_and_flags(planted: World, semester: Period) -> None:
    Flag.objects.create(
        pupil=planted.pupil_lizuma_8a,
        period=semester,
        rule="unjustified_absences",
        rule_version="1",
        value=Decimal(25),
        threshold=Decimal(20),
        raised_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    found = gather(semester, municipality_ids=[planted.gulbene.pk], today=timezone.localdate())
    stratum = dict(zip(found.pupil_ids.tolist(), found.stratum.tolist(), strict=True))
    # general school (1000) · grades 7–9 (200) · no assessment (0) · flagged or not
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
    assert len(header) == len(psychologist) == 13
    assert psychologist[2] == "10"
    assert psychologist[4] == "500.00"
    assert psychologist[5] == "50.00"
    assert psychologist[7] == "-5.00"
    assert float(psychologist[8]) < -5 < float(psychologist[9])
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
