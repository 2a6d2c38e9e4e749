"""Retention (decision 0040): each record kind is due the day after its period ends, not on the last
day; the dry run changes nothing; applying exports first (a 0600 file in a 0700 directory), then
deletes, scrubs or pseudonymises, one audit event per kind; a failure writes nothing of its kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import stat
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from pumpurs.audit.chain import chain_verify
from pumpurs.audit.models import AuditEvent
from pumpurs.audit.services import audit_record
from pumpurs.core import retention as registry
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_create
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.people.models import EmergencyAccess, Enrolment, Period, SignInThrottle
from pumpurs.privacy.management.commands.retention import Command
from pumpurs.privacy.retention import APPLIED, RETENTION, kind_due, retention_apply
from pumpurs.risk.models import Flag, FlagDecision, Notice
from pumpurs.support.delivery import compensation_record
from pumpurs.support.models import Case, Delivery
from pumpurs.support.testing import active_plan, measure, open_case
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def kind(code: str) -> registry.RecordKind:
    return next(k for k in registry.record_kinds() if k.code == code)


def _import_file(world: World, tmp_path: Path) -> dt.datetime:
    path = write_csv(tmp_path / "a.csv", rows_for(world))
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=path,
        filename="a.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    return batch.created_at


def _sign_in(world: World, tmp_path: Path) -> dt.datetime:
    now = timezone.now()
    SignInThrottle.objects.create(username="svesais", address="192.0.2.7", attempts=2, allowance=5, last_at=now)
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=now)
    return now


def _emergency(world: World, tmp_path: Path) -> dt.datetime:
    now = timezone.now()
    EmergencyAccess.objects.create(
        user=world.national,
        pupil=world.pupil_lizuma,
        reason="Bērns pazudis",
        opened_at=now - dt.timedelta(hours=3),
        until=now,
    )
    return now


def _notice(world: World, tmp_path: Path) -> dt.datetime:
    notice = Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE,
        pupil=world.pupil_lizuma,
        subject="Anna šodien nav skolā",
        body="…",
        status=Notice.Status.SENT,
        dedupe_key="retention-test",
    )
    return notice.created_at


def _former_pupil(world: World, tmp_path: Path) -> dt.datetime:
    """Markuss (Madona) left today; a flag of his from this semester."""
    now = timezone.now()
    Enrolment.objects.filter(pupil=world.pupil_madona, ends_on__isnull=True).update(
        ends_on=timezone.localdate(now), end_reason=Enrolment.EndReason.LEFT
    )
    flag = Flag.objects.create(
        pupil=world.pupil_madona,
        period=Period.objects.filter(starts_on__lte=world.today).latest("starts_on"),
        rule="unjustified_absences",
        rule_version="1",
        value=Decimal(20),
        threshold=Decimal(10),
        raised_at=now,
        last_seen_at=now,
    )
    FlagDecision.objects.create(
        flag=flag,
        decision="accepted",
        decided_by=world.coordinator_madona_school,
        comment="Zvanīja mātei",
        decided_at=now,
    )
    return now


def _closed_case(world: World, tmp_path: Path) -> dt.datetime:
    case = open_case(world.coordinator_tirzas, world.pupil_tirzas)
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=now, close_reason="risk_reduced")
    return now


def _evidence(world: World, tmp_path: Path) -> dt.datetime:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    delivery = compensation_record(
        actor=world.coordinator_lizuma,
        plan=plan,
        measure=measure("transport"),
        starts_on=world.today,
        ends_on=None,
        quantity=Decimal(2),
        amount=Decimal("3.00"),
    )
    Delivery.objects.filter(pk=delivery.pk).update(evidence="deliveries/2026/01/bilete.pdf")
    return timezone.now()


def _journal(world: World, tmp_path: Path) -> dt.datetime:
    """A day of Anna's attendance this school year; the year's last day (grade 12 finishes later)."""
    from pumpurs.journal.models import AttendanceDay

    AttendanceDay.objects.create(pupil=world.pupil_lizuma, date=world.today, lessons=6, unjustified=2)
    year = world.year
    last = max(d for d in (year.ends_on, year.grade9_ends_on, year.grade12_ends_on) if d is not None)
    return timezone.make_aware(dt.datetime.combine(last, dt.time(12)))


def _audit(world: World, tmp_path: Path) -> dt.datetime:
    return AuditEvent.objects.aggregate(first=Min("at"))["first"]


KINDS: dict[str, Callable[[World, Path], dt.datetime]] = {
    "imports.files": _import_file,
    "people.sign_in": _sign_in,
    "people.emergency_access": _emergency,
    "risk.notices": _notice,
    "risk.former_pupils": _former_pupil,
    "support.closed_cases": _closed_case,
    "support.evidence_files": _evidence,
    "journal.facts": _journal,
    "audit.events": _audit,
}


def test_every_registered_kind_is_tested_here_and_has_a_setting(settings) -> None:
    assert {k.code for k in registry.record_kinds()} == set(KINDS)
    for k in registry.record_kinds():
        assert isinstance(getattr(settings, k.setting), int)


@pytest.mark.parametrize("code", sorted(KINDS))
def test_a_kind_is_due_the_day_after_its_period_not_on_its_last_day(world: World, tmp_path: Path, code: str) -> None:
    """The record's own moment plus the period is the last moment it is kept."""
    start = KINDS[code](world, tmp_path)
    subject = kind(code)
    last_day = start + dt.timedelta(days=subject.days)
    assert kind_due(subject, now=last_day).count == 0
    due = kind_due(subject, now=last_day + dt.timedelta(days=1))
    assert due.count >= 1
    assert due.oldest is not None
    assert due.oldest <= timezone.localdate(start)


