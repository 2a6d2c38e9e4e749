"""Retiring ``Measure.unit_cost`` (decision 0044): finance's ``0007_rates_from_unit_cost`` carries
every catalogue cost into a national rate, marked as an example, before ``support.0010`` drops
the column — on both engines, in that order."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

carry = importlib.import_module("pumpurs.finance.migrations.0007_rates_from_unit_cost")

BEFORE = [("support", "0009_case_pseudonymised_at"), ("finance", "0006_still_committed_and_supported_pupils")]
AFTER = [("support", "0010_measure_unit_cost_retired"), ("finance", "0007_rates_from_unit_cost")]
D = dt.date


def test_versions_become_rates_one_per_price() -> None:
    rows = [
        ("meals", D(2024, 9, 2), D(2025, 1, 5), Decimal("2.80")),
        ("meals", D(2025, 1, 6), D(2025, 8, 31), Decimal("2.80")),  # same price: the rate goes on
        ("meals", D(2025, 9, 1), None, Decimal("3.10")),  # a new price: a new rate
        ("transport", D(2024, 9, 2), D(2025, 8, 31), None),  # not priced yet
        (
            "transport",
            D(2025, 9, 1),
            D(2025, 12, 31),
            Decimal("1.505"),
        ),  # (two places in the column; rounded half up all the same)
        ("transport", D(2026, 1, 1), None, None),  # the price is withdrawn: the rate ends
    ]
    assert carry.rates_from_versions(rows) == [
        {"measure_code": "meals", "valid_from": D(2024, 9, 2), "valid_to": D(2025, 8, 31), "unit_cents": 280},
        {"measure_code": "meals", "valid_from": D(2025, 9, 1), "valid_to": None, "unit_cents": 310},
        {"measure_code": "transport", "valid_from": D(2025, 9, 1), "valid_to": D(2025, 12, 31), "unit_cents": 151},
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_an_old_unit_cost_into_a_rate(municipalities: None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # the column is back; the catalogue as migration 0002 loaded it
    old: Any = executor.loader.project_state(BEFORE).apps
    measures, rates = old.get_model("support", "Measure"), old.get_model("finance", "Rate")
    first = measures.objects.filter(code="meals").get()
    measures.objects.filter(pk=first.pk).update(unit_cost=Decimal("2.80"))
    measures.objects.filter(code="transport").update(unit_cost=Decimal("1.50"))
    # Transport already has a rate: finance priced it with that, and keeps it.
    rates.objects.create(
        measure_code="transport",
        valid_from=D(2026, 9, 1),
        unit_cents=120,
        set_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    new: Any = executor.loader.project_state(AFTER).apps
    carried = new.get_model("finance", "Rate").objects.order_by("measure_code", "valid_from")
    assert [(r.measure_code, r.valid_from, r.valid_to, r.unit_cents, r.municipality_id) for r in carried] == [
        ("meals", first.valid_from, None, 280, None),  # national, from the catalogue's first day
        ("transport", D(2026, 9, 1), None, 120, None),
    ]
    meals = carried.get(measure_code="meals")
    assert meals.is_example
    assert "not the programme's rate" in meals.note
    columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(), "support_measure")}
    assert "unit_cost" not in columns
    assert "cap_per_plan" in columns
