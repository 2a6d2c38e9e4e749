"""A task used only by the worker test: it proves the queue and the worker run real code."""

from __future__ import annotations

from django.tasks import task


@task()
def shout(label: str) -> str:
    """The worker stores what a task returns with its result row: only code that ran can have
    turned the label into this."""
    return f"{label.upper()}!"
