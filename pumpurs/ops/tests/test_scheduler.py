"""The worker's scheduler: each job's slot runs once, a missed day is caught up once, a failing job
is recorded and does not stop the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from pumpurs.ops.jobs import JOBS, Job
from pumpurs.ops.models import JobRun
from pumpurs.ops.scheduler import jobs_run_due, scheduler_tick
from pumpurs.people.models import SchoolYear
from pumpurs.reporting.models import DashboardCell, DashboardRefresh
from pumpurs.risk.models import Notice
from pumpurs.world.personas import World
from pumpurs.world.testing import on_day

pytestmark = pytest.mark.django_db


def test_every_job_runs_once_for_its_slot_however_often_the_workers_tick(world: World) -> None:
    now = timezone.now()  # 10:00 on 12.11.2026
    first = scheduler_tick(worker="a:1", now=now)
    assert sorted(run.job for run in first) == sorted(job.code for job in JOBS)
    assert all(run.finished_at is not None and run.error == "" for run in first), [r.error for r in first]
    # A second worker, and the first again a minute later: nothing is due any more.
    assert scheduler_tick(worker="b:2", now=now) == []
    assert scheduler_tick(worker="a:1", now=now + dt.timedelta(minutes=1)) == []
    assert JobRun.objects.count() == len(JOBS)
    # Ten minutes on only the jobs that run every few minutes are due again.
    later = scheduler_tick(worker="b:2", now=now + dt.timedelta(minutes=10))
    assert sorted(run.job for run in later) == ["imports", "notices"]


def test_the_notices_job_sends_what_is_queued(world: World) -> None:
    queued = Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE,
        pupil=world.pupil_lizuma,
        recipient_email="mother@example.lv",
        subject="s",
        body="b",
        dedupe_key="ops-test",
    )
    runs = {run.job: run for run in scheduler_tick(worker="a:1", now=timezone.now())}
    queued.refresh_from_db()
    assert queued.status == Notice.Status.SENT
    assert runs["notices"].result == "notices sent: 1, failed: 0"


@on_day(dt.date(2027, 6, 15), "june")
def test_the_calendar_job_keeps_the_current_and_from_june_the_next_school_year(db: None) -> None:
    runs = {run.job: run for run in scheduler_tick(worker="a:1", now=timezone.now())}
    assert set(SchoolYear.objects.values_list("name", flat=True)) >= {"2026/27", "2027/28"}
    assert runs["calendar"].result.endswith("2026/27, 2027/28")
    assert all(run.error == "" for run in runs.values()), {run.job: run.error for run in runs.values()}


def test_a_worker_back_after_three_days_runs_each_missed_job_once(world: World) -> None:
    now = timezone.now()
    scheduler_tick(worker="a:1", now=now - dt.timedelta(days=3))
    scheduler_tick(worker="a:1", now=now)
    refreshes = JobRun.objects.filter(job="indicators").order_by("slot")
    assert [run.slot.astimezone(timezone.get_current_timezone()).date() for run in refreshes] == [
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 12),
    ]


def _broken(now: dt.datetime) -> str:
    raise RuntimeError("the disk is full")


@override_settings(PUMPURS_SCHEDULE={"broken": "05:00", "notices": "*/10"})
def test_a_failing_job_records_its_error_and_the_next_job_still_runs(db: None) -> None:
    broken = Job(code="broken", label="Broken", run=_broken)
    notices = next(job for job in JOBS if job.code == "notices")
    runs = jobs_run_due(now=timezone.now(), worker="a:1", jobs=[broken, notices])
    assert [(run.job, run.error) for run in runs] == [
        ("broken", "RuntimeError: the disk is full"),
        ("notices", ""),
    ]
    failed = JobRun.objects.get(job="broken")
    assert failed.finished_at is not None
    assert failed.duration_seconds is not None
    assert failed.result == ""
    # The failed slot is not retried by every tick: the next attempt is the next slot.
    assert jobs_run_due(now=timezone.now(), worker="b:2", jobs=[broken]) == []


@override_settings(PUMPURS_SCHEDULE={**{job.code: "off" for job in JOBS}})
def test_jobs_switched_off_never_run(db: None) -> None:
    assert scheduler_tick(worker="a:1", now=timezone.now()) == []
    assert not JobRun.objects.exists()


def test_interrupted_imports_are_looked_for_every_five_minutes() -> None:
    job = next(job for job in JOBS if job.code == "imports")
    assert job.schedule.every_minutes == 5


def test_the_indicators_job_refreshes_the_dashboards_after_the_indicators(world: World) -> None:
    runs = {run.job: run for run in scheduler_tick(worker="a:1", now=timezone.now())}
    assert runs["indicators"].error == ""
    assert "dashboard cells:" in runs["indicators"].result
    assert DashboardRefresh.objects.get().for_day == world.today
    assert DashboardCell.objects.filter(level="national", metric="pupils").exists()
