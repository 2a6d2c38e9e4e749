"""Activity 2's money (issue 16): what trainings cost counts as spent against the activity's
budgets — the programme's for every training, a municipality's for its own — on the budget page,
each reader seeing only the municipalities of their scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from pumpurs.finance.budgets import budget_set
from pumpurs.finance.models import Activity
from pumpurs.finance.selectors import training_money
from pumpurs.people.models import Municipality, User
from pumpurs.prevention.models import Training
from pumpurs.prevention.services import training_create
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _training(actor: User, municipality: Municipality | None, cost_cents: int, starts_on: dt.date) -> Training:
    return training_create(
        actor=actor,
        municipality=municipality,
        title="Riska pazīmes",
        topic="Kā laikus pamanīt",
        organiser="IKVD",
        audience="teachers",
        remote=True,
        place="",
        starts_on=starts_on,
        ends_on=starts_on,
        hours=Decimal(4),
        now=timezone.now(),
        cost_cents=cost_cents,
    )


def _world_of_trainings(world: World) -> None:
    today = timezone.localdate()
    _training(world.national, None, 300_000, today)
    _training(world.national, None, 12_345, world.year.starts_on)  # the year's first day counts
    _training(world.coordinator_gulbene, world.gulbene, 150_050, today)
    _training(world.coordinator_gulbene, world.gulbene, 0, today)  # no cost: counts nothing
    _training(world.coordinator_madona, world.madona, 70_000, today)
    _training(
        world.coordinator_gulbene, world.gulbene, 99_999, world.year.starts_on - dt.timedelta(days=1)
    )  # last year
    budget_set(actor=world.national, school_year=world.year, activity=Activity.PREVENTION, amount_cents=1_000_000)
    budget_set(
        actor=world.national,
        school_year=world.year,
        activity=Activity.PREVENTION,
        municipality=world.gulbene,
        amount_cents=200_000,
    )


def test_the_trainings_costs_are_activity_2s_spending(world: World) -> None:
    _world_of_trainings(world)
    national = training_money(world.national, world.year)
    assert national.programme is not None
    assert national.programme.spent == 300_000 + 12_345 + 150_050 + 70_000
    assert national.programme.budget == 1_000_000
    assert national.programme.remaining == 1_000_000 - 532_395
    rows = {row.label: row for row in national.rows}
    assert rows["The national team's trainings"].spent == 312_345
    gulbene = rows[world.gulbene.name]
    assert (gulbene.budget, gulbene.spent, gulbene.remaining) == (200_000, 150_050, 49_950)
    madona = rows[world.madona.name]
    assert (madona.budget, madona.spent, madona.remaining) == (None, 70_000, None)  # no budget set: not invented

    # A municipality's coordinator sees their municipality only, and no programme line.
    inese = training_money(world.coordinator_gulbene, world.year)
    assert inese.programme is None
    assert [(r.label, r.spent) for r in inese.rows] == [(world.gulbene.name, 150_050)]


def test_the_budget_page_shows_activity_2(world: World, client: Client) -> None:
    _world_of_trainings(world)
    client.force_login(world.national)
    client.cookies["django_language"] = "en"
    html = client.get("/finance/").content.decode()
    assert "Activity 2: trainings" in html
    assert "data-activity-2-spent>5323.95<" in html
    client.force_login(world.coordinator_gulbene)
    html = client.get("/finance/").content.decode()
    assert world.gulbene.name in html
    assert world.madona.name not in html
    assert "data-activity-2-spent" not in html
