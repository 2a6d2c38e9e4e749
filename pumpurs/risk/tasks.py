"""Background work for early identification: indicators and flags follow every fact import."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from pumpurs.people.models import Period
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.notices import notices_after_import, notices_send


@task()
def risk_after_import(batch_id: int) -> str:
    """Refresh the current semester's indicators and flags after an applied fact batch.

    Enqueued on commit of the batch (``imports.services``). Idempotent: running it again on the
    same facts changes no snapshot value and raises no flag. ``batch_id`` is kept for the task
    log; the refresh covers every pupil of the semester, whichever school the batch touched.
    Then the notices that are due (same-day absences, thresholds crossed) are created — never
    twice for the same event — and sent."""
    result = indicators_refresh()
    period = Period.objects.filter(pk=result.period_id).first() if result.period_id is not None else None
    created, sent = notices_after_import(period=period, day=timezone.localdate())
    return f"{result}; notices created {created}, sent {sent}"


@task()
def send_notices() -> str:
    """Send the queued notices (enqueued on commit by services that queue some). Idempotent."""
    sent, failed = notices_send()
    return f"notices sent {sent}, failed {failed}"


def _enqueue_send() -> None:
    send_notices.enqueue()


def send_notices_after_commit() -> None:
    """Enqueue one ``send_notices`` when the current transaction commits — once, however many
    notices the transaction queues (a seed or a batch of approvals queues hundreds)."""
    connection = transaction.get_connection()
    # Django keeps (savepoint ids, callback, robust) per registration and drops the ones of a
    # savepoint that rolls back. A registration still listed was made at this level, an outer
    # one, or in a savepoint already released: it runs whenever ours would.
    if any(func is _enqueue_send for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_send)
