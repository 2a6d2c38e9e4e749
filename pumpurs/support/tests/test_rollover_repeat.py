"""A pupil who repeats the grade stays in it (issue 12): at the Lizuma rollover into 2027/28,
Marta (7.a) repeats grade 7 — she goes to the new year's 7.a while Anna moves up to 8.a — and
Kārlis (9.a, the last grade) repeats grade 9 instead of completing. Through the service, the
command (``--repeats``) and the coordinator's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import ClassGroup, Enrolment, Pupil
from pumpurs.people.rollover import REPEATS, rollover_target
from pumpurs.support.models import Case
from pumpurs.support.rollover import rollover_apply, rollover_plan
from pumpurs.support.tests.test_rollover import _open_class, _run, _state, client_for, in_summer, lizuma
from pumpurs.world.personas import World
from pumpurs.world.testing import RIGA

pytestmark = pytest.mark.django_db

__all__ = ["lizuma"]  # the fixture, shared


@in_summer
def test_a_pupil_who_repeats_stays_in_the_grade(world: World, lizuma: dict[str, Pupil]) -> None:
    to_year = rollover_target("2027/28")
    decisions = {lizuma["marta"].public_id: REPEATS, lizuma["karlis"].public_id: REPEATS}
    preview = rollover_plan(
        actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year, leaving=decisions
    )
    summary = preview.summary()
    assert (summary["moved"], summary["repeating"], summary["completed"], summary["not_continuing"]) == (2, 2, 0, 0)
    assert summary["classes_created"] == ["8.a", "9.a", "7.a"]

    rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year, leaving=decisions)

    marta, karlis = _open_class(lizuma["marta"]), _open_class(lizuma["karlis"])
    assert marta is not None
    assert karlis is not None
    assert (marta.name, marta.grade, marta.school_year, marta.class_teacher) == ("7.a", 7, to_year, None)
    assert (karlis.name, karlis.grade, karlis.school_year) == ("9.a", 9, to_year)
    # Roberts moved up into that same 9.a; Anna into 8.a with her teacher.
    assert _open_class(world.pupil_lizuma_8a) == karlis
    assert _open_class(world.pupil_lizuma).name == "8.a"
    old = Enrolment.objects.get(pupil=lizuma["marta"], class_group=world.lizuma_7a)
    assert (old.ends_on, old.end_reason) == (to_year.starts_on - dt.timedelta(days=1), "class_changed")
    event = AuditEvent.objects.get(action="people.rollover.applied")
    assert (event.data["repeating"], event.data["completed"]) == (2, 0)
    after = _state()
    assert rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year).moves.is_empty
    assert _state() == after


@in_summer
def test_a_repeaters_open_case_is_carried(world: World, lizuma: dict[str, Pupil]) -> None:
    # Opened in September (the story runs in the summer holiday, when no case is opened by hand).
    case = Case.objects.create(
        pupil=lizuma["marta"],
        institution=world.lizuma,
        origin=Case.Origin.MANUAL,
        reason="Atkārto klasi",
        opened_by=world.coordinator_lizuma,
        opened_at=dt.datetime.combine(world.year.starts_on, dt.time(10), tzinfo=RIGA),
    )
    to_year = rollover_target("2027/28")
    preview = rollover_plan(
        actor=world.coordinator_lizuma,
        institution=world.lizuma,
        to_year=to_year,
        leaving={lizuma["marta"].public_id: REPEATS},
    )
    assert preview.cases_carried == 1
    assert preview.cases_of_leavers == []
    rollover_apply(
        actor=world.coordinator_lizuma,
        institution=world.lizuma,
        to_year=to_year,
        leaving={lizuma["marta"].public_id: REPEATS},
    )
    case.refresh_from_db()
    assert (case.status, case.institution) == (Case.Status.OPEN, world.lizuma)


@in_summer
def test_repeating_through_the_command_and_the_page(world: World, lizuma: dict[str, Pupil]) -> None:
    code, dry = _run(
        "--institution", "T-LIZUMS", "--to", "2027/28", "--dry-run", "--repeats", str(lizuma["marta"].public_id)
    )
    assert (code, dry["moved"], dry["repeating"]) == (0, 2, 1)

    client = client_for(world.coordinator_lizuma)
    url = reverse("support_rollover", args=[world.lizuma.public_id])
    marta = f"leaving-{lizuma['marta'].public_id}"
    page = client.post(url, {"action": "preview", marta: REPEATS}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="repeats" selected' in page
    assert "repeats the grade" in page
    done = client.post(url, {"action": "apply", "confirm": "1", marta: REPEATS}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "1 repeat their grade" in done.content.decode()
    klass = _open_class(lizuma["marta"])
    assert klass is not None
    assert (klass.name, klass.school_year.name) == ("7.a", "2027/28")
    assert ClassGroup.objects.filter(institution=world.lizuma, school_year__name="2027/28", name="7.a").count() == 1
