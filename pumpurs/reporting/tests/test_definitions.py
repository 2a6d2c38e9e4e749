"""Who counts as what, on the hand-made cohort (cohort.py) with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from pumpurs.people.models import Institution
from pumpurs.people.perms import Perm
from pumpurs.reporting import definitions as d
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.support.delivery import delivery_void
from pumpurs.world.personas import World

ONE_DAY = dt.timedelta(days=1)


@pytest.fixture
def cohort(world: World) -> Cohort:
    return build_cohort(world)


def everywhere() -> list[int]:
    return list(Institution.objects.values_list("pk", flat=True))


def names(rows: object) -> set[str]:
    return {p.first_name for p in rows}  # type: ignore[attr-defined]  # a pupil queryset


def test_flagged_counts_every_raised_flag_and_filters_by_rule(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    assert names(d.flagged_pupils(everywhere(), s, e)) == {"Anna", "Roberts", "Laura"}
    assert names(d.flagged_pupils(everywhere(), s, e, rule="failing_grades")) == {"Roberts"}
    # before any flag was raised nobody was flagged
    assert d.flagged_pupils(everywhere(), s, world.today - ONE_DAY).count() == 0


def test_assessed_by_level_and_risk_group(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    assert names(d.assessed_pupils(everywhere(), s, e)) == {"Roberts", "Jānis"}
    assert names(d.assessed_pupils(everywhere(), s, e, level="high")) == {"Roberts"}
    assert names(d.assessed_pupils(everywhere(), s, e, group="learning")) == {"Jānis"}
    assert names(d.assessed_pupils(everywhere(), s, e, group="family")) == {"Roberts"}
    assert d.assessed_pupils(everywhere(), s, e, group="economic").count() == 0
    with pytest.raises(ValueError, match="not a risk group"):
        d.assessed_pupils(everywhere(), s, e, group="astrology")


def test_at_risk_is_an_accepted_flag_or_a_medium_or_high_questionnaire(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    # Roberts' flag is open but his questionnaire is high; Jānis' questionnaire is only low
    assert names(d.at_risk_pupils(everywhere(), s, e)) == {"Anna", "Roberts", "Laura"}
    assert names(d.at_risk_pupils([world.tirzas.pk], s, e)) == set()


def test_case_active_plan_supported_and_plans_made(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    assert names(d.pupils_with_case(everywhere(), s, e)) == {"Anna"}
    assert names(d.pupils_with_active_plan(everywhere(), s, e)) == {"Anna"}
    assert names(d.supported_pupils(everywhere(), s, e)) == {"Anna"}
    assert list(d.plans_made(everywhere(), s, e)) == [cohort.plan]
    # a window that ended yesterday: the plan was not yet approved, nobody was supported
    before = world.today - ONE_DAY
    assert d.pupils_with_active_plan(everywhere(), s, before).count() == 0
    assert d.supported_pupils(everywhere(), s, before).count() == 0
    assert d.plans_made(everywhere(), s, before).count() == 0
    assert d.pupils_with_case(everywhere(), s, before).count() == 0
    # counted at the school that owns the case only
    assert d.supported_pupils([world.tirzas.pk, world.madona_school.pk], s, e).count() == 0


def test_a_voided_delivery_supports_nobody(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    delivery_void(actor=world.coordinator_lizuma, delivery=cohort.consultation, reason="Ievadīts kļūdaini")
    assert d.supported_pupils(everywhere(), s, e).count() == 1  # the transport still counts
    delivery_void(actor=world.coordinator_lizuma, delivery=cohort.transport, reason="Ievadīts kļūdaini")
    assert d.supported_pupils(everywhere(), s, e).count() == 0


def test_coverage_is_at_risk_with_an_active_plan_over_at_risk(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    gulbene = d.coverage(d.institutions_in_scope(world.coordinator_gulbene, Perm.VIEW_INDICATORS), s, e)
    assert (gulbene.at_risk, gulbene.covered, str(gulbene.rate)) == (2, 1, "50.0")
    madona = d.coverage([world.madona_school.pk], s, e)
    assert (madona.at_risk, madona.covered) == (1, 0)


def test_grouped_counts_add_up_to_the_national_figure(world: World, cohort: Cohort) -> None:
    s, e = cohort.period.starts_on, cohort.period.ends_on
    flagged = d.flagged_pupils(everywhere(), s, e)
    assert d.count_by_municipality(flagged) == {world.gulbene.pk: 2, world.madona.pk: 1}
    assert d.count_by_institution(flagged) == {world.lizuma.pk: 2, world.madona_school.pk: 1}
    assert d.count_by_municipality(d.plans_made(everywhere(), s, e)) == {world.gulbene.pk: 1}


def test_institutions_in_scope_narrow_and_fail_closed(world: World) -> None:
    mine = d.institutions_in_scope(world.coordinator_gulbene, Perm.VIEW_INDICATORS)
    assert set(mine) == {world.lizuma, world.tirzas}
    assert not d.institutions_in_scope(world.coordinator_gulbene, Perm.VIEW_INDICATORS, municipality=world.madona)
    assert set(d.institutions_in_scope(world.national, Perm.VIEW_INDICATORS, institution=world.tirzas)) == {
        world.tirzas
    }
    assert not d.institutions_in_scope(world.teacher_lizuma, Perm.VIEW_INDICATORS)
