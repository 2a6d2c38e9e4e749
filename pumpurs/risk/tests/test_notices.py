"""Notices: same-day absence to guardians, threshold to the municipality — never twice. The same-day
notices start from an attendance import: imports/tests/test_notices_after_import.py tells those."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Guardian, Period, Pupil
from pumpurs.risk.models import Flag, Notice
from pumpurs.risk.notices import pupils_missing_guardian_contacts, threshold_notices_create
from pumpurs.world.personas import World


def guardians(world: World) -> None:
    Guardian.objects.create(
        pupil=world.pupil_lizuma, first_name="Inga", last_name="Kalniņa", relation="mother", email="inga@example.lv"
    )
    Guardian.objects.create(pupil=world.pupil_lizuma, first_name="Andris", last_name="Kalniņš", relation="father")
    Guardian.objects.create(
        pupil=world.pupil_tirzas, first_name="Zane", last_name="Bērziņa", relation="mother", email="zane@example.lv"
    )


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
    missing = set(pupils_missing_guardian_contacts(Pupil.objects.all()).values_list("first_name", flat=True))
    assert missing == {"Roberts", "Laura"}  # Anna and Jānis have a reachable guardian
