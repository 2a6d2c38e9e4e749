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

from pumpurs.people.models import Institution, Pupil
from pumpurs.risk import selectors
from pumpurs.risk.models import FlagStatus
from pumpurs.risk.selectors import FairnessRow
from pumpurs.risk.selectors.fairness import GENDER_GROUPS
from pumpurs.risk.tests.watch_factories import add_pupil, flag_for, period_now
from pumpurs.world.personas import World


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
    female = gender[str(GENDER_GROUPS[Pupil.Gender.FEMALE])]
    assert (female.pupils, female.flagged, female.dismissed) == (6, 5, 3)
    male = gender[str(GENDER_GROUPS[Pupil.Gender.MALE])]
    assert (male.pupils, male.flagged) == (1, 1)
    bands = rows_by_label(result.by_band)
    assert (bands["7–9"].pupils, bands["7–9"].flagged) == (7, 6)
    assert "1–3" not in bands  # a band without pupils is left out
    assert (result.total.pupils, result.total.flagged) == (7, 6)


def test_cells_below_five_are_suppressed_with_their_shares(girls: World) -> None:
    result = selectors.fairness(Institution.objects.filter(pk=girls.lizuma.pk))
    gender = rows_by_label(result.by_gender)
    female, male = gender[str(GENDER_GROUPS[Pupil.Gender.FEMALE])], gender[str(GENDER_GROUPS[Pupil.Gender.MALE])]
    # One boy: his counts are suppressed, and the girls' with them — otherwise the total (7
    # pupils, 6 flagged) minus the girls' 6 and 5 would give away the boy's 1 and 1.
    assert (male.pupils_shown, male.flagged_shown, male.flagged_share) == (None, None, None)
    assert (female.pupils_shown, female.flagged_shown, female.flagged_share) == (None, None, None)
    assert (female.is_small_pupils, female.is_small_flagged) == (False, False)  # withheld, not small
    assert female.dismissed_shown is None  # 3 pupils
    assert female.dismissed_share is None
    assert (result.total.pupils_shown, result.total.flagged_shown) == (7, 6)
    assert round(result.total.flagged_share, 1) == Decimal("85.7")


def test_page_shows_less_than_five_not_the_number(girls: World) -> None:
    html = client_for(girls.coordinator_lizuma).get(reverse("risk_fairness")).content.decode()
    male_row = html[html.index(str(GENDER_GROUPS[Pupil.Gender.MALE]).join(['<th scope="row">', "</th>"])) :].split(
        "</tr>"
    )[0]
    assert male_row.count("&lt; 5") == 3
    assert ">1<" not in male_row
    female_row = html[html.index(str(GENDER_GROUPS[Pupil.Gender.FEMALE]).join(['<th scope="row">', "</th>"])) :].split(
        "</tr>"
    )[0]
    assert female_row.count("×") == 2  # withheld so the boy cannot be worked out from the total
    assert ">6<" not in female_row


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


def test_a_single_small_cell_takes_a_neighbour_with_it() -> None:
    """Total 10 flagged, women 8, men 2: hiding only the men's 2 would leave 10 − 8 = 2 readable."""
    from pumpurs.risk.selectors.fairness import FairnessRow, protect

    rows = protect([FairnessRow("F", 20, 8, 0), FairnessRow("M", 20, 2, 0), FairnessRow("U", 0, 0, 0)])
    assert [r.label for r in rows] == ["F", "M"]  # a group without pupils is left out
    women, men = rows
    assert (women.flagged_shown, men.flagged_shown) == (None, None)
    assert (women.is_small_flagged, men.is_small_flagged) == (False, True)
    assert (women.pupils_shown, men.pupils_shown) == (20, 20)
    # Two small cells already protect each other: nothing more is withheld.
    rows = protect([FairnessRow("F", 20, 3, 0), FairnessRow("M", 20, 2, 0), FairnessRow("X", 30, 9, 0)])
    assert [r.flagged_shown for r in rows] == [None, None, 9]
