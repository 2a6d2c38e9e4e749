"""What the system admin's page and /healthz read: the jobs with their runs, and worker health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from pumpurs.ops.jobs import JOBS, Job
from pumpurs.ops.models import JobRun, WorkerHeartbeat


@dataclass(frozen=True)
class JobStatus:
    job: Job
    last: JobRun | None  # the latest slot's run (finished or still running)
    last_failed: JobRun | None  # the latest run that failed, when it is not ``last``
    next_slot: dt.datetime | None  # None: the job is off

    @property
    def running(self) -> bool:
        return self.last is not None and self.last.finished_at is None


def jobs_overview(*, now: dt.datetime) -> list[JobStatus]:
    """Every job with its latest run, its latest failure and its next slot: two small indexed
    queries per job (a handful of jobs, one reader)."""
    statuses = []
    for job in JOBS:
        runs = JobRun.objects.filter(job=job.code).order_by("-slot")
        last = runs.first()
        failed = runs.exclude(error="").first()
        statuses.append(
            JobStatus(
                job=job,
                last=last,
                last_failed=failed if failed != last else None,
                next_slot=job.schedule.next_slot(now),
            )
        )
    return statuses


def workers_alive(*, now: dt.datetime) -> list[WorkerHeartbeat]:
    """The workers that beat within ``PUMPURS_WORKER_STALE_SECONDS``, the latest first."""
    since = now - dt.timedelta(seconds=settings.PUMPURS_WORKER_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(beat_at__gte=since).order_by("-beat_at"))
