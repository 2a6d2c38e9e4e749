"""Load the default semester risk questionnaire (not the official IKVD form; see risk/data/SOURCE.md)."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "default_instrument.csv"

NAME = "PuMPuRS riska novērtējums — noklusējuma anketa (nav oficiālā IKVD veidlapa)"
DESCRIPTION = (
    "Noklusējuma anketa, kas veidota pēc programmas PuMPuRS publicētajām četrām riska grupām un "
    "tajās nosauktajiem riska faktoriem. Tā nav oficiālā IKVD anketa: oficiālā anketa nav publicēta. "
    "Anketu var mainīt; katra izmaiņa veido jaunu versiju. Svari un līmeņu sliekšņi ir noklusējuma "
    "vērtības, kas nav pārbaudītas ar datiem."
)


def load(apps, schema_editor):
    Instrument = apps.get_model("risk", "Instrument")
    InstrumentItem = apps.get_model("risk", "InstrumentItem")
    if Instrument.objects.filter(code="pumpurs-default").exists():
        return
    instrument = Instrument.objects.create(
        code="pumpurs-default",
        version=1,
        name=NAME,
        description=DESCRIPTION,
        is_official=False,
        is_active=True,
        low_from=Decimal("10"),
        medium_from=Decimal("30"),
        high_from=Decimal("55"),
    )
    with DATA.open(encoding="utf-8", newline="") as handle:
        InstrumentItem.objects.bulk_create(
            InstrumentItem(
                instrument=instrument,
                order=int(row["order"]),
                group=row["group"],
                code=row["code"],
                text=row["text"],
                weight=Decimal(row["weight"]),
                sensitive=row["sensitive"] == "yes",
            )
            for row in csv.DictReader(handle)
        )


def unload(apps, schema_editor):
    Instrument = apps.get_model("risk", "Instrument")
    Instrument.objects.filter(code="pumpurs-default", version=1, assessments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
