"""Background work for early identification: sending the queued notices. (Indicators and flags
follow every fact import: ``imports.facts``.)"""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from pumpurs.risk.notices import notices_send


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
