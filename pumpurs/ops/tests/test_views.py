"""Olga, the system administrator, sees how the scheduled jobs ran; a teacher finds no such page;
the proxy asks /healthz whether the database and a worker are alive."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.ops.models import JobRun, WorkerHeartbeat
from pumpurs.ops.scheduler import heartbeat_beat, scheduler_tick
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def test_the_system_admin_sees_each_jobs_last_run_and_next_run(world: World) -> None:
    scheduler_tick(worker="vm1:41", now=timezone.now())
    JobRun.objects.filter(job="retention").update(error="OSError: disk full", result="")
    client = Client()
    client.force_login(world.admin)
    page = client.get(reverse("ops_jobs"), headers={"accept-language": "en"}).content.decode()
    assert "Indicator and flag refresh" in page
    assert "daily at 05:30" in page
    assert "every 10 minutes" in page
    assert "notices sent: 0, failed: 0" in page
    assert "OSError: disk full" in page
    assert "13 Nov 2026 05:30" in page  # the refresh's next run, tomorrow (day first: decision 0023)
    assert "vm1:41" in page
    assert f'href="{reverse("ops_jobs")}"' in page  # in the navigation


def test_the_page_is_in_latvian_too(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get(reverse("ops_jobs"), headers={"accept-language": "lv"}).content.decode()
    assert "Plānotie darbi" in page
    assert "nekad" in page  # no job has run yet


@pytest.mark.parametrize("persona", ["teacher_tirzas", "coordinator_gulbene"])
def test_the_jobs_page_does_not_exist_for_school_and_municipality_staff(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    assert client.get(reverse("ops_jobs")).status_code == 404
    assert reverse("ops_jobs") not in client.get("/", follow=True).content.decode()


def test_the_jobs_page_sends_a_visitor_to_sign_in(db: None) -> None:
    response = Client().get(reverse("ops_jobs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_healthz_is_ok_with_a_recent_heartbeat_and_needs_no_sign_in(db: None) -> None:
    heartbeat_beat(worker="vm1:41", now=timezone.now() - dt.timedelta(seconds=30))
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_no_worker_beat_lately(db: None) -> None:
    assert Client().get("/healthz").status_code == 503  # never any worker
    heartbeat_beat(worker="vm1:41", now=timezone.now() - dt.timedelta(minutes=10))
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "worker": "stale"}


def test_healthz_is_503_when_the_database_does_not_answer(db: None) -> None:
    heartbeat_beat(worker="vm1:41", now=timezone.now())
    # The database is the boundary here: it refuses the connection.
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "fail", "worker": "unknown"}


def test_a_heartbeat_a_day_old_is_forgotten(db: None) -> None:
    heartbeat_beat(worker="gone:1", now=timezone.now() - dt.timedelta(days=2))
    heartbeat_beat(worker="vm1:41", now=timezone.now())
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["vm1:41"]
