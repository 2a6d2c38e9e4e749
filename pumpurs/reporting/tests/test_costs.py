"""Cost per supported pupil and per measure on a hand-made cohort, against sums done by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from pumpurs.people.models import ClassGroup, Period
from pumpurs.reporting.costs import Costs, MeasureCost, measure_costs
from pumpurs.reporting.tests import hand_made
from pumpurs.support.models import Delivery, PlanStatus
from pumpurs.support.testing import measure
from pumpurs.world.personas import World


@pytest.fixture
def semester(world: World) -> Period:
    return world.year.periods.get(number=1)


@pytest.fixture
def supported(world: World, semester: Period) -> World:
    """Lizuma: six pupils with psychologist hours at a committed 25.00 EUR an hour (one of them
    also an unpriced hour), two with transport paid at its receipt amount; one delivery voided.
    Madona: two pupils with transport. One Lizuma plan still a draft (not supported)."""
    actor = world.coordinator_lizuma
    psychologist, transport = measure("consult-psychologist"), measure("transport")
    lizuma = hand_made.pupils(actor, world.lizuma_7a, 6, serial=200)
    for i, pupil in enumerate(lizuma):
        hand_made.deliver(actor, pupil, semester, psychologist, [Decimal(1)] * (i + 1), unit_cents=2500)
    # 1 + 2 + … + 6 = 21 hours × 25.00 = 525.00 EUR
    hand_made.deliver(actor, lizuma[0], semester, transport, [Decimal(10)], amount=Decimal("15.30"))
    line = hand_made.deliver(actor, lizuma[1], semester, transport, [Decimal(10), Decimal(4)], amount=Decimal("6.00"))
    Delivery.objects.filter(line=line, quantity=4).update(
        voided_at=timezone.now(), voided_by=actor, void_reason="Ievadīts kļūdas pēc"
    )
    # An hour delivered on a line nobody priced: counted in hours, not in money.
    extra = hand_made.pupils(actor, world.lizuma_7a, 1, serial=260)[0]
    hand_made.deliver(actor, extra, semester, measure("consult-speech-therapist"), [Decimal(1)])
    draft = hand_made.pupils(actor, world.lizuma_7a, 1, serial=270)[0]
    hand_made.deliver(actor, draft, semester, psychologist, [Decimal(1)], unit_cents=2500, status=PlanStatus.DRAFT)

    madona_class = ClassGroup.objects.get(pk=world.madona_7a.pk)
    for pupil in hand_made.pupils(world.coordinator_madona_school, madona_class, 2, serial=300):
        hand_made.deliver(
            world.coordinator_madona_school, pupil, semester, transport, [Decimal(20)], amount=Decimal("30")
        )
    return world


def test_the_municipality_sees_its_cost_per_measure_and_per_supported_pupil(supported: World, semester: Period) -> None:
    costs = measure_costs(
        semester.starts_on, semester.ends_on, municipality_ids=[supported.gulbene.pk], total_label="Gulbene"
    )
    by_code = {row.code: row for row in costs.measures}
    psychologist = by_code["consult-psychologist"]
    # Six pupils received 21 hours; the hour under a draft plan is no support (never approved).
    assert psychologist.pupils == 6
    assert psychologist.quantity == Decimal(21)
    assert psychologist.spent == 21 * 2500
    assert psychologist.per_pupil == 21 * 2500 // 6
    assert psychologist.unpriced == 0
    transport = by_code["transport"]
    assert transport.pupils is None  # two pupils: hidden above school level
    assert transport.per_pupil is None
    assert transport.spent == 1530 + 600  # the voided 4 trips count nothing
    assert transport.quantity == Decimal(20)
    speech = by_code["consult-speech-therapist"]
    assert speech.spent == 0
    assert speech.unpriced == 1
    assert speech.quantity == Decimal(1)
    # Supported: the six with psychologist hours and the speech pupil; not the draft's.
    assert costs.total.supported == 7
    assert costs.total.spent == 21 * 2500 + 1530 + 600
    assert costs.total.per_pupil == round((21 * 2500 + 2130) / 7)
    assert [row.label for row in costs.municipalities] == [supported.gulbene.name]


def test_the_country_hides_a_small_municipality_and_what_would_reveal_it(supported: World, semester: Period) -> None:
    costs = measure_costs(semester.starts_on, semester.ends_on, municipality_ids=None, total_label="Latvija")
    rows = {row.label: row for row in costs.municipalities}
    assert rows[supported.madona.name].supported is None  # 2 pupils
    assert rows[supported.madona.name].per_pupil is None
    # With Madona hidden, Gulbene's 7 would give Madona away through the total: hidden too.
    assert rows[supported.gulbene.name].supported is None
    assert costs.total.supported == 9
    assert costs.total.spent == 21 * 2500 + 2130 + 2 * 3000
    transport = by_code(costs)["transport"]
    assert transport.pupils is None  # Lizuma 2 + Madona 2 = 4: still under five
    assert transport.quantity == Decimal(60)
    assert transport.spent == 2130 + 6000


def by_code(costs: Costs) -> dict[str, MeasureCost]:
    return {row.code: row for row in costs.measures}


def test_a_school_year_adds_its_semesters(supported: World, semester: Period) -> None:
    second = supported.year.periods.get(number=2)
    actor = supported.coordinator_lizuma
    pupil = hand_made.pupils(actor, supported.lizuma_7a, 1, serial=280)[0]
    hand_made.deliver(actor, pupil, second, measure("consult-psychologist"), [Decimal(2)], unit_cents=2500)
    year = measure_costs(semester.starts_on, second.ends_on, municipality_ids=[supported.gulbene.pk], total_label="")
    assert by_code(year)["consult-psychologist"].spent == 23 * 2500
    assert year.total.supported == 8
    only_first = measure_costs(
        semester.starts_on, semester.ends_on, municipality_ids=[supported.gulbene.pk], total_label=""
    )
    assert by_code(only_first)["consult-psychologist"].spent == 21 * 2500


def test_nothing_delivered_costs_nothing(world: World, semester: Period) -> None:
    costs = measure_costs(semester.starts_on, semester.ends_on, municipality_ids=[world.gulbene.pk], total_label="")
    assert costs.measures == []
    assert costs.total.supported == 0
    assert costs.total.spent == 0
    assert costs.total.per_pupil is None
