"""Children without a school: Inese Gulbe, the Gulbene coordinator, follows the pupils who left
her municipality's schools without completing and are enrolled nowhere now.

Anna left Lizuma ten days ago (an open case and a flag behind her); Roberts moved from Lizuma to
Tirzas and was enrolled there the same day; Jānis completed Tirzas; Laura left Madona's school —
not Gulbene's to follow."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Enrolment, Pupil
from pumpurs.people.services import enrolment_end, pupil_enrol
from pumpurs.support.out_of_school import out_of_school, out_of_school_rows
from pumpurs.support.testing import open_case
from pumpurs.support.tests.stories import accepted_flag, semester_now
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def end(world: World, pupil: Pupil, reason: str, days_ago: int, actor: object) -> None:
    enrolment = Enrolment.objects.get(pupil=pupil, ends_on__isnull=True)
    enrolment_end(actor=actor, enrolment=enrolment, ends_on=timezone.localdate() - days_ago * DAY, reason=reason)


@pytest.fixture
def departures(world: World) -> World:
    open_case(world.teacher_lizuma, world.pupil_lizuma)
    accepted_flag(world.pupil_lizuma, semester_now())
    end(world, world.pupil_lizuma, Enrolment.EndReason.LEFT, 10, world.coordinator_lizuma)
    end(world, world.pupil_lizuma_8a, Enrolment.EndReason.TRANSFERRED, 3, world.coordinator_lizuma)
    pupil_enrol(
        actor=world.coordinator_tirzas,
        pupil=world.pupil_lizuma_8a,
        class_group=world.tirzas_7a,
        starts_on=timezone.localdate() - 2 * DAY,
    )
    end(world, world.pupil_tirzas, Enrolment.EndReason.COMPLETED, 1, world.coordinator_tirzas)
    end(world, world.pupil_madona, Enrolment.EndReason.MOVED_ABROAD, 5, world.coordinator_madona_school)
    return world


def test_the_municipality_sees_who_left_and_is_enrolled_nowhere(departures: World) -> None:
    world = departures
    rows = out_of_school_rows(out_of_school(world.coordinator_gulbene))
    assert [(r.pupil, r.school, r.class_name, r.days, r.had_flag, r.case) for r in rows] == [
        (world.pupil_lizuma, world.lizuma, "7.a", 10, True, "open")
    ]
    assert [r.pupil for r in out_of_school_rows(out_of_school(world.coordinator_madona))] == [world.pupil_madona]
    # A school coordinator follows her own school's leavers; a teacher, Tirzas and the rest none.
    assert [e.pupil for e in out_of_school(world.coordinator_lizuma)] == [world.pupil_lizuma]
    assert not out_of_school(world.coordinator_tirzas).exists()
    assert not out_of_school(world.teacher_lizuma).exists()
    assert not out_of_school(world.national).exists()


def test_re_enrolled_she_leaves_the_list(departures: World) -> None:
    world = departures
    pupil_enrol(
        actor=world.coordinator_tirzas,
        pupil=world.pupil_lizuma,
        class_group=world.tirzas_7a,
        starts_on=timezone.localdate(),
    )
    assert not out_of_school(world.coordinator_gulbene).exists()


def test_the_page_and_its_csv(departures: World) -> None:
    world = departures
    client = Client()
    client.force_login(world.coordinator_gulbene)
    home = client.get(reverse("home"), follow=True).content.decode()
    assert reverse("support_out_of_school") in home  # in her navigation
    page = client.get(reverse("support_out_of_school"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kalniņa Anna" in text
    assert "Šmits" not in text
    assert "Ķēniņa" not in text
    export = client.get(reverse("support_out_of_school_csv"))
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(export).decode("utf-8-sig") if export.streaming else export.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert table[0][:3] == ["Uzvārds", "Vārds", "Pēdējā skola"]
    assert table[1:] == [
        [
            "Kalniņa",
            "Anna",
            world.lizuma.name,
            "7.a",
            "2026-11-02",
            "pārtrauca mācības, nepabeidzot",
            "10",
            "jā",
            "atvērts",
        ]
    ]
    assert AuditEvent.objects.filter(action="support.out_of_school.exported", data={"rows": 1}).count() == 1
    # Those without the permission find no such page.
    teacher = Client()
    teacher.force_login(world.teacher_lizuma)
    assert teacher.get(reverse("support_out_of_school")).status_code == 404
    assert teacher.get(reverse("support_out_of_school_csv")).status_code == 404
