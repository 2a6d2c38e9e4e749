"""The weekly rollups' current week is updated by every school day's import (decision 0050, "the
daily case in place"): on PostgreSQL leave half of each page free, so that such an update writes
the row's new version into its own page and no index entry (a HOT update). A day's import updates
every pupil's row of the week, and the rows of a week lie together, so a page needs room for a
second version of each of its rows; yesterday's versions are pruned when the page is next written.
Measured at 50 000 pupils: the one-day upkeep 0.65–0.80 s against 0.73–1.22 s at the default
(docs/performance.md). Pages written before this keep no room until `pumpurs indicators
rebuild-rollups` writes them again; nothing is rewritten here."""

from django.db import migrations

TABLES = ("journal_attendanceweek", "journal_gradeweek")


def spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def no_spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0006_rollup_built"),
    ]

    operations = [
        migrations.RunPython(spare_room, no_spare_room),
    ]
