"""Running the due jobs exactly once per slot, whatever the number of workers (decision 0015).

Every worker ticks: it beats its heartbeat, then, for each job whose due slot has no run yet,
inserts the run row. The unique (job, slot) lets one insert succeed; the workers that lose skip.
The winner runs the job and records its end, duration and result, or its error — a failing job
is recorded and the next job still runs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from pumpurs.ops.jobs import JOBS, Job
from pumpurs.ops.models import JobRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

TICK_SECONDS = 20.0
HEARTBEAT_KEEP = dt.timedelta(days=1)  # heartbeats of workers gone this long are dropped


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


@transaction.atomic
def heartbeat_beat(*, worker: str, now: dt.datetime) -> None:
    """Say that ``worker`` is alive at ``now``; forget workers silent for a day."""
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEAT_KEEP).delete()


def job_claim(*, job: Job, slot: dt.datetime, worker: str, now: dt.datetime) -> JobRun | None:
    """The run of ``job`` for ``slot``, inserted for this worker; None when another worker (or an
    earlier tick) has it already."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job.code, slot=slot, worker=worker, started_at=now)
    except IntegrityError:
        return None


def job_run(*, job: Job, run: JobRun) -> JobRun:
    """Run the job and record how it went. Its exception is recorded, never raised: one broken
    job must not stop the others (nor the worker)."""
    started = time.perf_counter()
    try:
        result, error = job.run(run.started_at), ""
    except Exception as exc:
        logger.exception("Scheduled job %s failed", job.code)
        result, error = "", f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.duration_seconds = round(time.perf_counter() - started, 3)
    run.result, run.error = result[:500], error[:2000]
    run.save(update_fields=["finished_at", "duration_seconds", "result", "error"])
    return run


def jobs_run_due(*, now: dt.datetime, worker: str, jobs: Iterable[Job] = JOBS) -> list[JobRun]:
    """Run every job whose due slot at ``now`` has no run yet (at most one slot per job: the
    latest, so slots missed while no worker ran are caught up once). Returns the runs made here."""
    runs = []
    for job in jobs:
        slot = job.schedule.due_slot(now)
        if slot is None:
            continue
        run = job_claim(job=job, slot=slot, worker=worker, now=now)
        if run is not None:
            runs.append(job_run(job=job, run=run))
    return runs


INTERRUPTED = "Interrupted: the worker stopped before the job ended."


def runs_interrupt_stale(*, now: dt.datetime) -> int:
    """Close the runs still "running" ``PUMPURS_JOB_RUN_TIMEOUT_MINUTES`` after they started: their
    worker died (a deploy, a crash), and nothing else would ever end them. They count as failed."""
    started_before = now - dt.timedelta(minutes=settings.PUMPURS_JOB_RUN_TIMEOUT_MINUTES)
    return JobRun.objects.filter(finished_at__isnull=True, started_at__lt=started_before).update(
        finished_at=now, interrupted=True, error=INTERRUPTED
    )


def runs_prune(*, now: dt.datetime) -> int:
    """Delete the runs older than ``PUMPURS_JOB_RUN_KEEP_DAYS``, keeping each job's latest run (the
    admin page shows it however long ago it was). One statement."""
    latest = JobRun.objects.filter(job=OuterRef("job")).order_by("-slot").values("pk")[:1]
    old = JobRun.objects.filter(started_at__lt=now - dt.timedelta(days=settings.PUMPURS_JOB_RUN_KEEP_DAYS))
    deleted, _ = old.exclude(pk=Subquery(latest)).delete()
    return deleted


def scheduler_tick(*, worker: str, now: dt.datetime | None = None) -> list[JobRun]:
    now = now or timezone.now()
    heartbeat_beat(worker=worker, now=now)
    runs_interrupt_stale(now=now)
    runs_prune(now=now)
    return jobs_run_due(now=now, worker=worker)


class SchedulerThread(threading.Thread):
    """The scheduler beside the task queue in ``pumpurs worker``: a tick every ``TICK_SECONDS``
    until ``stop()``; a database error in one tick is logged and the next tick tries again."""

    def __init__(self, *, worker: str) -> None:
        super().__init__(name="pumpurs-scheduler", daemon=True)
        self.worker = worker
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                close_old_connections()
                try:
                    scheduler_tick(worker=self.worker)
                except Exception:
                    logger.exception("Scheduler tick failed; trying again in %s s", TICK_SECONDS)
                self._stopping.wait(TICK_SECONDS)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
