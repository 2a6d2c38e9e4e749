"""Counting the ``send_notices`` tasks enqueued, whatever backend the test settings use (the
``task_enqueued`` signal is Django's own; the immediate backend sends it too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.tasks.signals import task_enqueued

from pumpurs.risk.tasks import send_notices


@contextmanager
def sends_counted() -> Iterator[list[Any]]:
    """The ``send_notices`` results enqueued inside the block, in order."""
    sends: list[Any] = []

    def on_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
        if task_result.task.module_path == send_notices.module_path:
            sends.append(task_result)

    task_enqueued.connect(on_enqueued, weak=False)
    try:
        yield sends
    finally:
        task_enqueued.disconnect(on_enqueued)
