"""Issue 13, "Forms": the budget page's two forms (a school's budget, a movement between schools)
and the rate form keep what was typed on a refusal and show the error summary linking to each
field, on the one page where both budget forms live; nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.core.testing import assert_kept, assert_summary_links
from pumpurs.finance.models import Budget, BudgetMovement, Rate
from pumpurs.finance.tests.test_budgets import school_budgets
from pumpurs.people.models import User
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def test_a_refused_budget_keeps_the_amounts_typed(world: World) -> None:
    school_budgets(world)
    before = list(Budget.objects.values_list("pk", "amount_cents"))
    response = signed_in(world.coordinator_gulbene).post(
        reverse("finance_budget_set"),
        {"year": world.year.name, "institution": str(world.lizuma.pk), "amount": "12 000,505", "esf": "10200"},
    )
    summary = assert_kept(response, id_institution=str(world.lizuma.pk), id_amount="12 000,505", id_esf="10200")
    assert_summary_links(summary, "id_amount")
    assert list(Budget.objects.values_list("pk", "amount_cents")) == before


def test_a_refused_movement_keeps_its_reason_and_links_its_own_amount(world: World) -> None:
    lizuma, tirzas = school_budgets(world)
    response = signed_in(world.coordinator_gulbene).post(
        reverse("finance_budget_move"),
        {
            "year": world.year.name,
            "source": str(lizuma.pk),
            "target": str(tirzas.pk),
            "amount": "desmit",
            "reason": "Tirzai vairāk skolēnu",
        },
    )
    summary = assert_kept(
        response,
        id_move_source=str(lizuma.pk),
        id_move_target=str(tirzas.pk),
        id_move_amount="desmit",
        id_move_reason="Tirzai vairāk skolēnu",
    )
    assert_summary_links(summary, "id_move_amount")
    assert 'href="#id_amount"' not in summary  # not the budget form's amount beside it
    assert not BudgetMovement.objects.exists()


def test_a_refused_rate_keeps_the_figures_and_the_note(world: World) -> None:
    response = signed_in(world.national).post(
        reverse("finance_rate_set"),
        {
            "measure": "consult-psychologist",
            "version": "0",
            "valid_from": world.year.starts_on.isoformat(),
            "unit": "25,001",
            "cap_unit": "",
            "cap_semester": "300",
            "cap_month": "",
            "note": "MK noteikumi Nr. 1",
        },
    )
    summary = assert_kept(response, id_unit="25,001", id_cap_semester="300", id_note="MK noteikumi Nr. 1")
    assert_summary_links(summary, "id_unit")
    assert not Rate.objects.exists()
