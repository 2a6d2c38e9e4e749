"""Snapshots keyed by their natural key (semester, pupil, window) as the only index.

Django cannot turn a table's primary key into a composite one in place, so the table is dropped
and created again. Snapshots are derived rows: the next ``pumpurs indicators refresh`` (daily, and
after every import) writes them again from the facts; flags and their decisions are untouched.
On PostgreSQL the pages keep half their room free, so that a refresh that changes a snapshot
updates it in place (a HOT update, no index write)."""

import django.db.models.deletion
from django.db import migrations, models


def spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_indicatorsnapshot SET (fillfactor = 50)")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_institution_same_day_notices'),
        ('risk', '0005_flag_check'),
    ]

    operations = [
        migrations.DeleteModel(name='IndicatorSnapshot'),
        migrations.CreateModel(
            name='IndicatorSnapshot',
            fields=[
                ('pk', models.CompositePrimaryKey('period_id', 'pupil_id', 'window', blank=True, editable=False, primary_key=True, serialize=False)),
                ('period', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.period')),
                ('pupil', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_snapshots', to='people.pupil')),
                ('window', models.CharField(choices=[('period', 'semester'), ('4w', 'last 4 weeks')], max_length=8)),
                ('window_start', models.DateField()),
                ('window_end', models.DateField()),
                ('computed_at', models.DateTimeField()),
                ('rule_version', models.CharField(max_length=20)),
                ('lessons', models.IntegerField(default=0)),
                ('unjustified', models.IntegerField(default=0)),
                ('illness', models.IntegerField(default=0)),
                ('other_justified', models.IntegerField(default=0)),
                ('late', models.IntegerField(default=0)),
                ('attendance_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ('failing_grades', models.IntegerField(default=0)),
                ('nv_count', models.IntegerField(default=0)),
                ('average_grade', models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True)),
                ('average_change', models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True)),
                ('incidents', models.IntegerField(default=0)),
                ('repeated_grade', models.BooleanField(default=False)),
                ('over_age_years', models.IntegerField(default=0)),
                ('school_changes_12m', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': 'indicator snapshot',
                'verbose_name_plural': 'indicator snapshots',
            },
        ),
        migrations.RunPython(spare_room, migrations.RunPython.noop),
    ]
