"""The outcome and rule-quality pages: who may open them, what they count, what they hide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.people.models import Enrolment
from pumpurs.reporting.error_rates import error_rates_record
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import World

R = Enrolment.EndReason
URLS = ("reporting:outcomes", "reporting:outcomes_csv", "reporting:rules")


@pytest.fixture
def gulbene_2024(world: World) -> None:
    """2024/25: twelve flagged Lizuma pupils — six left, six moved up — and twelve not flagged who
    moved up; one flagged Madona pupil who left."""
    s1 = h.semester()
    for serial in range(12):
        pupil = h.past_pupil(
            world.lizuma,
            serial,
            **({"ends_on": dt.date(2025, 3, 3), "reason": R.LEFT} if serial < 6 else {"continues": True}),
        )
        h.flag(pupil, s1, "unjustified_semester")
    for serial in range(12, 24):
        h.past_pupil(world.lizuma, serial, continues=True)
    madona = h.past_pupil(world.madona_school, 40, ends_on=dt.date(2025, 3, 3), reason=R.LEFT)
    h.flag(madona, s1, "unjustified_semester")


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize("name", URLS)
def test_school_roles_and_teachers_get_404(world: World, name: str) -> None:
    for user in (world.coordinator_lizuma, world.director_lizuma, world.teacher_lizuma, world.nobody, world.dpo):
        assert signed_in(user).get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", URLS)
def test_another_municipality_is_404_for_a_coordinator(world: World, name: str) -> None:
    response = signed_in(world.coordinator_gulbene).get(reverse(name), {"municipality": str(world.madona.public_id)})
    assert response.status_code == 404


def test_gulbene_outcomes_count_only_gulbene(world: World, gulbene_2024: None) -> None:
    response = signed_in(world.coordinator_gulbene).get(reverse("reporting:outcomes"))
    assert response.status_code == 200
    blocks = response.context["blocks"]
    assert [b.cohort.name for b in blocks] == ["2024/25"]
    not_supported = blocks[0].rows[1]
    # Twelve flagged Lizuma pupils, none supported: six still enrolled, six left. Madona's not here.
    assert not_supported.total == 12
    assert not_supported.cells[0] == 6  # enrolled
    assert not_supported.cells[4] == 6  # left
    assert blocks[0].rows[0].total == 0


def test_national_sees_both_municipalities_and_small_cells_are_hidden(world: World, gulbene_2024: None) -> None:
    client = signed_in(world.national)
    everything = client.get(reverse("reporting:outcomes")).context["blocks"][0]
    assert everything.rows[1].total == 13
    assert everything.rows[1].cells[4] == 7
    madona = client.get(reverse("reporting:outcomes"), {"municipality": str(world.madona.public_id)})
    row = madona.context["blocks"][0].rows[1]
    assert row.cells[4] is None  # one pupil: hidden
    assert row.total is None


def test_outcomes_csv_matches_the_page(world: World, gulbene_2024: None) -> None:
    response = signed_in(world.coordinator_gulbene).get(reverse("reporting:outcomes_csv"))
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("Saskaitīts tagad, ")  # when, as the page says it (no refresh here)
    assert lines[3].split(";")[4:] == ["6", "0", "0", "0", "6", "0", "12"]


def test_bad_input_is_404(world: World) -> None:
    client = signed_in(world.national)
    assert client.get(reverse("reporting:outcomes"), {"horizon": "forever"}).status_code == 404
    assert client.get(reverse("reporting:outcomes"), {"municipality": "not-a-uuid"}).status_code == 404
    assert client.get(reverse("reporting:rules"), {"year": "1999/00"}).status_code == 404
    assert client.get(reverse("reporting:rules"), {"semester": "999999"}).status_code == 404


def test_rule_quality_page_shows_the_arithmetic(world: World, gulbene_2024: None, settings: object) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 10  # type: ignore[attr-defined]
    error_rates_record(today=dt.date(2026, 11, 12))
    response = signed_in(world.coordinator_gulbene).get(reverse("reporting:rules"))
    assert response.status_code == 200
    assert response.context["year"].name == "2025/26"  # the latest year whose end has passed
    response = signed_in(world.coordinator_gulbene).get(reverse("reporting:rules"), {"year": "2024/25"})
    rows = {r.code: r.figures for r in response.context["rows"]}
    unjustified = rows["unjustified_semester"]
    # 24 pupils, 12 flagged: 6 left (all flagged), 6 flagged stayed, 12 unflagged stayed.
    assert (unjustified.pupils, unjustified.flagged, unjustified.left) == (24, 12, 6)
    assert str(unjustified.precision) == "50.0"
    assert str(unjustified.specificity) == "66.7"
    assert str(unjustified.share_flagged) == "50.0"
    # Only 6 leavers, under the minimum sample of 10: sensitivity and its complement are withheld.
    assert unjustified.sensitivity is None
    assert unjustified.false_negative_rate is None
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 5  # type: ignore[attr-defined]
    response = signed_in(world.coordinator_gulbene).get(reverse("reporting:rules"), {"year": "2024/25"})
    assert str({r.code: r.figures for r in response.context["rows"]}["unjustified_semester"].sensitivity) == "100.0"
    assert response.context["fairness"]
    assert "Bowers" in response.content.decode()


def test_rules_page_reads_the_school_years_once(world: World, gulbene_2024: None) -> None:
    """The years with outcomes and their horizons come from one read of the school years, not one
    query per year (decision 0052); a further past year adds no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pumpurs.people.models import SchoolYear

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in(world.national).get(reverse("reporting:rules")).status_code == 200
        sql = [q["sql"] for q in captured.captured_queries]
        return len(sql), sum('FROM "people_schoolyear"' in s for s in sql)

    total, years = queries()
    assert years == 1
    SchoolYear.objects.create(
        name="2020/21", starts_on=dt.date(2020, 9, 1), ends_on=dt.date(2021, 5, 31),
        grade9_ends_on=dt.date(2021, 6, 18), grade12_ends_on=dt.date(2021, 6, 18),
    )  # fmt: skip
    assert queries() == (total, 1)
