"""Two real `pumpurs worker` processes started together against the same database run each job's
slot once: one inserts the slot's run and does the work, the other skips it (decision 0015)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from pumpurs.audit.models import AuditEvent
from pumpurs.ops.jobs import JOBS
from pumpurs.ops.models import JobRun, WorkerHeartbeat
from pumpurs.people.models import Municipality
from pumpurs.risk.models import Notice
from pumpurs.world.personas import build_world

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
AT = "2026-11-12T10:00:00+02:00"


def _worker_env() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pumpurs.settings", "PUMPURS_DATA_DIR": str(settings.DATA_DIR)}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"  # the on-disk test database (settings_test)
    env["PUMPURS_EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
    return env


@pytest.fixture
def municipalities(transactional_db: None) -> None:
    """The reference data migration 0002 loads, which an earlier transactional test's flush took."""
    with (Path(settings.PACKAGE_DIR) / "people" / "data" / "municipalities.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Municipality.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"], "kind": row["kind"]}
            )


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_run_each_slot_once(municipalities: None, today: dt.date) -> None:
    world = build_world(today)
    for n in range(20):  # work for the notices job, so that a second run would show
        Notice.objects.create(
            kind=Notice.Kind.SAME_DAY_ABSENCE,
            pupil=world.pupil_lizuma,
            recipient_email=f"parent{n}@example.lv",
            subject="s",
            body="b",
            dedupe_key=f"race-{n}",
        )
    with override_settings(TASKS=DB_TASKS):
        command = [sys.executable, "-m", "pumpurs.cli", "worker", "--batch", "--at", AT]
        workers = [
            subprocess.Popen(command, env=_worker_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=180) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    runs = list(JobRun.objects.values_list("job", "worker", "error"))
    assert sorted(job for job, _w, _e in runs) == sorted(job.code for job in JOBS), outputs
    assert all(error == "" for _j, _w, error in runs), runs
    assert WorkerHeartbeat.objects.count() == 2  # both were there
    # Each notice went out once: twenty "sent" audit events, not forty.
    assert Notice.objects.filter(status=Notice.Status.SENT).count() == 20
    assert AuditEvent.objects.filter(action="risk.notice.sent").count() == 20
