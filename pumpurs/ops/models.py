"""Runs of the scheduled jobs and the workers' heartbeats (decision 0015)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a scheduled job for one slot (the moment it was scheduled for).

    The unique (job, slot) is the lock: every worker that finds a slot due tries to insert its
    row, one succeeds and runs the job, the others skip. ``finished_at`` is empty while the job
    runs; a run whose worker died during it is closed by the scheduler after
    ``PUMPURS_JOB_RUN_TIMEOUT_MINUTES`` as ``interrupted``. ``error`` is empty when it succeeded."""

    job = models.CharField(max_length=40)
    slot = models.DateTimeField()
    worker = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    result = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=2000, blank=True)
    interrupted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="ops_jobrun_one_per_slot")]
        indexes = [models.Index(fields=["job", "-slot"], name="ops_jobrun_latest")]
        verbose_name = _("job run")

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one worker process (host and process id)."""

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} {self.beat_at:%Y-%m-%d %H:%M:%S}"
