"""The small-cell rule as the municipality's dashboard applies it, on hand-written cells."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from pumpurs.reporting import dashboard as board
from pumpurs.reporting.models import Bucket, DashboardCell, DashboardRefresh, Level
from pumpurs.world.personas import World

SEMESTER = dt.date(2026, 9, 1)


def cells(level: str, unit: int, municipality: int | None, **values: int) -> None:
    DashboardCell.objects.bulk_create(
        DashboardCell(
            level=level,
            unit_id=unit,
            municipality_id=municipality,
            bucket=Bucket.SEMESTER,
            starts_on=SEMESTER,
            ends_on=dt.date(2026, 11, 12),
            metric=metric,
            value=value,
        )
        for metric, value in values.items()
    )


def test_a_small_school_hides_itself_and_the_next_smallest_but_not_the_rest(world: World) -> None:
    DashboardRefresh.objects.create(computed_at=dt.datetime.now(dt.UTC), for_day=world.today, cells=0, seconds=0)
    cells(Level.SCHOOL, world.lizuma.pk, world.gulbene.pk, pupils=120, flagged=7, at_risk=6, covered=5)
    cells(Level.SCHOOL, world.tirzas.pk, world.gulbene.pk, pupils=40, flagged=2, at_risk=0)
    cells(Level.MUNICIPALITY, world.gulbene.pk, world.gulbene.pk, pupils=160, flagged=9, at_risk=6, covered=5)
    place = board.municipality_place(world.coordinator_gulbene, world.gulbene.public_id)
    data = board.dashboard_for(world.coordinator_gulbene, place)
    by_name = {child.name: child.cells for child in data.children}
    lizuma, tirzas = by_name[world.lizuma.name], by_name[world.tirzas.name]
    assert tirzas["flagged"].value is None  # 2: a small cell
    assert lizuma["flagged"].value is None  # 7, hidden too: the total 9 would give Tirzas's 2 away
    assert data.child_totals["flagged"].value == 9  # two hidden cells: their sum names no one
    assert (lizuma["at_risk"].value, tirzas["at_risk"].value) == (6, 0)  # zero names nobody
    assert lizuma["at_risk"].rate is not None
    assert tirzas["flagged"].rate is None  # a rate follows its hidden count
    headline = {f.metric: f.now for f in data.figures}
    assert headline["flagged"].value == 9
    assert headline["covered"].value == 5
    assert headline["covered"].url is None  # the municipality never reaches names


def test_the_school_sees_its_own_small_numbers(client: Client, world: World) -> None:
    DashboardRefresh.objects.create(computed_at=dt.datetime.now(dt.UTC), for_day=world.today, cells=0, seconds=0)
    cells(Level.SCHOOL, world.tirzas.pk, world.gulbene.pk, pupils=40, flagged=2, at_risk=1)
    place = board.school_place(world.coordinator_tirzas, world.tirzas.public_id)
    assert not place.suppress
    data = board.dashboard_for(world.coordinator_tirzas, place)
    assert {f.metric: f.now.value for f in data.figures}["flagged"] == 2
    # the municipality reads the same school's page with the small cells hidden
    place = board.school_place(world.coordinator_gulbene, world.tirzas.public_id)
    assert place.suppress
    data = board.dashboard_for(world.coordinator_gulbene, place)
    assert {f.metric: f.now.value for f in data.figures}["flagged"] is None


def test_the_list_behind_a_number_refuses_what_it_cannot_count(client: Client, world: World) -> None:
    client.force_login(world.coordinator_lizuma)
    url = reverse("reporting:school_pupils", args=[world.lizuma.public_id])
    good = {"metric": "at_risk", "start": "2026-09-01", "end": "2026-11-12"}
    assert client.get(url, good).status_code == 200
    for bad in (
        {**good, "metric": "pupils"},  # a count of everyone is not a list behind a number
        {**good, "metric": "group:astrology"},
        {**good, "end": "2026-08-01"},  # ends before it starts
        {**good, "start": "yesterday"},
        {**good, "start": "2024-09-01"},  # longer than a school year
    ):
        assert client.get(url, bad).status_code == 404, bad