@pytest.mark.parametrize("code", sorted(KINDS))
def test_applying_exports_then_removes_what_is_due_and_audits_the_count(
    world: World, tmp_path: Path, data_dir: Path, clock, code: str
) -> None:
    start = KINDS[code](world, tmp_path)
    subject = kind(code)
    clock.move_to(start + dt.timedelta(days=subject.days + 1))
    later = timezone.now()
    due = kind_due(subject, now=later).count

    run = retention_apply(now=later)

    assert not run.failed
    assert run.export is not None
    assert run.export.parent == data_dir / "retention-exports"
    assert stat.S_IMODE(run.export.stat().st_mode) == 0o600
    assert stat.S_IMODE(run.export.parent.stat().st_mode) == 0o700
    lines = run.export.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["kinds"][code]["count"] == due
    exported = [json.loads(line) for line in lines[1:] if json.loads(line)["kind"] == code]
    assert len(exported) >= due  # the export names every record that went
    assert all("session_data" not in line["record"] for line in exported)
    assert kind_due(subject, now=later).count == 0, "nothing of the kind is left due"
    applied = [e for e in AuditEvent.objects.filter(action=APPLIED) if e.data["kind"] == code]
    assert len(applied) == 1
    assert applied[0].actor_username == RETENTION.name
    assert applied[0].data["count"] >= 1
    assert applied[0].data["export"] == run.export.name
    assert chain_verify().intact


def test_what_each_kind_does_to_its_rows(world: World, tmp_path: Path, clock) -> None:
    """Deleted kinds are gone; the outbox keeps queued notices; a case without money goes with its
    consent; evidence rows stay without their file; audit events stay, scrubbed."""
    for build in KINDS.values():
        build(world, tmp_path)
    queued = Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE, pupil=world.pupil_lizuma, subject="s", body="b", dedupe_key="queued"
    )
    events = AuditEvent.objects.count()
    clock.shift(dt.timedelta(days=3000))
    later = timezone.now()

    run = retention_apply(now=later)

    assert not run.failed
    assert not SignInThrottle.objects.exists()
    assert not Session.objects.exists()
    assert not EmergencyAccess.objects.exists()
    assert queued in Notice.objects.all()
    assert not Notice.objects.exclude(status=Notice.Status.QUEUED).exists()
    assert not Flag.objects.filter(pupil=world.pupil_madona).exists()
    assert not Case.objects.filter(pupil=world.pupil_tirzas).exists()
    assert not ImportBatch.objects.exclude(file="").exists()
    assert ImportBatch.objects.exists()
    assert Delivery.objects.count() == 1
    assert Delivery.objects.get().evidence == ""
    assert AuditEvent.objects.filter(scrubbed_at__isnull=True, at__lt=later - dt.timedelta(days=1826)).count() == 0
    assert AuditEvent.objects.count() == events + len(run.results) + 1  # + one per kind, + the import purge's
    assert chain_verify().intact


def test_the_dry_run_lists_every_kind_and_changes_nothing(world: World, tmp_path: Path, data_dir: Path) -> None:
    _notice(world, tmp_path)
    _sign_in(world, tmp_path)
    events, notices = AuditEvent.objects.count(), Notice.objects.count()
    out = StringIO()
    with transaction.atomic():  # the clock is pinned: move it by the period through the arguments' now
        pass
    call_command("retention", "--dry-run", "--json", stdout=out)
    listed = {row["kind"]: row for row in json.loads(out.getvalue())["kinds"]}
    assert set(listed) == set(KINDS)
    assert listed["risk.notices"] == {"kind": "risk.notices", "days": 365, "action": "delete", "due": 0, "oldest": None}
    assert (AuditEvent.objects.count(), Notice.objects.count()) == (events, notices)
    assert not (data_dir / "retention-exports").exists()


