"""One ``send_notices`` per committed transaction that queued notices: a seed or a batch of
approvals queues hundreds, and the worker should wake once, not hundreds of times. A savepoint
that rolls back takes its share with it, and a rolled-back transaction leaves nothing behind that
would keep the next one's notices from being sent."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import transaction

from pumpurs.risk.tasks import send_notices_after_commit
from pumpurs.risk.tests.enqueued import sends_counted

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


class Rollback(Exception):
    pass


def committed(capture: Capture, body: Callable[[], None]) -> int:
    """Run ``body`` in a transaction, run its on-commit callbacks as its commit would, and say
    how many ``send_notices`` that enqueued."""
    with sends_counted() as sends, capture(execute=True), transaction.atomic():
        body()
    return len(sends)


def test_many_notices_in_one_transaction_wake_the_worker_once(django_capture_on_commit_callbacks: Capture) -> None:
    def queue_many() -> None:
        for _ in range(50):
            send_notices_after_commit()

    assert committed(django_capture_on_commit_callbacks, queue_many) == 1
    assert committed(django_capture_on_commit_callbacks, queue_many) == 1  # the next one gets its own


def test_a_rolled_back_savepoint_does_not_take_the_send_of_the_rest(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    def inner_fails_outer_queues() -> None:
        try:
            with transaction.atomic():
                send_notices_after_commit()
                raise Rollback
        except Rollback:
            pass
        send_notices_after_commit()

    assert committed(django_capture_on_commit_callbacks, inner_fails_outer_queues) == 1


def test_a_rollback_sends_nothing_and_does_not_block_the_next_transaction(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    def all_rolled_back() -> None:
        try:
            with transaction.atomic():
                send_notices_after_commit()
                send_notices_after_commit()
                raise Rollback
        except Rollback:
            pass

    assert committed(django_capture_on_commit_callbacks, all_rolled_back) == 0
    assert committed(django_capture_on_commit_callbacks, send_notices_after_commit) == 1
