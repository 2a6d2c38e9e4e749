"""Fairness: flag rates by gender and grade band, and no cell small enough to point at a pupil.

Līga Bērza audits Lizuma, Inese Gulbe her municipality, the national team the country; none of
them may choose a school or municipality outside their scope, and a class teacher has no such
page at all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.core.testing.personas import World
from pumpurs.people.models import Institution, Pupil
from pumpurs.risk import selectors
from pumpurs.risk.models import FlagStatus
from pumpurs.risk.selectors import FairnessRow
from pumpurs.risk.tests.watch_factories import add_pupil, flag_for, period_now


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def girls(world: World) -> World:
    """Lizuma 7.a gets five more girls: six girls of whom five are flagged; one boy in 8.a."""
    period = period_now(world)
    for i in range(5):
        pupil = add_pupil(world, world.lizuma_7a, f"Meitene{i}", "Testa")
        status = FlagStatus.DISMISSED if i < 3 else FlagStatus.OPEN
        flag_for(pupil, "unjustified_semester", period=period, status=status)
    flag_for(world.pupil_lizuma_8a, "attendance_4w", period=period)
    return world


def rows_by_label(rows: list[FairnessRow]) -> dict[str, FairnessRow]:
    return {r.label: r for r in rows}


def test_rates_by_gender_and_grade_band(girls: World) -> None:
    result = selectors.fairness(Institution.objects.filter(pk=girls.lizuma.pk))
    gender = rows_by_label(result.by_gender)
    female = gender[str(Pupil.Gender.FEMALE.label)]
    assert (female.pupils, female.flagged, female.dismissed) == (6, 5, 3)
    male = gender[str(Pupil.Gender.MALE.label)]
    assert (male.pupils, male.flagged) == (1, 1)
    bands = rows_by_label(result.by_band)
    assert (bands["7–9"].pupils, bands["7–9"].flagged) == (7, 6)
    assert bands["1–3"].pupils == 0
    assert (result.total.pupils, result.total.flagged) == (7, 6)


def test_cells_below_five_are_suppressed_with_their_shares(girls: World) -> None:
    result = selectors.fairness(Institution.objects.filter(pk=girls.lizuma.pk))
    gender = rows_by_label(result.by_gender)
    female, male = gender[str(Pupil.Gender.FEMALE.label)], gender[str(Pupil.Gender.MALE.label)]
    assert female.pupils_shown == 6
    assert female.flagged_shown == 5
    assert round(female.flagged_share, 1) == Decimal("83.3")
    assert female.dismissed_shown is None  # 3 pupils
    assert female.dismissed_share is None
    assert male.pupils_shown is None
    assert male.flagged_shown is None
    assert male.flagged_share is None


def test_page_shows_less_than_five_not_the_number(girls: World) -> None:
    html = client_for(girls.coordinator_lizuma).get(reverse("risk_fairness")).content.decode()
    male_row = html[html.index(str(Pupil.Gender.MALE.label).join(['<th scope="row">', "</th>"])) :].split("</tr>")[0]
    assert male_row.count("&lt; 5") == 3
    assert ">1<" not in male_row
    assert "83,3 %" in html or "83.3 %" in html


def test_fairness_row_small_population_hides_everything() -> None:
    row = FairnessRow("x", pupils=4, flagged=0, dismissed=0)
    assert (row.pupils_shown, row.flagged_shown, row.flagged_share) == (None, None, None)
    big = FairnessRow("y", pupils=200, flagged=10, dismissed=5)
    assert big.flagged_share == 5
    assert big.dismissed_share == 50


def test_gender_is_not_a_rule_input() -> None:
    # The rule set's thresholds name no demographic attribute (DESIGN §7).
    from django.conf import settings

    assert not any("gender" in code for code in settings.PUMPURS_RISK_THRESHOLDS)
    assert not any("gender" in code for code in selectors.rule_codes())


# --- Scope ---------------------------------------------------------------------------------------


def test_school_coordinator_audits_only_her_school(girls: World) -> None:
    client = client_for(girls.coordinator_lizuma)
    assert client.get(reverse("risk_fairness")).status_code == 200
    assert client.get(reverse("risk_fairness"), {"institution": str(girls.tirzas.public_id)}).status_code == 404
    assert client.get(reverse("risk_fairness"), {"municipality": str(girls.madona.public_id)}).status_code == 404
    # Her municipality narrows to the schools she may see: still only Lizuma's seven pupils.
    response = client.get(reverse("risk_fairness"), {"municipality": str(girls.gulbene.public_id)})
    assert response.status_code == 200
    assert response.context["result"].total.pupils == 7


def test_municipality_coordinator_chooses_a_school_of_hers(girls: World) -> None:
    client = client_for(girls.coordinator_gulbene)
    whole = client.get(reverse("risk_fairness"))
    assert whole.context["result"].total.pupils == 8  # Lizuma's seven and Tirzas' one
    one = client.get(reverse("risk_fairness"), {"institution": str(girls.tirzas.public_id)})
    assert one.context["result"].total.pupils == 1
    assert client.get(reverse("risk_fairness"), {"municipality": str(girls.madona.public_id)}).status_code == 404
    assert client.get(reverse("risk_fairness"), {"institution": str(girls.madona_school.public_id)}).status_code == 404


def test_national_sees_the_country_and_any_municipality(girls: World) -> None:
    client = client_for(girls.national)
    assert client.get(reverse("risk_fairness")).context["result"].total.pupils == 9
    madona = client.get(reverse("risk_fairness"), {"municipality": str(girls.madona.public_id)})
    assert madona.context["result"].total.pupils == 1


@pytest.mark.parametrize("persona", ["teacher_lizuma", "specialist_lizuma", "admin", "nobody"])
def test_roles_without_the_permission_get_404(world: World, persona: str) -> None:
    assert client_for(getattr(world, persona)).get(reverse("risk_fairness")).status_code == 404


def test_a_malformed_choice_is_404(world: World) -> None:
    response = client_for(world.national).get(reverse("risk_fairness"), {"institution": "not-a-uuid"})
    assert response.status_code == 404
