"""Background work goes through the database queue and the real worker process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

from pumpurs.core.tests.tasks_for_tests import shout

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_is_run_by_pumpurs_worker() -> None:
    with override_settings(TASKS=DB_TASKS):  # Django resets its task backends on this signal
        with transaction.atomic():
            transaction.on_commit(lambda: shout.enqueue("hello"))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pumpurs.settings", "PUMPURS_DATA_DIR": str(settings.DATA_DIR)}
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
            env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        else:
            env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"  # the on-disk test database (settings_test)
        result = subprocess.run(
            [sys.executable, "-m", "pumpurs.cli", "worker", "--batch"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    from django_tasks_db.models import DBTaskResult

    results = list(DBTaskResult.objects.values_list("task_path", "status", "return_value"))
    ran = [r for r in results if r[0].endswith(".shout") and r[1] == "SUCCESSFUL" and r[2] == "HELLO!"]
    assert len(ran) == 1, f"task results {results}; worker said: {result.stdout[-2000:]} {result.stderr[-2000:]}"
