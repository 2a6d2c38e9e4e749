"""``Measure.unit_cost`` is retired: prices are finance's dated rates (decision 0044). Finance's
``0007_rates_from_unit_cost`` carries every cost into a rate first, so it runs before the drop on
every engine."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0009_case_pseudonymised_at"),
        ("finance", "0007_rates_from_unit_cost"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="measure", name="measure_unit_cost_not_negative"),
        migrations.RemoveField(model_name="measure", name="unit_cost"),
    ]
