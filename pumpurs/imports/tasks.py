"""Background work for imports: big files are checked and applied by the worker, not the web request."""

from __future__ import annotations

from django.tasks import task

from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_actor, import_batch_run


@task()
def import_batch_process(batch_id: int) -> str:
    """Run one queued batch (the upload page enqueues it on commit). Idempotent: a batch that
    is no longer queued is left alone, so a retried task never imports twice.

    It runs as ``system:import-worker`` for whoever submitted it, with their authority as it is
    now: a submitter deleted or stripped of the grant in the meantime gets the batch refused with
    the reason on it, and nothing written — never a run with national scope."""
    batch = ImportBatch.objects.select_related("actor", "institution").get(pk=batch_id)
    if batch.status != ImportBatch.Status.QUEUED:
        return batch.status
    # The reading choices made on the upload page travel with the batch (blank: detect, first sheet).
    return import_batch_run(
        batch, actor=import_batch_actor(batch), encoding=batch.encoding_choice or None, sheet=batch.sheet or None
    ).status
