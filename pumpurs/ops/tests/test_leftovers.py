"""What keeps the worker's bookkeeping honest (issue 12): a notice the mail server refuses is tried
again with back-off and, after the last attempt, says it could not be delivered; a run whose
worker died is closed as interrupted; old runs are pruned, each job's latest kept."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.ops.models import JobRun
from pumpurs.ops.scheduler import INTERRUPTED, runs_interrupt_stale, runs_prune, scheduler_tick
from pumpurs.risk.models import Notice
from pumpurs.risk.notices import notices_send
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def refusing(port: int) -> dict[str, object]:
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    return {"default": {"BACKEND": smtp, "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}


@pytest.fixture
def refusing_mail_server() -> Iterator[None]:
    """The real SMTP backend aimed at a loopback port nobody listens on: every send is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(MAILERS=refusing(port)):
        yield


def queued_notice(world: World, key: str = "retry") -> Notice:
    return Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE,
        pupil=world.pupil_lizuma,
        recipient_email="inga@example.lv",
        subject="Anna šodien nav skolā",
        body="b",
        dedupe_key=key,
    )


@override_settings(PUMPURS_NOTICE_SEND_ATTEMPTS=3, PUMPURS_NOTICE_RETRY_MINUTES=10)
def test_a_refused_notice_is_retried_with_back_off_then_could_not_be_delivered(
    world: World, refusing_mail_server: None
) -> None:
    notice = queued_notice(world)
    now = timezone.now()
    assert notices_send(now=now) == (0, 1)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.next_attempt_at) == (Notice.Status.QUEUED, 1, now + 10 * MINUTE)
    assert notice.error
    # Not before its time: nine minutes later nothing is tried.
    assert notices_send(now=now + 9 * MINUTE) == (0, 0)
    assert notices_send(now=now + 10 * MINUTE) == (0, 1)
    notice.refresh_from_db()
    assert (notice.attempts, notice.next_attempt_at) == (2, now + 30 * MINUTE)  # then twenty minutes
    assert notices_send(now=now + 30 * MINUTE) == (0, 1)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.next_attempt_at) == (Notice.Status.FAILED, 3, None)
    assert notices_send(now=now + 10 * 24 * 60 * MINUTE) == (0, 0)  # given up: nothing more
    actions = list(AuditEvent.objects.filter(action__startswith="risk.notice.").values_list("action", flat=True))
    assert sorted(actions) == ["risk.notice.failed", "risk.notice.retrying", "risk.notice.retrying"]
    # The outbox says so, in the coordinator's language.
    client = Client()
    client.force_login(world.coordinator_lizuma)
    page = client.get(reverse("notice_outbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be delivered" in page
    assert "after 3 attempts" in page


@override_settings(PUMPURS_NOTICE_SEND_ATTEMPTS=3, PUMPURS_NOTICE_RETRY_MINUTES=10)
def test_a_notice_that_fails_once_is_sent_on_the_next_try(world: World) -> None:
    notice = queued_notice(world)
    now = timezone.now()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with override_settings(MAILERS=refusing(port)):
        assert notices_send(now=now) == (0, 1)
    assert notices_send(now=now + 10 * MINUTE) == (1, 0)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.sent_at) == (Notice.Status.SENT, 2, now + 10 * MINUTE)
    assert [m.subject for m in mail.outbox] == ["Anna šodien nav skolā"]


@override_settings(PUMPURS_JOB_RUN_TIMEOUT_MINUTES=180)
def test_a_run_whose_worker_died_is_marked_interrupted(world: World) -> None:
    now = timezone.now()
    dead = JobRun.objects.create(
        job="indicators", slot=now - 4 * 60 * MINUTE, worker="gone:1", started_at=now - 181 * MINUTE
    )
    alive = JobRun.objects.create(
        job="retention", slot=now - 60 * MINUTE, worker="busy:2", started_at=now - 179 * MINUTE
    )
    assert runs_interrupt_stale(now=now) == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.interrupted, dead.finished_at, dead.error) == (True, now, INTERRUPTED)
    assert (alive.interrupted, alive.finished_at) == (False, None)
    # The admin's page says "interrupted", not "running" for ever.
    client = Client()
    client.force_login(world.admin)
    page = client.get(reverse("ops_jobs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "interrupted" in page


@override_settings(PUMPURS_JOB_RUN_KEEP_DAYS=90)
def test_old_runs_are_pruned_each_jobs_latest_kept(world: World) -> None:
    now = timezone.now()
    day = dt.timedelta(days=1)

    def run(job: str, age: dt.timedelta) -> JobRun:
        return JobRun.objects.create(job=job, slot=now - age, worker="a:1", started_at=now - age, finished_at=now - age)

    old = run("indicators", 91 * day)
    recent = run("indicators", 89 * day)
    only = run("retention", 200 * day)  # a job switched off long ago keeps its last run
    assert runs_prune(now=now) == 1
    assert set(JobRun.objects.all()) == {recent, only}
    assert not JobRun.objects.filter(pk=old.pk).exists()
    # The scheduler does both on its tick.
    stale = JobRun.objects.create(job="plans", slot=now - 200 * MINUTE, worker="x:1", started_at=now - 200 * MINUTE)
    scheduler_tick(worker="a:1", now=now)
    stale.refresh_from_db()
    assert stale.interrupted
