"""Each rule's precision, sensitivity and specificity, and its error rates by group, on a small
hand-made 2024/25 of Lizuma whose every answer is worked out below (decision 0030)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Enrolment, Pupil
from pumpurs.reporting.error_rates import error_rate_table, error_rates_record, semester_horizon
from pumpurs.reporting.models import ErrorRateRecord
from pumpurs.reporting.outcomes import year_end_horizon
from pumpurs.reporting.rule_quality import ANY, Confusion, confusion, population_groups, shown
from pumpurs.reporting.tests import history as h
from pumpurs.world.personas import World

R = Enrolment.EndReason
F, M = Pupil.Gender.FEMALE, Pupil.Gender.MALE
UNJUSTIFIED, FAILING = "unjustified_semester", "failing_term_grade"


@pytest.fixture
def lizuma_2024(world: World) -> None:
    """Nine pupils of Lizuma in 2024/25 (flags in semester 1):

    ====  ======  =====================  ===========================
    who   gender  flags                  outcome at the year's end
    ====  ======  =====================  ===========================
    p1    M       unjustified            left 1.04.2025
    p2    F       unjustified            left 1.04.2025
    p3    M       unjustified            moved up to 2025/26
    p4    F       failing                moved up to 2025/26
    p5    M       —                      left 1.04.2025
    p6    F       —                      completed grade 9
    p7    F       —                      moved up to 2025/26
    p8    F       unjustified            transferred (left out)
    p9    F       unjustified, failing   left 1.04.2025
    ====  ======  =====================  ===========================
    """
    s1, school = h.semester(), world.lizuma
    left = {"ends_on": dt.date(2025, 4, 1), "reason": R.LEFT}
    p1 = h.past_pupil(school, 1, gender=M, **left)
    p2 = h.past_pupil(school, 2, gender=F, **left)
    p3 = h.past_pupil(school, 3, gender=M, continues=True)
    p4 = h.past_pupil(school, 4, gender=F, continues=True)
    h.past_pupil(school, 5, gender=M, **left)
    h.past_pupil(school, 6, gender=F, grade=9, ends_on=dt.date(2025, 6, 19), reason=R.COMPLETED)
    h.past_pupil(school, 7, gender=F, continues=True)
    p8 = h.past_pupil(school, 8, gender=F, ends_on=dt.date(2025, 2, 1), reason=R.TRANSFERRED)
    p9 = h.past_pupil(school, 9, gender=F, **left)
    for pupil in (p1, p2, p3, p8, p9):
        h.flag(pupil, s1, UNJUSTIFIED)
    for pupil in (p4, p9):
        h.flag(pupil, s1, FAILING)


def year_counts(world: World, **kwargs: object) -> dict[tuple[str, str], Confusion]:
    year = h.year()
    groups = population_groups(start=year.starts_on, end=year.ends_on, horizon=year_end_horizon(year))
    return confusion(groups, **kwargs)  # type: ignore[arg-type]


def test_each_rule_against_who_left(world: World, lizuma_2024: None, settings: object) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 1  # type: ignore[attr-defined]
    counts = year_counts(world)
    # Unjustified: flagged p1 p2 p9 (left) and p3 (stayed); p5 left unflagged; p4 p6 p7 stayed.
    assert counts[(UNJUSTIFIED, "")] == Confusion(tp=3, fp=1, fn=1, tn=3)
    assert counts[(FAILING, "")] == Confusion(tp=1, fp=1, fn=3, tn=3)
    assert counts[(ANY, "")] == Confusion(tp=3, fp=2, fn=1, tn=2)
    assert counts[("over_age", "")] == Confusion(tp=0, fp=0, fn=4, tn=4)
    unjustified = shown(UNJUSTIFIED, counts[(UNJUSTIFIED, "")], suppress=False)
    assert (unjustified.precision, unjustified.sensitivity, unjustified.specificity) == (
        Decimal("75.0"),
        Decimal("75.0"),
        Decimal("75.0"),
    )
    assert unjustified.share_flagged == Decimal("50.0")
    failing = shown(FAILING, counts[(FAILING, "")], suppress=False)
    assert (failing.precision, failing.sensitivity, failing.specificity, failing.share_flagged) == (
        Decimal("50.0"),
        Decimal("25.0"),
        Decimal("75.0"),
        Decimal("25.0"),
    )
    anything = shown(ANY, counts[(ANY, "")], suppress=False)
    assert (anything.precision, anything.sensitivity, anything.specificity) == (
        Decimal("60.0"),
        Decimal("75.0"),
        Decimal("50.0"),
    )


def test_the_current_year_and_other_schools_are_not_counted(world: World, lizuma_2024: None) -> None:
    year = h.year()
    horizon = year_end_horizon(year)
    assert (
        population_groups(start=year.starts_on, end=year.ends_on, horizon=horizon, institution_ids=[world.tirzas.pk])
        == []
    )
    # The personas are enrolled in 2026/27 only.
    assert sum(g.pupils for g in population_groups(start=year.starts_on, end=year.ends_on, horizon=horizon)) == 8


def test_under_the_minimum_sample_no_rate_is_shown(world: World, lizuma_2024: None, settings: object) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 5  # type: ignore[attr-defined]
    unjustified = shown(UNJUSTIFIED, year_counts(world)[(UNJUSTIFIED, "")], suppress=False)
    # 4 flagged, 4 left, 4 stayed: under 5 each; 8 pupils: the share flagged is shown.
    assert (unjustified.precision, unjustified.sensitivity, unjustified.specificity) == (None, None, None)
    assert unjustified.share_flagged == Decimal("50.0")


def test_above_school_level_small_counts_are_hidden(world: World, lizuma_2024: None, settings: object) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 1  # type: ignore[attr-defined]
    unjustified = shown(UNJUSTIFIED, year_counts(world)[(UNJUSTIFIED, "")], suppress=True)
    assert (unjustified.tp, unjustified.fp, unjustified.fn, unjustified.tn) == (None, None, None, None)
    assert unjustified.precision is None
    assert unjustified.pupils == 8


def test_error_rates_by_gender(world: World, lizuma_2024: None) -> None:
    counts = year_counts(world, by="gender")
    # Boys: p1 flagged and left, p3 flagged and stayed, p5 left unflagged.
    assert counts[(UNJUSTIFIED, M)] == Confusion(tp=1, fp=1, fn=1, tn=0)
    # Girls: p2 p9 flagged and left; p4 p6 p7 stayed unflagged.
    assert counts[(UNJUSTIFIED, F)] == Confusion(tp=2, fp=0, fn=0, tn=3)
    bands = year_counts(world, by="grade_band")
    assert counts[(FAILING, F)] + counts[(FAILING, M)] == bands[(FAILING, "7–9")]


def test_semester_records_are_written_once_and_summed(world: World, lizuma_2024: None, settings: object) -> None:
    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 1  # type: ignore[attr-defined]
    s1 = h.semester()
    assert semester_horizon(s1) == dt.date(2025, 9, 1)
    # Before the horizon nothing is due.
    assert error_rates_record(today=dt.date(2025, 9, 1)) == 0
    assert not ErrorRateRecord.objects.exists()
    first = error_rates_record(today=dt.date(2026, 11, 12))
    assert first >= 1
    rows = ErrorRateRecord.objects.count()
    assert error_rates_record(today=dt.date(2026, 11, 12)) == 0  # idempotent
    assert ErrorRateRecord.objects.count() == rows
    assert AuditEvent.objects.filter(action="reporting.error_rates.recorded").count() == first
    boys = ErrorRateRecord.objects.get(period=s1, rule=UNJUSTIFIED, dimension="gender", group=M)
    assert (boys.tp, boys.fp, boys.fn, boys.tn, boys.municipality_id) == (1, 1, 1, 0, world.gulbene.pk)
    table = error_rate_table(period=s1, municipality_ids=[world.gulbene.pk], suppress=False)
    by_gender = {c.group: c for c in table[UNJUSTIFIED]["gender"]}
    assert by_gender[M].false_positive_rate == Decimal("100.0")  # 1 of 1 boy who stayed was flagged
    assert by_gender[M].false_negative_rate == Decimal("50.0")  # 1 of 2 boys who left was not
    assert by_gender[F].false_positive_rate == Decimal("0.0")
    assert by_gender[F].false_negative_rate == Decimal("0.0")
    # Madona's coordinator's view of the same semester: nothing of Gulbene.
    assert error_rate_table(period=s1, municipality_ids=[world.madona.pk]) == {}


def test_the_command_records_what_is_due(world: World, lizuma_2024: None) -> None:
    call_command("error_rates", "--today", "2026-11-12")
    assert ErrorRateRecord.objects.filter(period=h.semester()).exists()


# --- The pre-aggregate (decision 0038) ------------------------------------------------------------


def test_the_stored_groups_are_the_live_groups_and_the_page_reads_them(
    world: World, lizuma_2024: None, settings: object
) -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from pumpurs.people.models import Institution
    from pumpurs.reporting.pages import rule_rows
    from pumpurs.reporting.rule_quality import rule_groups_refresh, stored_groups
    from pumpurs.risk.models import Flag

    settings.PUMPURS_RULE_QUALITY_MIN_PUPILS = 1  # type: ignore[attr-defined]
    year = h.year()
    gulbene = list(Institution.objects.filter(municipality=world.gulbene).values_list("pk", flat=True))
    assert stored_groups(year, gulbene) is None  # not refreshed yet: counted live
    live = rule_rows(year=year, institution_ids=gulbene)
    assert rule_groups_refresh(today=timezone.localdate()) > 0
    groups = stored_groups(year, gulbene)
    assert groups is not None
    assert confusion(groups) == year_counts(world)
    assert rule_rows(year=year, institution_ids=gulbene) == live
    # One school of a municipality with several: not whole municipalities, counted live.
    assert stored_groups(year, [world.lizuma.pk]) is None
    # The page reads the cells: the flags going away changes nothing until the next refresh.
    client = Client()
    client.force_login(world.coordinator_gulbene)
    before = client.get(reverse("reporting:rules"), {"year": year.name})
    Flag.objects.all().delete()
    after = client.get(reverse("reporting:rules"), {"year": year.name})
    assert after.status_code == 200
    assert after.context["rows"] == before.context["rows"]
    assert rule_rows(year=year, institution_ids=[world.lizuma.pk]) != live  # live, without the flags
