"""Load the default list of subjects (journal/data/subjects.csv; editable in the app)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "subjects.csv"


def load(apps, schema_editor):
    Subject = apps.get_model("journal", "Subject")
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Subject.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
