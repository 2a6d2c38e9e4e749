"""After an attendance import: the day's absences reach the guardians once, and the whole chain
runs on commit (import → indicators and flags → notices). The notices themselves are risk's
(risk/tests/test_notices.py); these stories start from a school's file, so they live with the
imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core import mail
from django.utils import timezone

from pumpurs.imports.tests.conftest import write_csv
from pumpurs.risk.models import IndicatorSnapshot, Notice
from pumpurs.risk.notices import notices_after_import, same_day_notices_create
from pumpurs.risk.tests.test_notices import guardians
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


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
    assert IndicatorSnapshot.objects.filter(pupil=world.pupil_lizuma).exists()
