"""Each indicator on the hand-made cohort (cohort.py), and how small cells protect them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from pumpurs.people.actors import Scope, SystemActor
from pumpurs.people.models import Institution
from pumpurs.people.perms import Perm
from pumpurs.prevention.models import Participant, Training
from pumpurs.reporting.indicators.catalogue import CODES, INDICATORS
from pumpurs.reporting.indicators.compute import delivery_family, support_family, youth_and_prevention
from pumpurs.reporting.indicators.report import (
    INSTITUTION,
    MUNICIPALITY,
    NATIONAL,
    ScopeFigures,
    UnknownScope,
    indicator_report,
    protect,
)
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.world.personas import World

NATIONAL_READER = SystemActor(name="system:test", perms=frozenset({Perm.VIEW_INDICATORS}), scope=Scope.country())


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def test_the_support_family_per_school(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    found = support_family(Institution.objects.all(), s, e)
    assert found[world.lizuma.pk] == {
        "IAP_MADE": 1,
        "PUPILS_SUPPORTED": 1,
        "PUPILS_AT_RISK": 2,  # Anna (accepted flag) and Roberts (high questionnaire)
        "PUPILS_WITH_ACTIVE_PLAN": 1,
        "RISK_LEARNING": 1,  # Anna's plan addresses a learning risk
        "RISK_ECONOMIC": 0,
        "RISK_FAMILY": 0,
        "RISK_SOCIAL_HEALTH": 0,
        "SCHOOLS_TAKING_PART": 1,
    }
    assert found[world.madona_school.pk] == {"PUPILS_AT_RISK": 1}
    assert world.tirzas.pk not in found  # Jānis is low: not at risk, nothing else


def test_the_delivery_family_per_school(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    lizuma = delivery_family(Institution.objects.all(), s, e)[world.lizuma.pk]
    assert lizuma["CONSULT_PUPILS"] == 1
    assert lizuma["CONSULTATIONS"] == 1
    assert lizuma["CONSULT_HOURS"] == Decimal("1.5")  # 90 minutes
    assert lizuma["CONSULT_HOURS_PSYCHOLOGIST"] == Decimal("1.5")
    assert lizuma["CONSULT_HOURS_SOCIAL_PEDAGOGUE"] == Decimal("0.0")
    assert lizuma["COMP_PUPILS"] == 1
    assert lizuma["COMP_CENTS"] == 1800
    assert lizuma["COMP_CENTS_TRANSPORT"] == 1800
    assert lizuma["COMP_PUPILS_MEALS"] == 0


def test_youth_and_prevention_come_from_their_selectors(world: World) -> None:
    training = Training.objects.create(
        municipality=world.gulbene,
        title="Agrīna atpazīšana",
        topic="Kavējumi",
        organiser="Gulbenes novada pašvaldība",
        audience="teachers",
        place="Gulbenes novada dome",
        starts_on=world.today,
        ends_on=world.today,
        hours=Decimal(4),
        created_by=world.coordinator_gulbene,
        created_at=timezone.now(),
    )
    staff = ((world.teacher_lizuma, world.lizuma), (world.teacher_tirzas, world.tirzas))
    for number, (user, school) in enumerate(staff, start=1):
        Participant.objects.create(
            training=training,
            number=number,
            user=user,
            institution=school,
            name=user.get_full_name(),
            organisation="Gulbenes novads",
            registered_by=world.coordinator_gulbene,
            registered_at=timezone.now(),
            attended=True,
        )
    found = youth_and_prevention(
        [world.gulbene.pk, world.madona.pk], world.year.starts_on, world.year.ends_on, national=True
    )
    assert found[world.gulbene.pk] == {"TRAININGS": 1, "TRAINING_PARTICIPANTS": 2}
    assert world.madona.pk not in found


def test_the_national_report_adds_up_and_hides_small_cells(world: World, cohort: Cohort) -> None:
    report = indicator_report(NATIONAL_READER, year=world.year)
    national, *municipalities = report.scopes
    assert national.scope == NATIONAL
    assert {s.scope for s in municipalities} == {MUNICIPALITY}
    assert len(municipalities) == 43
    gulbene = next(s for s in municipalities if s.code == world.gulbene.code)
    # every people count here is 1–4: hidden, and the money and hours behind them
    assert gulbene.value("PUPILS_AT_RISK") is None
    assert gulbene.value("COMP_CENTS_TRANSPORT") is None
    assert gulbene.value("CONSULT_HOURS") is None
    assert national.value("PUPILS_AT_RISK") is None  # 3 nationally
    # schools and municipalities are not people: shown
    assert gulbene.value("SCHOOLS_TAKING_PART") == 1
    assert national.value("MUNICIPALITIES_TAKING_PART") == 1
    # zero names nobody
    assert gulbene.value("RISK_ECONOMIC") == 0


def test_a_school_role_reads_its_school_unsuppressed(world: World, cohort: Cohort) -> None:
    report = indicator_report(world.director_lizuma, year=world.year, period=cohort.period)
    assert [(s.scope, s.code) for s in report.scopes] == [(INSTITUTION, world.lizuma.code)]
    assert report.scopes[0].value("PUPILS_AT_RISK") == 2
    assert report.hidden == 0


def test_a_municipality_outside_the_scope_does_not_exist(world: World) -> None:
    with pytest.raises(UnknownScope):
        indicator_report(world.coordinator_gulbene, year=world.year, municipality=world.madona)
    assert indicator_report(world.teacher_lizuma, year=world.year).scopes == []


def test_a_semester_before_the_support_counts_none_of_it(world: World, cohort: Cohort) -> None:
    second = cohort.period.school_year.periods.get(number=2)
    report = indicator_report(world.director_lizuma, year=world.year, period=second)
    assert report.scopes[0].value("IAP_MADE") == 0
    assert report.scopes[0].value("PUPILS_SUPPORTED") == 0
    # the window runs from the day after semester 1 ended: the winter break belongs to semester 2
    assert report.start == cohort.period.ends_on + dt.timedelta(days=1)
    assert report.end == second.ends_on


def _row(code: str, **values: int) -> ScopeFigures:
    return ScopeFigures(MUNICIPALITY, code, code, {c: values.get(c, 0) for c in CODES})


def test_secondary_suppression_down_a_column_and_following_money() -> None:
    a = _row("a", PUPILS_SUPPORTED=3, COMP_PUPILS=3, COMP_PUPILS_MEALS=3, COMP_CENTS=900, COMP_CENTS_MEALS=900)
    b = _row("b", PUPILS_SUPPORTED=7, COMP_PUPILS=7, COMP_PUPILS_MEALS=7, COMP_CENTS=2100, COMP_CENTS_MEALS=2100)
    c = _row("c", PUPILS_SUPPORTED=12, COMP_PUPILS=12, COMP_PUPILS_MEALS=12, COMP_CENTS=3600, COMP_CENTS_MEALS=3600)
    national = ScopeFigures(
        NATIONAL, "LV", "Latvia", {code: sum(r.values[code] or 0 for r in (a, b, c)) for code in CODES}
    )
    protect([national, a, b, c], national_own={code: 0 for code in CODES})
    assert a.value("PUPILS_SUPPORTED") is None  # 3: primary
    assert b.value("PUPILS_SUPPORTED") is None  # 7: the smallest other, else 22 − 7 − 12 = 3
    assert c.value("PUPILS_SUPPORTED") == 12
    assert national.value("PUPILS_SUPPORTED") == 22
    assert a.value("COMP_CENTS_MEALS") is None  # follows its 3 pupils
    assert b.value("COMP_CENTS_MEALS") is None
    assert c.value("COMP_CENTS_MEALS") == 3600


def test_a_family_total_with_one_hidden_part_is_hidden() -> None:
    a = _row(
        "a",
        COMP_PUPILS=9,
        COMP_PUPILS_MEALS=2,
        COMP_PUPILS_ITEMS=9,
        COMP_CENTS=5000,
        COMP_CENTS_MEALS=400,
        COMP_CENTS_ITEMS=4600,
    )
    protect([a], national_own=None)
    assert a.value("COMP_PUPILS_MEALS") is None
    assert a.value("COMP_CENTS_MEALS") is None
    assert a.value("COMP_CENTS_ITEMS") is not None
    assert a.value("COMP_CENTS") is None  # 5000 − 4600 would give the meals away


def test_every_indicator_has_a_latvian_and_an_english_name() -> None:
    for indicator in INDICATORS:
        assert indicator.label_in("en")
        assert indicator.label_in("lv") != indicator.label_in("en"), indicator.code


def test_the_documented_codes_are_the_codes() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "indicators.md").read_text(encoding="utf-8")
    documented = {line.split("`")[1] for line in doc.splitlines() if line.startswith("### `")}
    assert documented == set(CODES)


def test_a_window_is_never_read_from_the_real_calendar(world: World) -> None:
    assert world.today == dt.date(2026, 11, 12)
