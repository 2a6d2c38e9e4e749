"""A task used only by the worker test: it proves the queue and the worker run real code."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from pumpurs.audit.services import audit_record
from pumpurs.people.actors import SystemActor


@task()
def write_marker(label: str) -> str:
    with transaction.atomic():
        audit_record(actor=SystemActor(name="system:test-worker"), action="test.worker.ran", data={"label": label})
    return label
