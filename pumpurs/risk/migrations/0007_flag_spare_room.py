"""Live flags are updated at every refresh that moves their value (every school day for the
attendance rules): on PostgreSQL leave 30 % of each page free, so that such an update stays on
its page and writes none of the table's seven index entries (a HOT update; decision record 0009).
Pages written before this keep no room until their rows move; nothing is rewritten here."""

from django.db import migrations


def spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_flag SET (fillfactor = 70)")


def no_spare_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE risk_flag RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0006_indicator_snapshot_natural_key"),
    ]

    operations = [
        migrations.RunPython(spare_room, no_spare_room),
    ]