def test_the_command_applies_and_prints_the_export(world: World, tmp_path: Path, clock) -> None:
    _notice(world, tmp_path)
    clock.shift(dt.timedelta(days=366))
    out = StringIO()
    call_command("retention", "--apply", stdout=out)
    assert "retention-exports" in out.getvalue()
    assert "risk.notices: 1" in out.getvalue()
    assert not Notice.objects.exists()


def test_a_kind_that_fails_writes_nothing_of_its_own_and_the_command_exits_1(
    world: World, tmp_path: Path, clock, monkeypatch
) -> None:
    _notice(world, tmp_path)
    _sign_in(world, tmp_path)

    def boom(parts, now):
        registry.parts_delete(parts, now)  # half done, then it fails: the transaction takes it back
        raise RuntimeError("disk on fire")

    failing = dataclasses.replace(kind("risk.notices"), apply=boom)
    monkeypatch.setitem(registry._kinds, "risk.notices", failing)
    clock.shift(dt.timedelta(days=400))
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("retention", "--apply", stdout=StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert "risk.notices" in err.getvalue()
    assert Notice.objects.count() == 1, "the failed kind wrote nothing"
    assert not SignInThrottle.objects.exists(), "the other kinds still ran"
    assert not [e for e in AuditEvent.objects.filter(action=APPLIED) if e.data["kind"] == "risk.notices"]


def test_an_export_that_cannot_be_written_stops_everything(world: World, tmp_path: Path, clock, monkeypatch) -> None:
    _notice(world, tmp_path)
    clock.shift(dt.timedelta(days=400))

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr("pumpurs.privacy.retention.retention_export", refuse)
    with pytest.raises(SystemExit) as exit_:
        call_command("retention", "--apply", stdout=StringIO(), stderr=StringIO())
    assert exit_.value.code == 1
    assert Notice.objects.count() == 1
    assert not AuditEvent.objects.filter(action=APPLIED).exists()


def test_bad_arguments_exit_2() -> None:
    parser = Command().create_parser("pumpurs", "retention")
    parser.called_from_command_line = True
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--apply", "--dry-run"])
    assert exit_.value.code == 2


def test_the_daily_job_runs_the_same_apply(world: World, tmp_path: Path, clock) -> None:
    from pumpurs.ops.jobs import JOBS

    _notice(world, tmp_path)
    job = next(j for j in JOBS if j.code == "retention")
    result = job.run(timezone.now() + dt.timedelta(days=366))
    assert "risk.notices: 1" in result
    assert "expired files: 0" in result  # generated files past their period (decision 0046)
    assert not Notice.objects.exists()
    assert audit_record  # the job's events are written by the same service (checked above)


def test_a_closed_case_money_rests_on_is_pseudonymised_and_every_euro_stays(
    world: World, tmp_path: Path, clock
) -> None:
    """Decision 0033: the case's free text goes, its deliveries and commitments stay as they were."""
    from pumpurs.finance.models import Commitment, DeliveredMonth
    from pumpurs.support.models import Consent

    _evidence(world, tmp_path)
    case = Case.objects.get(pupil=world.pupil_lizuma)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=timezone.now(), close_reason="moved")
    money = (
        list(Delivery.objects.order_by("pk").values_list("amount", "quantity", "delivered_on")),
        list(Commitment.objects.order_by("pk").values_list("amount_cents", "delivered_cents")),
        list(DeliveredMonth.objects.order_by("pk").values_list("cents", flat=True)),
    )
    assert money[0]
    clock.shift(dt.timedelta(days=1827))

    run = retention_apply(now=timezone.now())

    assert not run.failed
    case.refresh_from_db()
    assert case.reason == ""
    assert case.pseudonymised_at is not None
    assert set(Consent.objects.filter(case=case).values_list("document", flat=True)) <= {""}
    assert set(Delivery.objects.values_list("evidence", flat=True)) == {""}
    assert money == (
        list(Delivery.objects.order_by("pk").values_list("amount", "quantity", "delivered_on")),
        list(Commitment.objects.order_by("pk").values_list("amount_cents", "delivered_cents")),
        list(DeliveredMonth.objects.order_by("pk").values_list("cents", flat=True)),
    )
    assert kind_due(kind("support.closed_cases"), now=timezone.now()).count == 0, "never pseudonymised twice"
    assert chain_verify().intact
