"""Retention at national volume (decision 0046).

The audit trail's scrub runs in SQL, one statement per group of event types, and gives exactly what
each type's registered scrubber gives; it runs in bounded transactions, one event each, and a run
killed between them leaves a trail that verifies and a next run that finishes the rest without
scrubbing anything twice. Journal facts go by whole school years. Generated files expire."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from pumpurs.audit import registry as events_registry
from pumpurs.audit.chain import chain_verify
from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_record, audit_scrub_events
from pumpurs.core import retention as registry
from pumpurs.journal.models import AttendanceDay, AttendanceWeek, Incident
from pumpurs.journal.rollups import keep_rollups
from pumpurs.people.actors import SystemActor
from pumpurs.people.models import SchoolYear
from pumpurs.privacy.retention import APPLIED, FILES_EXPIRED, export_files_expire, retention_apply
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db
WRITER = SystemActor(name="system:test")
DATA: list[tuple[str, dict[str, Any]]] = [
    ("people.pupil.viewed", {"fields": ["first_name"], "note": "Anna raudāja", "status": "ok"}),
    ("privacy.retention.applied", {"kind": "risk.notices", "count": 2, "days": 365, "who": "Zane Liepa"}),
    ("x.nobody.declared", {"status": True, "name": "Anna", "kind": {"a": [1, True, None]}, "flag": True}),
    ("x.nobody.declared", {"status": None, "flag": False, "to": 3.5}),
    ("x.quoted", {'say "hi"': "Anna", "status": "ok", "plain": "Bērziņa"}),
    ("people.pupil.viewed", {}),
]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.PUMPURS_EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.DATA_DIR


def _old_events(n: int, *, years: int = 6) -> list[AuditEvent]:
    at = timezone.now() - dt.timedelta(days=365 * years)
    with transaction.atomic():
        return [
            audit_record(actor=WRITER, action=DATA[i % len(DATA)][0], data=dict(DATA[i % len(DATA)][1]), at=at)
            for i in range(n)
        ]


def _audit_kind() -> registry.RecordKind:
    return next(k for k in registry.record_kinds() if k.code == "audit.events")


def _applied(code: str) -> list[int]:
    return [
        e.data["count"] for e in AuditEvent.objects.filter(action=APPLIED).order_by("seq") if e.data["kind"] == code
    ]


def test_the_sql_scrub_gives_what_each_registered_scrubber_gives(world: World) -> None:
    written = _old_events(len(DATA))
    expected = {e.pk: events_registry.scrub(e.action, e.data) for e in written}
    assert any(v != dict(DATA[i][1]) for i, v in enumerate(expected.values())), "something is scrubbed"

    with transaction.atomic():
        count = audit_scrub_events(AuditEvent.objects.filter(pk__in=expected), now=timezone.now())

    assert count == len(DATA)
    after = {e.pk: e.data for e in AuditEvent.objects.filter(pk__in=expected)}
    assert after == expected
    # JSON true stays true (SQLite's json_each would have made it 1), nested values and a kept null stay.
    assert any(v.get("status") is True and v["kind"] == {"a": [1, True, None]} for v in after.values())
    assert any("status" in v and v["status"] is None and v["to"] == 3.5 for v in after.values())
    assert not AuditEvent.objects.filter(pk__in=expected, scrubbed_at__isnull=True).exists()
    assert chain_verify().intact


def test_the_scrub_commits_one_chunk_at_a_time_with_an_event_each(world: World, settings) -> None:
    settings.PUMPURS_RETENTION_AUDIT_CHUNK = 3
    written = _old_events(7)

    run = retention_apply(now=timezone.now())

    assert not run.failed
    assert _applied("audit.events") == [3, 3, 1]
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in written], scrubbed_at__isnull=True).exists()
    assert chain_verify().intact


def test_a_killed_run_is_finished_by_the_next_and_nothing_is_scrubbed_twice(world: World, settings, clock) -> None:
    settings.PUMPURS_RETENTION_AUDIT_CHUNK = 3
    ids = [e.pk for e in _old_events(7)]
    kind, first = _audit_kind(), timezone.now()
    assert kind.steps is not None
    steps = kind.steps(kind.due(first), first)
    with transaction.atomic():
        assert next(steps)() == 3
    steps.close()  # the process was killed here: the first chunk committed, nothing else
    assert chain_verify().intact
    stamps = dict(AuditEvent.objects.filter(pk__in=ids, scrubbed_at__isnull=False).values_list("pk", "scrubbed_at"))
    assert len(stamps) == 3
    clock.shift(dt.timedelta(hours=1))

    run = retention_apply(now=timezone.now())

    assert [r.count for r in run.results if r.kind.code == "audit.events"] == [4]
    assert not AuditEvent.objects.filter(pk__in=ids, scrubbed_at__isnull=True).exists()
    again = dict(AuditEvent.objects.filter(pk__in=list(stamps)).values_list("pk", "scrubbed_at"))
    assert again == stamps, "the first run's chunk was not scrubbed a second time"
    verdict = chain_verify()
    assert verdict.intact
    assert verdict.scrubbed == 7


def test_a_step_that_fails_keeps_the_chunks_before_it_and_reports_them(world: World, settings, monkeypatch) -> None:
    settings.PUMPURS_RETENTION_AUDIT_CHUNK = 3
    ids = [e.pk for e in _old_events(7)]
    kind = _audit_kind()
    assert kind.steps is not None
    real = kind.steps

    def failing(parts, now):
        steps = real(parts, now)
        yield next(steps)

        def boom() -> int:
            next(steps)()  # half done, then it fails: its transaction takes it back
            raise RuntimeError("disk on fire")

        yield boom

    monkeypatch.setitem(registry._kinds, "audit.events", dataclasses.replace(kind, steps=failing))

    run = retention_apply(now=timezone.now())

    (result,) = [r for r in run.results if r.kind.code == "audit.events"]
    assert result.error == "RuntimeError: disk on fire"
    assert result.count == 3
    assert AuditEvent.objects.filter(pk__in=ids, scrubbed_at__isnull=False).count() == 3
    assert _applied("audit.events") == [3]
    assert chain_verify().intact


def _next_year(year: SchoolYear) -> SchoolYear:
    following = SchoolYear.objects.filter(starts_on__gt=year.starts_on).order_by("starts_on").first()
    if following is not None:
        return following
    start = year.starts_on.replace(year=year.starts_on.year + 1)
    return SchoolYear.objects.create(
        name=f"{start.year}/{(start.year + 1) % 100:02d}",
        starts_on=start,
        ends_on=year.ends_on.replace(year=start.year + 1),
    )


def test_journal_facts_go_by_whole_school_years_after_an_export(world: World, settings, clock) -> None:
    """Anna's attendance and an incident of 2026/27 (and a day of its summer) go once the year's
    last day is past the period; the next year's first day stays though its date is past too."""
    old, following = world.year, _next_year(world.year)
    pupil = world.pupil_lizuma
    summer = following.starts_on - dt.timedelta(days=3)
    for day in (world.today, summer, following.starts_on):
        AttendanceDay.objects.create(pupil=pupil, date=day, lessons=6, unjustified=1)
    Incident.objects.create(pupil=pupil, date=world.today, category="kavējumi", severity="low", description="…")
    settings.PUMPURS_FACT_ROLLUPS = True  # kept only while on (decision 0050), and retention must delete them
    keep_rollups("attendance", [(pupil.pk, world.today)])
    assert AttendanceWeek.objects.filter(pupil=pupil).exists()
    clock.move_to(
        timezone.make_aware(dt.datetime.combine(following.starts_on, dt.time(10)))
        + dt.timedelta(days=settings.PUMPURS_RETENTION_JOURNAL_DAYS + 30)
    )

    run = retention_apply(now=timezone.now())

    assert not run.failed
    assert list(AttendanceDay.objects.filter(pupil=pupil).values_list("date", flat=True)) == [following.starts_on]
    assert not Incident.objects.exists()
    assert not AttendanceWeek.objects.exists()  # the old year's rollups went with its facts
    assert run.export is not None
    lines = [json.loads(line) for line in run.export.read_text(encoding="utf-8").splitlines()[1:]]
    exported = [line["model"] for line in lines if line["kind"] == "journal.facts"]
    assert exported.count("journal.attendanceday") == 2
    assert exported.count("journal.incident") == 1
    assert sum(_applied("journal.facts")) == 3
    assert old.ends_on < following.starts_on
    assert chain_verify().intact


