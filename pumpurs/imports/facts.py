"""What follows an applied fact batch: indicators, flags and notices, one refresh for many batches.

Every applied attendance, grades or incidents batch enqueues ``facts_after_import`` when it
commits. A refresh covers the whole semester whatever school the batch came from, so a morning
in which 600 schools send their journals must not run 600 national refreshes one after the other:
each task lists, under the semester's refresh lock, every applied fact batch not yet covered,
refreshes once and marks them all covered (``ImportBatch.risk_refreshed_at``). When every listed
batch was imported for one school and nothing else has changed since the last refresh, that
refresh recomputes only those schools' pupils (``risk.indicators.Touched``, decision 0048). The task of a
batch that an earlier refresh has covered does nothing. A listed batch has committed before the
refresh's statements run, so they read its facts; a batch that commits during a refresh is not
listed and its own task refreshes again. No clock is compared: only what was committed.
"""

from __future__ import annotations

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from pumpurs.imports.models import FACT_KINDS, ImportBatch
from pumpurs.people.calendar import semester_on
from pumpurs.risk.indicators import Touched, indicators_refresh, refresh_lock
from pumpurs.risk.notices import notices_after_import


def uncovered_batches() -> list[int]:
    """Applied fact batches that no refresh has covered yet."""
    pending = ImportBatch.objects.filter(
        status=ImportBatch.Status.APPLIED, kind__in=FACT_KINDS, risk_refreshed_at__isnull=True
    )
    return list(pending.values_list("pk", flat=True))


def touched_by(batch_ids: list[int]) -> Touched | None:
    """The batches and the schools they were imported for; None when one was imported for all of
    an importer's schools (its pupils are not known without reading its facts)."""
    rows = list(ImportBatch.objects.filter(pk__in=batch_ids).values_list("public_id", "institution_id"))
    if not rows or any(institution is None for _, institution in rows):
        return None
    return Touched(
        batches=frozenset(str(public_id) for public_id, _ in rows),
        institutions=tuple(sorted({institution for _, institution in rows})),
    )


@task()
def facts_after_import(batch_id: int) -> str:
    """Refresh the current semester's indicators and flags for ``batch_id`` and every other
    applied fact batch waiting for one, then create and send the notices that are due (never
    twice for the same event). Idempotent: a covered batch's task, run again, changes nothing."""
    today = timezone.localdate()
    with transaction.atomic():
        period = semester_on(today)
        if period is not None:
            # Taken before the listing: a second task waits here and then sees what the first covered.
            refresh_lock(period)
        pending = uncovered_batches()
        if batch_id not in pending:
            return f"batch {batch_id}: already covered by an earlier refresh"
        result = indicators_refresh(today=today, period=period, touched=touched_by(pending))
        ImportBatch.objects.filter(pk__in=pending).update(risk_refreshed_at=timezone.now())
    created, sent = notices_after_import(period=period, day=today)
    return f"{result}; batches covered {len(pending)}; notices created {created}, sent {sent}"
