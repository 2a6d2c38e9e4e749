"""The outbox shows each school's notices to its coordinator; the same-day switch is theirs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Guardian
from pumpurs.risk.models import Notice
from pumpurs.risk.notices import same_day_notices_set
from pumpurs.world.personas import World


def notice(world: World, pupil, key: str) -> Notice:
    guardian = Guardian.objects.create(pupil=pupil, first_name="Vecāks", last_name="Testa", relation="mother")
    return Notice.objects.create(
        kind=Notice.Kind.SAME_DAY_ABSENCE,
        pupil=pupil,
        guardian=guardian,
        subject="s",
        body="b",
        status="no_contact",
        dedupe_key=key,
    )


def test_coordinator_sees_own_schools_notices_only(world: World) -> None:
    notice(world, world.pupil_lizuma, "a")
    notice(world, world.pupil_tirzas, "b")
    client = Client()
    client.force_login(world.coordinator_lizuma)
    page = client.get(reverse("notice_outbox")).content.decode()
    assert "Anna Kalniņa" in page
    assert "Jānis Bērziņš" not in page
    gulbene = Client()
    gulbene.force_login(world.coordinator_gulbene)
    page = gulbene.get(reverse("notice_outbox")).content.decode()
    assert "Anna Kalniņa" in page
    assert "Jānis Bērziņš" in page


def test_teachers_and_the_national_team_have_no_outbox(world: World) -> None:
    for user in (world.teacher_lizuma, world.national):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("notice_outbox")).status_code == 404


def test_coordinator_switches_same_day_notices_of_own_school(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator_lizuma)
    url = reverse("notice_same_day_setting", args=[world.lizuma.public_id])
    assert client.get(url).status_code == 405
    assert client.post(url, {"enabled": "1"}).status_code == 302
    world.lizuma.refresh_from_db()
    assert world.lizuma.same_day_absence_notices
    assert AuditEvent.objects.filter(action="risk.same_day_notices.set", actor=world.coordinator_lizuma).count() == 1
    assert (
        client.post(reverse("notice_same_day_setting", args=[world.tirzas.public_id]), {"enabled": "1"}).status_code
        == 404
    )
    world.tirzas.refresh_from_db()
    assert not world.tirzas.same_day_absence_notices


def test_the_same_day_switch_is_the_school_coordinators_and_audited(world: World) -> None:
    """Līga switches Lizuma's same-day notices on and off again; each switch is one audit event."""
    same_day_notices_set(actor=world.coordinator_lizuma, institution=world.lizuma, enabled=True)
    world.lizuma.refresh_from_db()
    assert world.lizuma.same_day_absence_notices
    same_day_notices_set(actor=world.coordinator_lizuma, institution=world.lizuma, enabled=False)
    world.lizuma.refresh_from_db()
    assert not world.lizuma.same_day_absence_notices
    events = AuditEvent.objects.filter(action="risk.same_day_notices.set", object_id=str(world.lizuma.public_id))
    assert [e.data["enabled"] for e in events.order_by("pk")] == [True, False]
    assert {e.actor for e in events} == {world.coordinator_lizuma}


@pytest.mark.parametrize(
    "persona", ["coordinator_tirzas", "teacher_lizuma", "director_lizuma", "coordinator_gulbene", "national", "nobody"]
)
def test_nobody_else_switches_a_schools_same_day_notices(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        same_day_notices_set(actor=getattr(world, persona), institution=world.lizuma, enabled=True)
    world.lizuma.refresh_from_db()
    assert not world.lizuma.same_day_absence_notices
    assert not AuditEvent.objects.filter(action="risk.same_day_notices.set").exists()