def test_journal_facts_are_kept_while_their_year_is_within_the_period(world: World, settings) -> None:
    AttendanceDay.objects.create(pupil=world.pupil_lizuma, date=world.today, lessons=6, unjustified=1)
    kind = next(k for k in registry.record_kinds() if k.code == "journal.facts")
    far = timezone.now() + dt.timedelta(days=settings.PUMPURS_RETENTION_JOURNAL_DAYS)
    assert sum(p.queryset.count() for p in kind.due(far)) == 0, "the year is not over the period yet"


def _file(path: Path, *, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n", encoding="utf-8")
    moment = (timezone.now() - dt.timedelta(days=age_days)).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_generated_files_are_removed_after_their_period(world: World, settings, data_dir: Path, tmp_path: Path) -> None:
    """By ``retention_apply``: the daily job and ``pumpurs retention --apply`` (world's test)."""
    days = settings.PUMPURS_RETENTION_EXPORT_FILE_DAYS
    exports = data_dir / "retention-exports"
    old = _file(exports / "retention-20200101T000000.jsonl", age_days=days + 1)
    young = _file(exports / "retention-20260101T000000.jsonl", age_days=days - 1)
    other = _file(exports / "notes.txt", age_days=days + 100)
    mail = _file(tmp_path / "mail" / "20200101-000000-1.log", age_days=days + 1)

    run = retention_apply(now=timezone.now())

    assert run.expired_files == 2
    assert not old.exists()
    assert not mail.exists()
    assert young.exists(), "a younger file stays"
    assert other.exists(), "a file of no known kind stays"
    (event,) = AuditEvent.objects.filter(action=FILES_EXPIRED)
    assert sorted(event.data["files"]) == sorted([old.name, mail.name])
    assert export_files_expire(now=timezone.now()) == 0, "nothing left to expire"
    assert chain_verify().intact
