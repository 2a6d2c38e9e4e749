"""The demo's past school years: deterministic, and telling the story the pages should show."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import transaction

from pumpurs.people.models import Enrolment, Institution, SchoolYear
from pumpurs.people.seeding import seed_apply
from pumpurs.reporting.models import ErrorRateRecord
from pumpurs.reporting.outcomes import Horizon, OutcomeKind, outcome_counts, year_end_horizon
from pumpurs.reporting.rule_quality import ANY, confusion, population_groups
from pumpurs.reporting.seeding import history_seed
from pumpurs.risk.models import Flag
from pumpurs.support.models import Delivery

TODAY = dt.date(2026, 11, 12)


def digest() -> str:
    rows = [
        *Enrolment.objects.filter(ends_on__lt=dt.date(2026, 9, 1))
        .order_by("pupil__public_id", "starts_on")
        .values_list("pupil__public_id", "class_group__name", "starts_on", "ends_on", "end_reason"),
        *Flag.objects.order_by("public_id").values_list("public_id", "pupil__public_id", "rule", "raised_at"),
        *Delivery.objects.order_by("public_id").values_list("public_id", "delivered_on"),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def seeded() -> tuple[dict[str, int], str]:
    seed_apply(preset="gulbene", seed=1, today=TODAY)
    counts = history_seed(seed=1, today=TODAY)
    return counts, digest()


@pytest.mark.django_db
def test_same_seed_same_history() -> None:
    with transaction.atomic():
        first = seeded()
        transaction.set_rollback(True)
    assert not Institution.objects.exists()
    second = seeded()
    assert first == second
    assert first[0]["former_pupils"] > 300


@pytest.mark.django_db
def test_two_past_years_where_the_flagged_leave_more_and_the_supported_less() -> None:
    seeded()
    for name in ("2024/25", "2025/26"):
        year = SchoolYear.objects.get(name=name)
        groups = population_groups(start=year.starts_on, end=year.ends_on, horizon=year_end_horizon(year))
        anything = confusion(groups)[(ANY, "")]
        assert anything.tp / anything.flagged > 3 * anything.fn / (anything.fn + anything.tn), name
    left: dict[bool, int] = {True: 0, False: 0}
    everyone: dict[bool, int] = {True: 0, False: 0}
    for c in outcome_counts(today=TODAY, horizon=Horizon.ONE_YEAR):
        everyone[c.supported] += c.pupils
        left[c.supported] += c.pupils if c.outcome == OutcomeKind.LEFT else 0
    assert 0 < left[True] / everyone[True] < left[False] / everyone[False]
    # The error-rate history of the semesters now due (2024/25 both, 2025/26 the first).
    assert ErrorRateRecord.objects.values("period").distinct().count() == 3


@pytest.mark.django_db
def test_the_past_years_plans_carry_money_at_the_example_rates() -> None:
    from pumpurs.finance.models import Commitment
    from pumpurs.finance.seeding import CONSULTATION_CENTS, finance_seed_rates
    from pumpurs.reporting.costs import measure_costs
    from pumpurs.support.models import Plan

    seed_apply(preset="gulbene", seed=1, today=TODAY)
    finance_seed_rates(today=TODAY)
    with transaction.atomic():
        history_seed(seed=1, today=TODAY)
    past = Plan.objects.filter(period__ends_on__lt=dt.date(2026, 9, 1))
    assert past.exists()
    committed = Commitment.objects.filter(plan__in=past)
    assert committed.count() == past.count()  # one line per plan, each committed
    assert set(committed.values_list("unit_cents", flat=True)) == {CONSULTATION_CENTS}
    assert all(c.amount_cents > 0 for c in committed)
    # the cost page's figure for a past year: money per supported pupil, not hours only
    last_year = SchoolYear.objects.get(starts_on=dt.date(2025, 9, 1))
    costs = measure_costs(last_year.starts_on, last_year.ends_on, municipality_ids=None, total_label="Latvija")
    assert costs.total.spent > 0
    assert costs.total.per_pupil is not None
    assert costs.total.per_pupil > 0
