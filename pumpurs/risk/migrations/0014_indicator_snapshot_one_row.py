"""One snapshot row per pupil and semester, both windows as columns (decision record 0049), and
the cached pupil table of a semester (``SemesterPupil``).

The stored two-row snapshots are folded into the new shape (the "period" row's values under their
names, the "4w" row's under ``w4_``), so the risk picture shows the same values before the next
refresh; a pupil with only one of the two rows gets the missing window's values from the next
refresh (its 4-week dates are then the semester's, its counts zero). Reversible: going back
unfolds every row into its two. Django cannot change a table's composite primary key in place, so
the old table is renamed aside, the new one created, filled with one ``INSERT … SELECT`` and the
old one dropped. On PostgreSQL the pages keep half their room free, as before (HOT updates)."""

import django.db.models.deletion
from django.db import migrations, models

WINDOW_COLUMNS = (
    "lessons",
    "unjustified",
    "illness",
    "other_justified",
    "late",
    "attendance_rate",
    "failing_grades",
    "nv_count",
    "average_grade",
    "incidents",
)
COMMON = ("period_id", "pupil_id", "computed_at", "rule_version", "repeated_grade", "over_age_years", "school_changes_12m")
PERIOD = ("window_start", "window_end", *WINDOW_COLUMNS, "average_change")


def fold(apps, schema_editor):
    new = [*COMMON, *PERIOD, "w4_start", "w4_end", *(f"w4_{c}" for c in WINDOW_COLUMNS)]
    picked = [
        *(f"p.{c}" for c in COMMON),
        *(f"p.{c}" for c in PERIOD),
        "COALESCE(f.window_start, p.window_start)",
        "COALESCE(f.window_end, p.window_end)",
        *(f"f.{c}" if c in ("attendance_rate", "average_grade") else f"COALESCE(f.{c}, 0)" for c in WINDOW_COLUMNS),
    ]
    schema_editor.execute(
        f"INSERT INTO risk_indicatorsnapshot ({', '.join(new)}) SELECT {', '.join(picked)} "  # noqa: S608 — names from code
        "FROM risk_indicatorsnapshot_two_rows p LEFT JOIN risk_indicatorsnapshot_two_rows f "
        "ON f.period_id = p.period_id AND f.pupil_id = p.pupil_id AND f.\"window\" = '4w' "
        "WHERE p.\"window\" = 'period'"
    )


def unfold(apps, schema_editor):
    old = [*COMMON, '"window"', *PERIOD]
    period = [*COMMON, "'period'", *PERIOD]
    four = [*COMMON, "'4w'", "w4_start", "w4_end", *(f"w4_{c}" for c in WINDOW_COLUMNS), "NULL"]
    for picked in (period, four):
        schema_editor.execute(
            f"INSERT INTO risk_indicatorsnapshot_two_rows ({', '.join(old)}) "  # noqa: S608 — names from code
            f"SELECT {', '.join(picked)} FROM risk_indicatorsnapshot"
        )


def spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_indicatorsnapshot SET (fillfactor = 50)")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_institution_same_day_notices"),
        ("risk", "0013_refresh_mark_last_fact_day"),
    ]

    operations = [
        # The two-row table aside, under another model name and table.
        migrations.AlterModelTable(name="IndicatorSnapshot", table="risk_indicatorsnapshot_two_rows"),
        migrations.AlterField(
            model_name="indicatorsnapshot",
            name="pupil",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="people.pupil",
            ),
        ),
        migrations.RenameModel(old_name="IndicatorSnapshot", new_name="TwoRowSnapshot"),
        migrations.CreateModel(
            name="IndicatorSnapshot",
            fields=[
                ("pk", models.CompositePrimaryKey("period_id", "pupil_id", blank=True, editable=False, primary_key=True, serialize=False)),
                ("period", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.period")),
                ("pupil", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="indicator_snapshots", to="people.pupil")),
                ("computed_at", models.DateTimeField()),
                ("rule_version", models.CharField(max_length=20)),
                ("window_start", models.DateField()),
                ("window_end", models.DateField()),
                ("lessons", models.IntegerField(default=0)),
                ("unjustified", models.IntegerField(default=0)),
                ("illness", models.IntegerField(default=0)),
                ("other_justified", models.IntegerField(default=0)),
                ("late", models.IntegerField(default=0)),
                ("attendance_rate", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ("failing_grades", models.IntegerField(default=0)),
                ("nv_count", models.IntegerField(default=0)),
                ("average_grade", models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True)),
                ("average_change", models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True)),
                ("incidents", models.IntegerField(default=0)),
                ("w4_start", models.DateField()),
                ("w4_end", models.DateField()),
                ("w4_lessons", models.IntegerField(default=0)),
                ("w4_unjustified", models.IntegerField(default=0)),
                ("w4_illness", models.IntegerField(default=0)),
                ("w4_other_justified", models.IntegerField(default=0)),
                ("w4_late", models.IntegerField(default=0)),
                ("w4_attendance_rate", models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ("w4_failing_grades", models.IntegerField(default=0)),
                ("w4_nv_count", models.IntegerField(default=0)),
                ("w4_average_grade", models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True)),
                ("w4_incidents", models.IntegerField(default=0)),
                ("repeated_grade", models.BooleanField(default=False)),
                ("over_age_years", models.IntegerField(default=0)),
                ("school_changes_12m", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "indicator snapshot",
                "verbose_name_plural": "indicator snapshots",
            },
        ),
        migrations.RunPython(spare_room, migrations.RunPython.noop),
        migrations.RunPython(fold, unfold),
        migrations.DeleteModel(name="TwoRowSnapshot"),
        migrations.CreateModel(
            name="SemesterPupil",
            fields=[
                ("pk", models.CompositePrimaryKey("period_id", "pupil_id", blank=True, editable=False, primary_key=True, serialize=False)),
                ("period", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.period")),
                ("pupil", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.pupil")),
                ("municipality_id", models.BigIntegerField(null=True)),
                ("over_age_years", models.IntegerField(default=0)),
                ("repeated_grade", models.BooleanField(default=False)),
                ("school_changes_12m", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "semester pupil",
                "verbose_name_plural": "semester pupils",
            },
        ),
        migrations.AddField(
            model_name="refreshmark",
            name="roster_stamp",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="refreshmark",
            name="flag_stamp",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
