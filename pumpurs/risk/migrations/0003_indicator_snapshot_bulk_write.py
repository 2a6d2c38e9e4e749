"""Snapshots are rewritten whole at every refresh: cheaper writes (no FK checks, no redundant
index) and, on PostgreSQL, half-empty pages so that each rewrite is a HOT update in place."""

import django.db.models.deletion
from django.db import migrations, models


def spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_indicatorsnapshot SET (fillfactor = 50)")


def no_spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_indicatorsnapshot RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_institution_same_day_notices'),
        ('risk', '0002_default_instrument'),
    ]

    operations = [
        migrations.AlterField(
            model_name='indicatorsnapshot',
            name='period',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.period'),
        ),
        migrations.AlterField(
            model_name='indicatorsnapshot',
            name='pupil',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_snapshots', to='people.pupil'),
        ),
        migrations.RunPython(spare_room, no_spare_room),
    ]
