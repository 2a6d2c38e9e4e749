"""Notices: same-day absence to guardians, threshold to the municipality — never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.core import mail
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.people.models import Guardian, Period
from pumpurs.risk.models import Flag, Notice
from pumpurs.risk.notices import (
    notices_after_import,
    pupils_missing_guardian_contacts,
    same_day_notices_create,
    threshold_notices_create,
)
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


def guardians(world: World) -> None:
    Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    Guardian.objects.create(pupil=world.pupil_lizuma, first_name="Andris", last_name="Kalniņš", relation="father")
    Guardian.objects.create(
        pupil=world.pupil_tirzas, first_name="Zane", last_name="Bērziņa", relation="mother", email="zane@example.lv"
    )


def absence_file(world: World, tmp_path: Path, day: dt.date, name: str = "a.csv") -> Path:
    return write_csv(
        tmp_path / name,
        [
            HEADER,
            [world.pupil_lizuma.personal_code, day.isoformat(), 6, 6, 0, 0, 0],
            [world.pupil_tirzas.personal_code, day.isoformat(), 6, 6, 0, 0, 0],
            [world.pupil_lizuma_8a.personal_code, day.isoformat(), 6, 0, 0, 0, 0],
        ],
    )


def test_same_day_notices_go_to_guardians_of_schools_that_want_them_once(
    world: World, run_import, tmp_path: Path
) -> None:
    guardians(world)
    world.lizuma.same_day_absence_notices = True
    world.lizuma.save()
    today = timezone.localdate()
    path = absence_file(world, tmp_path, today)
    assert run_import("attendance", path, "--today", today.isoformat())[0] == 0
    created, sent = notices_after_import(period=None, day=today)
    assert (created, sent) == (2, 1)  # Anna's two guardians; Tirzas has not switched notices on
    by_status = dict(Notice.objects.values_list("guardian__first_name", "status"))
    assert by_status == {"Inga": "sent", "Andris": "no_contact"}
    assert [m.to for m in mail.outbox] == [["inga@example.lv"]]
    assert "Anna" in mail.outbox[0].body
    assert world.pupil_lizuma.personal_code not in mail.outbox[0].body
    # The same file again, and the task again: nothing new, nothing re-sent.
    run_import("attendance", absence_file(world, tmp_path, today, "b.csv"), "--today", today.isoformat())
    assert notices_after_import(period=None, day=today) == (0, 0)
    assert Notice.objects.count() == 2
    assert len(mail.outbox) == 1


def test_only_todays_absences_are_news(world: World, run_import, tmp_path: Path) -> None:
    guardians(world)
    world.lizuma.same_day_absence_notices = True
    world.lizuma.save()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if yesterday < world.year.starts_on:
        return  # the first day of the school year: no yesterday to test
    run_import("attendance", absence_file(world, tmp_path, yesterday), "--today", timezone.localdate().isoformat())
    assert same_day_notices_create(day=timezone.localdate()) == 0


def test_threshold_notice_once_per_pupil_and_period(world: World) -> None:
    world.coordinator_gulbene.email = "inese@example.lv"
    world.coordinator_gulbene.save()
    period = Period.objects.filter(school_year=world.year).order_by("number").first()
    assert period is not None
    now = timezone.now()
    Flag.objects.create(
        pupil=world.pupil_lizuma,
        period=period,
        rule="unjustified_semester",
        rule_version="test",
        value=Decimal(23),
        threshold=Decimal(20),
        raised_at=now,
        last_seen_at=now,
    )
    assert threshold_notices_create(period=period) == 1
    assert threshold_notices_create(period=period) == 0
    notice = Notice.objects.get()
    assert (notice.recipient_user, notice.kind) == (world.coordinator_gulbene, "threshold_crossed")
    assert "23" in notice.body
    assert "20" in notice.body
    assert AuditEvent.objects.filter(action="risk.notices.queued").count() == 1


def test_guardians_without_contacts_are_listed(world: World) -> None:
    guardians(world)
    from pumpurs.people.models import Pupil

    missing = set(pupils_missing_guardian_contacts(Pupil.objects.all()).values_list("first_name", flat=True))
    assert missing == {"Roberts", "Laura"}  # Anna and Jānis have a reachable guardian


def test_an_applied_attendance_import_refreshes_flags_and_sends_the_days_notices(
    world: World, run_import, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    """The whole chain after commit: import → indicators and flags → notices (immediate tasks)."""
    guardians(world)
    world.lizuma.same_day_absence_notices = True
    world.lizuma.save()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        code, _summary = run_import("attendance", absence_file(world, tmp_path, today), "--today", today.isoformat())
    assert code == 0
    assert Notice.objects.filter(kind="same_day_absence").count() == 2
    assert [m.to for m in mail.outbox] == [["inga@example.lv"]]
    from pumpurs.risk.models import IndicatorSnapshot

    assert IndicatorSnapshot.objects.filter(pupil=world.pupil_lizuma).exists()
