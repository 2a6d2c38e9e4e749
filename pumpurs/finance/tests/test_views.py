"""The budget page and the plan's money panel (issue 14): Inese (Gulbene) sets Lizuma's and
Tirzas's budgets, moves money and reverses it; Juris (Lizuma's director) sees his school only;
Kārlis (Madona) never sees a Gulbene school; a teacher has no budget page. Anna's plan shows each
line's cost and the school's remaining budget; an approval over budget is refused on the page with
the numbers."""

from __future__ import annotations

import pytest
from django.test import Client

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.models import Budget, BudgetMovement
from pumpurs.finance.rates import rate_set
from pumpurs.support.models import Plan, PlanStatus
from pumpurs.support.plans import plan_submit
from pumpurs.support.testing import approve_all, draft_plan, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def signed_in(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]  # a User
    client.cookies["django_language"] = "en"
    return client


def test_the_municipality_sets_budgets_moves_money_and_reverses_it_on_the_page(world: World, client: Client) -> None:
    signed_in(client, world.coordinator_gulbene)
    page = client.get("/finance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lizuma pamatskola" in html
    assert "Tirzas pamatskola" in html
    assert "Madonas testa pamatskola" not in html
    for school, amount in ((world.lizuma, "1 000,50"), (world.tirzas, "500")):
        answer = client.post("/finance/set/", {"year": world.year.name, "institution": school.pk, "amount": amount})
        assert answer.status_code == 302
    lizuma = Budget.objects.get(institution=world.lizuma)
    assert (lizuma.amount_cents, lizuma.esf_cents, lizuma.state_cents) == (100_050, 85_043, 15_007)
    bad = client.post("/finance/set/", {"year": world.year.name, "institution": world.lizuma.pk, "amount": "-1"})
    assert bad.status_code == 400
    assert "cannot be negative" in bad.content.decode()
    tirzas = Budget.objects.get(institution=world.tirzas)
    moved = client.post(
        "/finance/move/",
        {
            "year": world.year.name,
            "source": lizuma.pk,
            "target": tirzas.pk,
            "amount": "100",
            "reason": "Vairāk skolēnu",
        },
    )
    assert moved.status_code == 302
    movement = BudgetMovement.objects.get()
    back = client.post(f"/finance/movements/{movement.public_id}/reverse/", {"reason": "Kļūda"})
    assert back.status_code == 302
    assert BudgetMovement.objects.filter(reverses=movement).exists()
    # The page lists both movements; the reversed one is marked, the reversal offers no second reversal.
    html = client.get("/finance/").content.decode()
    assert html.count('<span class="hint">reversed</span>') == 1
    assert html.count(f'action="/finance/movements/{movement.public_id}/reverse/"') == 0
    # Both of the movement form's lists offer the coordinator's budgets, read once for the two.
    for name in ("source", "target"):
        assert f'<option value="{lizuma.pk}">Lizuma pamatskola</option>' in html.split(f'name="{name}"')[1]
        assert f'<option value="{tirzas.pk}">Tirzas pamatskola</option>' in html.split(f'name="{name}"')[1]
    # A budget outside the coordinator's is refused as a choice, and nothing moves.
    madona = budget_set(
        actor=world.coordinator_madona,
        school_year=world.year,
        activity=1,
        institution=world.madona_school,
        amount_cents=50_000,
    )
    outside = client.post(
        "/finance/move/",
        {"year": world.year.name, "source": madona.pk, "target": tirzas.pk, "amount": "1", "reason": "x"},
    )
    assert outside.status_code == 400
    assert BudgetMovement.objects.count() == 2
    # Madona's coordinator cannot reverse Gulbene's movement: it does not exist for him.
    signed_in(client, world.coordinator_madona)
    assert client.post(f"/finance/movements/{movement.public_id}/reverse/", {"reason": "x"}).status_code == 404
    assert client.get(f"/finance/?school={world.lizuma.public_id}").status_code == 404


def test_each_reader_sees_only_their_schools_money(world: World, client: Client) -> None:
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=50_000,
    )
    signed_in(client, world.director_lizuma)
    html = client.get("/finance/").content.decode()
    assert "Lizuma pamatskola" in html
    assert "Tirzas pamatskola" not in html
    assert "Set a school's budget" not in html  # the director reads, the municipality sets
    assert client.get(f"/finance/?school={world.tirzas.public_id}").status_code == 404
    assert (
        client.post(
            "/finance/set/", {"year": world.year.name, "institution": world.lizuma.pk, "amount": "1"}
        ).status_code
        == 400
    )
    assert Budget.objects.get(institution=world.lizuma).amount_cents == 50_000
    signed_in(client, world.teacher_lizuma)
    assert client.get("/finance/").status_code == 404


def test_the_plan_shows_its_cost_and_the_budget_and_refuses_an_approval_over_budget(
    world: World, client: Client
) -> None:
    rate_set(
        actor=world.national,
        measure_code="consult-psychologist",
        valid_from=world.year.starts_on,
        unit_cents=2500,
        is_example=True,
    )
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=30_000,
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    plan = plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case))
    signed_in(client, world.director_lizuma)
    html = client.get(f"/support/plans/{plan.public_id}/").content.decode()
    assert "Cost and budget" in html
    assert "250.00" in html
    assert "60.00" in html
    assert "310.00" in html
    assert "example" in html
    assert "Remaining once this plan is approved" in html
    assert "-10.00" in html
    answer = client.post(
        f"/support/plans/{plan.public_id}/transition/", {"action": "approve", "version": plan.version}, follow=True
    )
    text = answer.content.decode()
    assert "budget 300.00" in text
    assert "this plan 310.00" in text
    assert "short by 10.00" in text
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    # The teacher sees what the plan costs, not the school's budget.
    signed_in(client, world.teacher_lizuma)
    html = client.get(f"/support/plans/{plan.public_id}/").content.decode()
    assert "310.00" in html
    assert "School's budget" not in html


def test_the_budget_page_adds_up_what_was_committed_and_spent(world: World, client: Client) -> None:
    rate_set(
        actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on, unit_cents=2500
    )
    budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=100_000,
    )
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    approve_all(
        plan_submit(actor=world.teacher_lizuma, plan=draft_plan(world.teacher_lizuma, case)),
        world.director_lizuma,
        world.coordinator_gulbene,
        world.national,
    )
    case = open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)
    draft_plan(world.teacher_lizuma_8a, case)
    signed_in(client, world.coordinator_gulbene)
    html = client.get("/finance/").content.decode()
    assert 'data-total="committed">310.00' in html
    assert 'data-total="planned">310.00' in html
    assert 'data-total="remaining">690.00' in html
    assert "Consultations" in html or "Psihologa konsultācijas" in html
