"""Background work for early identification: indicators and flags follow every fact import."""

from __future__ import annotations

from django.tasks import task

from pumpurs.risk.indicators import indicators_refresh


@task()
def risk_after_import(batch_id: int) -> str:
    """Refresh the current semester's indicators and flags after an applied fact batch.

    Enqueued on commit of the batch (``imports.services``). Idempotent: running it again on the
    same facts changes no snapshot value and raises no flag. ``batch_id`` is kept for the task
    log; the refresh covers every pupil of the semester, whichever school the batch touched."""
    return str(indicators_refresh())
