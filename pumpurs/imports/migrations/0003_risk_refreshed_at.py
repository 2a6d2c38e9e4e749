"""Record when the indicators last took in each fact batch (imports/facts.py)."""

from django.db import migrations, models
from django.db.models import F

FACT_KINDS = ("attendance", "grades", "incidents")


def covered_before(apps, schema_editor):
    """Fact batches applied before this field existed were each refreshed by their own task."""
    ImportBatch = apps.get_model("imports", "ImportBatch")
    ImportBatch.objects.filter(status="applied", kind__in=FACT_KINDS).update(risk_refreshed_at=F("finished_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_upload_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="risk_refreshed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="indicators refreshed"),
        ),
        migrations.RunPython(covered_before, migrations.RunPython.noop),
    ]
