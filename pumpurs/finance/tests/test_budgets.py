"""Budgets and movements (issue 14): the national team sets Gulbene's budget, Gulbene divides it
among Lizuma and Tirzas and moves money between them; a movement is undone only by its reversal;
Madona may not touch Gulbene's schools. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.budgets import budget_move, budget_move_reverse, budget_set, budgets_visible_to, effective_cents
from pumpurs.finance.models import Budget, BudgetMovement
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def school_budgets(world: World) -> tuple[Budget, Budget]:
    budget_set(
        actor=world.national, school_year=world.year, activity=1, municipality=world.gulbene, amount_cents=5_000_000
    )
    lizuma = budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=1_000_001,
    )
    tirzas = budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.tirzas,
        amount_cents=500_000,
    )
    return lizuma, tirzas


def test_a_budget_is_split_85_15_by_default_and_the_split_adds_up(world: World) -> None:
    lizuma, _ = school_budgets(world)
    assert (lizuma.amount_cents, lizuma.esf_cents, lizuma.state_cents) == (1_000_001, 850_001, 150_000)
    again = budget_set(
        actor=world.coordinator_gulbene,
        school_year=world.year,
        activity=1,
        institution=world.lizuma,
        amount_cents=1000,
        esf_cents=800,
        state_cents=200,
    )
    assert again.pk == lizuma.pk
    assert (again.esf_cents, again.state_cents) == (800, 200)
    event = (
        AuditEvent.objects.filter(action="finance.budget.set", object_id=str(lizuma.public_id)).order_by("pk").last()
    )
    assert event is not None
    assert event.data["before"]["amount_cents"] == 1_000_001


def test_a_split_that_does_not_add_up_or_a_negative_amount_is_refused_and_nothing_is_written(world: World) -> None:
    with pytest.raises(ValidationError, match="not the amount"):
        budget_set(
            actor=world.national,
            school_year=world.year,
            activity=1,
            municipality=world.gulbene,
            amount_cents=1000,
            esf_cents=850,
            state_cents=149,
        )
    with pytest.raises(ValidationError, match="negative"):
        budget_set(
            actor=world.national, school_year=world.year, activity=1, municipality=world.gulbene, amount_cents=-1
        )
    assert not Budget.objects.exists()
    # The database refuses a split that does not add up, whoever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.create(
            school_year=world.year,
            activity=1,
            municipality=world.gulbene,
            amount_cents=10,
            esf_cents=8,
            state_cents=1,
            set_at=timezone.now(),
        )


def test_only_the_right_level_sets_a_budget(world: World) -> None:
    with pytest.raises(PermissionDenied):
        budget_set(
            actor=world.coordinator_gulbene,
            school_year=world.year,
            activity=1,
            municipality=world.gulbene,
            amount_cents=1,
        )
    with pytest.raises(PermissionDenied):
        budget_set(
            actor=world.coordinator_madona, school_year=world.year, activity=1, institution=world.lizuma, amount_cents=1
        )
    with pytest.raises(PermissionDenied):
        budget_set(
            actor=world.director_lizuma, school_year=world.year, activity=1, institution=world.lizuma, amount_cents=1
        )
    assert not Budget.objects.exists()


def test_money_moves_between_schools_and_back_only_by_a_reversal(world: World) -> None:
    lizuma, tirzas = school_budgets(world)
    move = budget_move(
        actor=world.coordinator_gulbene,
        source=lizuma,
        target=tirzas,
        amount_cents=250_000,
        reason="Tirzai vairāk skolēnu",
    )
    assert (effective_cents(lizuma), effective_cents(tirzas)) == (750_001, 750_000)
    assert Budget.objects.get(pk=lizuma.pk).amount_cents == 1_000_001  # the budget itself is never edited
    back = budget_move_reverse(actor=world.coordinator_gulbene, movement=move, reason="Kļūda")
    assert back.reverses == move
    assert (back.source, back.target) == (tirzas, lizuma)
    assert (effective_cents(lizuma), effective_cents(tirzas)) == (1_000_001, 500_000)
    with pytest.raises(ValidationError, match="already been reversed"):
        budget_move_reverse(actor=world.coordinator_gulbene, movement=move, reason="Vēlreiz")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        budget_move_reverse(actor=world.coordinator_gulbene, movement=back, reason="Vēlreiz")
    events = AuditEvent.objects.filter(action__in=["finance.budget.moved", "finance.budget.reversed"]).order_by("pk")
    assert [e.action for e in events] == [
        "finance.budget.moved",
        "finance.budget.reversed",
    ]


def test_a_movement_cannot_empty_a_budget_below_zero_or_cross_municipalities(world: World) -> None:
    lizuma, tirzas = school_budgets(world)
    with pytest.raises(ValidationError, match=r"holds 10000\.01; 10000\.02 cannot"):
        budget_move(
            actor=world.coordinator_gulbene, source=lizuma, target=tirzas, amount_cents=1_000_002, reason="Par daudz"
        )
    with pytest.raises(PermissionDenied):
        budget_move(actor=world.coordinator_madona, source=lizuma, target=tirzas, amount_cents=1, reason="Svešs")
    with pytest.raises(ValidationError, match="why"):
        budget_move(actor=world.coordinator_gulbene, source=lizuma, target=tirzas, amount_cents=1, reason=" ")
    madona = budget_set(
        actor=world.national, school_year=world.year, activity=1, institution=world.madona_school, amount_cents=100
    )
    with pytest.raises(ValidationError, match="same municipality"):
        budget_move(actor=world.national, source=lizuma, target=madona, amount_cents=1, reason="Citur")
    assert not BudgetMovement.objects.exists()
    budget_move(actor=world.coordinator_gulbene, source=lizuma, target=tirzas, amount_cents=600_000, reason="Tirzai")
    with pytest.raises(ValidationError, match="already been moved out"):
        budget_set(
            actor=world.coordinator_gulbene,
            school_year=world.year,
            activity=1,
            institution=world.lizuma,
            amount_cents=599_999,
        )


def test_each_reader_sees_the_budgets_of_their_scope(world: World) -> None:
    lizuma, tirzas = school_budgets(world)
    programme = budget_set(actor=world.national, school_year=world.year, activity=1, amount_cents=9_000_000)
    assert set(budgets_visible_to(world.director_lizuma)) == {lizuma}
    assert set(budgets_visible_to(world.coordinator_tirzas)) == {tirzas}
    assert programme not in budgets_visible_to(world.coordinator_gulbene)
    assert {lizuma, tirzas} <= set(budgets_visible_to(world.coordinator_gulbene))
    assert not budgets_visible_to(world.coordinator_madona).filter(pk__in=[lizuma.pk, tirzas.pk]).exists()
    assert not budgets_visible_to(world.teacher_lizuma).exists()
    assert programme in budgets_visible_to(world.national)
