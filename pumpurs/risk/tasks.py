"""Background work for early identification: sending the queued notices. (Indicators and flags
follow every fact import: ``imports.facts``.)"""

from __future__ import annotations

from functools import partial
from weakref import WeakKeyDictionary

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import task

from pumpurs.risk.notices import notices_send


@task()
def send_notices() -> str:
    """Send the queued notices (enqueued on commit by services that queue some). Idempotent."""
    sent, failed = notices_send()
    return f"notices sent {sent}, failed {failed}"


class _PendingSend:
    """The one ``send_notices`` owed to the next commit of a connection; every registration made
    before that commit shares it, and the first of their callbacks to run spends it."""

    __slots__ = ("spent",)

    def __init__(self) -> None:
        self.spent = False


# Per connection (each thread has its own), so one thread's commit never spends another's.
_pending: WeakKeyDictionary[BaseDatabaseWrapper, _PendingSend] = WeakKeyDictionary()


def _enqueue_once(connection: BaseDatabaseWrapper, pending: _PendingSend) -> None:
    if pending.spent:
        return
    pending.spent = True
    if _pending.get(connection) is pending:
        del _pending[connection]
    send_notices.enqueue()


def send_notices_after_commit() -> None:
    """Enqueue one ``send_notices`` when the current transaction commits — once, however many
    notices the transaction queues (a seed or a batch of approvals queues hundreds).

    Every call registers its own (cheap) callback through the public ``on_commit``, so Django
    alone decides which of them survive: those of a savepoint that rolls back are dropped with
    it, those of a rolled-back transaction never run. The callbacks share one ``_PendingSend``
    and only the first to run enqueues. A share left behind by a rollback is unspent and simply
    serves the next transaction, which registers callbacks of its own."""
    connection = transaction.get_connection()
    pending = _pending.get(connection)
    if pending is None or pending.spent:
        pending = _pending[connection] = _PendingSend()
    transaction.on_commit(partial(_enqueue_once, connection, pending))
