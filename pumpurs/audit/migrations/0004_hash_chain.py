"""The audit trail's hash chain and, on PostgreSQL, the trigger that makes it append-only (decision 0025)."""

from django.db import migrations, models

GUARD = """
CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Two changes are allowed, nothing else: a person's account is removed (actor_id becomes NULL;
    -- actor_username keeps the name), and erasure scrubs ``data`` once, stamping ``scrubbed_at``.
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.seq, NEW.prev_hash, NEW.hash, NEW.data_digest, NEW.at, NEW.actor_username, NEW.action,
            NEW.pupil_id, NEW.object_type, NEW.object_id, NEW.ip_address)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.seq, OLD.prev_hash, OLD.hash, OLD.data_digest, OLD.at, OLD.actor_username, OLD.action,
            OLD.pupil_id, OLD.object_type, OLD.object_id, OLD.ip_address)
       AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
       AND ((NEW.data IS NOT DISTINCT FROM OLD.data AND NEW.scrubbed_at IS NOT DISTINCT FROM OLD.scrubbed_at)
            OR (OLD.scrubbed_at IS NULL AND NEW.scrubbed_at IS NOT NULL))
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation',
              HINT = 'Erasure scrubs events with audit_scrub; nothing deletes them (decision 0025).';
END
$$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_guard();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_guard();
"""


def chain_existing_events(apps, schema_editor):
    """Link the events written before the chain existed, oldest first (by id), in one pass."""
    from pumpurs.audit.chain import GENESIS, data_digest, event_hash, event_tail_of

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev, seq, batch = GENESIS, 0, []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        event.seq, event.prev_hash, event.data_digest = seq, prev, data_digest(event.data)
        event.hash = event_hash(prev_hash=prev, seq=seq, tail=event_tail_of(event))
        prev = event.hash
        batch.append(event)
        if len(batch) == 2000:
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "data_digest"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "data_digest"])
    AuditChainHead.objects.create(pk=1, seq=seq, hash=prev)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_event_time_default"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "audit chain head"},
        ),
        migrations.AddField(model_name="auditevent", name="seq", field=models.BigIntegerField(null=True)),
        migrations.AddField(model_name="auditevent", name="prev_hash", field=models.CharField(default="", max_length=64), preserve_default=False),
        migrations.AddField(model_name="auditevent", name="hash", field=models.CharField(default="", max_length=64), preserve_default=False),
        migrations.AddField(model_name="auditevent", name="data_digest", field=models.CharField(default="", max_length=64), preserve_default=False),
        migrations.AddField(model_name="auditevent", name="scrubbed_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="seq", field=models.BigIntegerField(unique=True)),
        migrations.RunPython(guard, unguard),
    ]
