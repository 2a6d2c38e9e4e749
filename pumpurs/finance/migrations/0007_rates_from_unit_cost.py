"""The catalogue's ``Measure.unit_cost`` becomes finance's dated rates (decision 0044).

Every measure code that has a unit cost on some catalogue version and no ``Rate`` at all gets
national rates carrying those costs: from the first priced version's first day (for a measure
priced from the start, the earliest date the catalogue knows it), each change of price starting a
new rate and a version without a cost ending it. They are marked as the demo marks its figures
(``is_example``, with a note): nobody can tell whether a cost typed into the catalogue was the
programme's. Codes that already have a rate keep theirs: the rate was the price finance used.

It must run before ``support.0010`` drops the column (that migration depends on this one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import migrations
from django.utils import timezone

NOTE = (
    "Vienības cena no pasākumu kataloga, pārnesta kā piemērs — nav programmas likme / "
    "the catalogue's unit cost, carried over as an example, not the programme's rate"
)

Version = tuple[str, dt.date, "dt.date | None", "Decimal | None"]  # code, valid_from, valid_until, unit_cost


def rates_from_versions(versions: Iterable[Version]) -> list[dict[str, Any]]:
    """The national rates that carry the catalogue's unit costs: ``versions`` ordered by code and
    first day; consecutive versions at one price make one rate, a version without a price ends it.
    Returns the rates' fields (``measure_code``, ``valid_from``, ``valid_to``, ``unit_cents``)."""
    rates: list[dict[str, Any]] = []
    open_rate: dict[str, Any] | None = None
    for code, valid_from, valid_until, unit_cost in versions:
        if open_rate is not None and open_rate["measure_code"] != code:
            open_rate = None
        cents = None if unit_cost is None else int((Decimal(unit_cost) * 100).to_integral_value(rounding=ROUND_HALF_UP))
        if cents is None:
            open_rate = None  # the previous rate already ends with its version
            continue
        if open_rate is not None and open_rate["unit_cents"] == cents:
            open_rate["valid_to"] = valid_until
            continue
        if open_rate is not None and (open_rate["valid_to"] is None or open_rate["valid_to"] >= valid_from):
            open_rate["valid_to"] = valid_from - dt.timedelta(days=1)
        open_rate = {"measure_code": code, "valid_from": valid_from, "valid_to": valid_until, "unit_cents": cents}
        rates.append(open_rate)
    return rates


def carry_unit_costs(apps: Any, schema_editor: Any) -> None:
    Measure = apps.get_model("support", "Measure")
    Rate = apps.get_model("finance", "Rate")
    priced = Rate.objects.values("measure_code")
    versions = (
        Measure.objects.exclude(code__in=priced)
        .order_by("code", "valid_from")
        .values_list("code", "valid_from", "valid_until", "unit_cost")
    )
    now = timezone.now()
    Rate.objects.bulk_create(
        Rate(**fields, is_example=True, note=NOTE, set_at=now) for fields in rates_from_versions(versions)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_still_committed_and_supported_pupils"),
        ("support", "0009_case_pseudonymised_at"),
    ]

    operations = [migrations.RunPython(carry_unit_costs, migrations.RunPython.noop, elidable=True)]
