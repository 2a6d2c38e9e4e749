"""The year-end rollover of Lizuma pamatskola into 2027/28, told in the summer of 2027: Līga Bērza
(the school's coordinator) previews it, marks a pupil who moved abroad and applies it; Anna moves
from 7.a to 8.a, Roberts from 8.a to 9.a, the ninth-graders complete. Nobody else may, a missing
year is refused by name, and running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.calendar import school_years_ensure
from pumpurs.people.models import ClassGroup, Enrolment, Institution, Pupil, SchoolYear
from pumpurs.people.personal_code import synthetic_code
from pumpurs.people.rollover import rollover_target
from pumpurs.people.services import pupil_create
from pumpurs.support.models import Case, PlanStatus
from pumpurs.support.rollover import rollover_apply, rollover_plan
from pumpurs.support.testing import active_plan
from pumpurs.world.personas import CALENDAR_DAYS, World
from pumpurs.world.testing import RIGA, on_day

SUMMER = CALENDAR_DAYS["mid_summer"]  # 15.07.2027: 2026/27 has ended, 2027/28 is in the calendar
in_summer = on_day(SUMMER, "mid_summer")


def _pupil(world: World, klass: ClassGroup, first: str, last: str, serial: int) -> Pupil:
    return pupil_create(
        actor=world.coordinator_lizuma,
        personal_code=synthetic_code(dt.date(2012, 5, 2), serial),
        first_name=first,
        last_name=last,
        birth_date=dt.date(2012, 5, 2),
        class_group=klass,
        starts_on=world.year.starts_on,
    )


@pytest.fixture
def lizuma(world: World) -> dict[str, Pupil]:
    """Lizuma's 2026/27: Anna in 7.a, Roberts in 8.a (the personas), Kārlis in 9.a, and Marta in
    7.a, who moves abroad over the summer."""
    grade9 = ClassGroup.objects.create(institution=world.lizuma, school_year=world.year, grade=9, name="9.a")
    return {
        "karlis": _pupil(world, grade9, "Kārlis", "Ozols", 201),
        "marta": _pupil(world, world.lizuma_7a, "Marta", "Liepiņa", 202),
    }


def _open_class(pupil: Pupil) -> ClassGroup | None:
    open_ = Enrolment.objects.filter(pupil=pupil, ends_on__isnull=True).select_related("class_group").first()
    return open_.class_group if open_ else None


def _state() -> tuple[int, int, int, list[tuple]]:
    rows = sorted(Enrolment.objects.values_list("pupil_id", "class_group_id", "starts_on", "ends_on", "end_reason"))
    return ClassGroup.objects.count(), Enrolment.objects.count(), AuditEvent.objects.count(), rows


@in_summer
def test_preview_then_apply_moves_the_school_up_a_year(world: World, lizuma: dict[str, Pupil]) -> None:
    to_year = rollover_target("2027/28")
    leaving = {lizuma["marta"].public_id: Enrolment.EndReason.MOVED_ABROAD}
    before = _state()
    preview = rollover_plan(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year, leaving=leaving)
    assert _state() == before  # the preview writes nothing
    summary = preview.summary()
    assert (summary["from"], summary["to"]) == ("2026/27", "2027/28")
    assert summary["classes_created"] == ["8.a", "9.a"]
    assert (summary["moved"], summary["completed"], summary["not_continuing"]) == (2, 1, 1)

    rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year, leaving=leaving)

    new_8a = ClassGroup.objects.get(institution=world.lizuma, school_year=to_year, name="8.a")
    assert (new_8a.grade, new_8a.class_teacher) == (8, world.teacher_lizuma)  # the teacher moves up too
    assert _open_class(world.pupil_lizuma) == new_8a
    assert _open_class(world.pupil_lizuma_8a).name == "9.a"
    old = Enrolment.objects.get(pupil=world.pupil_lizuma, class_group=world.lizuma_7a)
    assert (old.ends_on, old.end_reason) == (to_year.starts_on - dt.timedelta(days=1), "class_changed")
    karlis = Enrolment.objects.get(pupil=lizuma["karlis"])
    assert (karlis.ends_on, karlis.end_reason) == (world.year.ends_on, "completed")
    marta = Enrolment.objects.get(pupil=lizuma["marta"])
    assert (marta.ends_on, marta.end_reason) == (world.year.ends_on, "moved_abroad")
    assert _open_class(lizuma["karlis"]) is None
    assert _open_class(world.pupil_tirzas) == world.tirzas_7a  # another school is not touched
    event = AuditEvent.objects.get(action="people.rollover.applied")
    assert event.actor == world.coordinator_lizuma
    assert (event.data["moved"], event.data["completed"], event.data["not_continuing"]) == (2, 1, 1)
    assert AuditEvent.objects.filter(action="people.enrolment.started", data__rollover="2027/28").count() == 2

    # Twice: nothing changes, nothing is recorded.
    after = _state()
    again = rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year)
    assert again.moves.is_empty
    assert _state() == after


@in_summer
def test_grade_9_moves_on_at_a_secondary_school_and_grade_12_ends_on_its_own_day(
    world: World, lizuma: dict[str, Pupil]
) -> None:
    Institution.objects.filter(pk=world.lizuma.pk).update(grade_max=12)
    world.lizuma.refresh_from_db()
    grade12 = ClassGroup.objects.create(institution=world.lizuma, school_year=world.year, grade=12, name="12.b")
    ilze = _pupil(world, grade12, "Ilze", "Kalna", 203)
    SchoolYear.objects.filter(pk=world.year.pk).update(grade12_ends_on=dt.date(2027, 6, 18))
    to_year = rollover_target("2027")
    rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year)
    assert _open_class(lizuma["karlis"]).name == "10.a"
    ended = Enrolment.objects.get(pupil=ilze)
    assert (ended.ends_on, ended.end_reason) == (dt.date(2027, 6, 18), "completed")


@on_day(CALENDAR_DAYS["last_school_day"], "last_school_day")
def test_an_open_case_carries_over_and_its_plan_waits_for_the_review(world: World, clock) -> None:
    plan = active_plan(
        world.teacher_lizuma, world.pupil_lizuma, world.director_lizuma, world.coordinator_gulbene, world.national
    )
    clock.move_to(dt.datetime.combine(SUMMER, dt.time(10), tzinfo=RIGA))
    school_years_ensure(today=SUMMER)  # from June the calendar holds the next year
    to_year = rollover_target("2027/28")
    preview = rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year)
    assert (preview.cases_carried, preview.plans_awaiting_review, preview.plans_for_next) == (1, 1, 0)
    plan.refresh_from_db()
    plan.case.refresh_from_db()
    assert plan.case.status == Case.Status.OPEN
    assert plan.status == PlanStatus.ACTIVE  # left for its semester review, which drafts semester 1
    assert _open_class(world.pupil_lizuma).school_year == to_year


@in_summer
def test_the_refusals_change_nothing(world: World, lizuma: dict[str, Pupil]) -> None:
    to_year = rollover_target("2027/28")
    before = _state()
    # Anna Vītola, Tirzas' coordinator, may not move Lizuma's pupils; nor may a teacher.
    for outsider in (world.coordinator_tirzas, world.teacher_lizuma, world.coordinator_gulbene):
        with pytest.raises(PermissionDenied):
            rollover_apply(actor=outsider, institution=world.lizuma, to_year=to_year)
    # The year after next is not in the calendar: refused, naming it.
    with pytest.raises(ValidationError) as missing:
        rollover_target("2029/30")
    assert missing.value.code == "year_missing"
    assert "2029/30" in missing.value.messages[0]
    # A reason that is not one, and a pupil who is not at the school.
    with pytest.raises(ValidationError):
        rollover_apply(
            actor=world.coordinator_lizuma,
            institution=world.lizuma,
            to_year=to_year,
            leaving={lizuma["marta"].public_id: "completed"},
        )
    with pytest.raises(ValidationError) as unknown:
        rollover_apply(
            actor=world.coordinator_lizuma,
            institution=world.lizuma,
            to_year=to_year,
            leaving={world.pupil_tirzas.public_id: "left"},
        )
    assert unknown.value.error_list[0].code == "pupil_unknown"
    assert _state() == before


def test_before_the_year_ends_the_rollover_is_refused(world: World) -> None:
    # 12.11.2026: 2026/27 is under way; an administrator entered 2027/28 early.
    school_years_ensure(today=world.today, include_next=True)
    with pytest.raises(ValidationError) as early:
        rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=rollover_target("2027/28"))
    assert early.value.error_list[0].code == "too_early"
    assert not ClassGroup.objects.filter(school_year__name="2027/28").exists()


def _run(*args: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = 0
    try:
        call_command("rollover", *args, "--json", stdout=out)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


@in_summer
def test_the_command(world: World, lizuma: dict[str, Pupil]) -> None:
    before = _state()
    code, dry = _run("--institution", "T-LIZUMS", "--to", "2027/28", "--dry-run")
    assert (code, dry["status"], dry["moved"], dry["completed"]) == (0, "dry-run", 3, 1)
    assert _state() == before

    code, missing = _run("--institution", "T-LIZUMS", "--to", "2029/30")
    assert (code, missing["status"], missing["errors"][0]["code"]) == (1, "rejected", "year_missing")
    assert "2029/30" in missing["errors"][0]["message"]

    code, refused = _run("--institution", "T-LIZUMS", "--to", "2027/28", "--user", world.coordinator_tirzas.username)
    assert (code, refused["status"]) == (1, "rejected")
    assert _state() == before

    marta = f"{lizuma['marta'].public_id}=moved_abroad"
    code, applied = _run("--institution", "T-LIZUMS", "--to", "2027/28", "--leaving", marta)
    assert (code, applied["status"], applied["moved"], applied["not_continuing"]) == (0, "applied", 2, 1)
    assert applied["classes_created"] == ["8.a", "9.a"]
    after = _state()
    code, again = _run("--institution", "T-LIZUMS", "--to", "2027/28")
    assert (code, again["moved"], again["completed"], again["classes_created"]) == (0, 0, 0, [])
    assert _state() == after

    with pytest.raises(CommandError) as usage:
        call_command("rollover", "--institution", "NOPE", "--to", "2027/28")
    assert usage.value.returncode == 2


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@in_summer
def test_the_coordinators_page_previews_then_applies_with_a_confirmation(
    world: World, lizuma: dict[str, Pupil]
) -> None:
    client = client_for(world.coordinator_lizuma)
    assert client.get(reverse("support_rollover_index")).url == reverse(
        "support_rollover", args=[world.lizuma.public_id]
    )
    url = reverse("support_rollover", args=[world.lizuma.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "2027/28" in html
    assert "Kārlis" in html
    marta = f"leaving-{lizuma['marta'].public_id}"
    before = _state()
    # Without the confirmation nothing happens; the choice made is kept on the page.
    unconfirmed = client.post(url, {"action": "apply", marta: "moved_abroad"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Tick the confirmation" in unconfirmed.content.decode()
    assert 'value="moved_abroad" selected' in unconfirmed.content.decode()
    assert _state() == before
    done = client.post(url, {"action": "apply", "confirm": "1", marta: "moved_abroad"})
    assert done.status_code == 302
    assert Enrolment.objects.get(pupil=lizuma["marta"]).end_reason == "moved_abroad"
    assert _open_class(world.pupil_lizuma).school_year.name == "2027/28"
    assert "Nothing to move" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@in_summer
@pytest.mark.parametrize("persona", ["coordinator_tirzas", "teacher_lizuma", "director_lizuma", "coordinator_gulbene"])
def test_nobody_else_sees_the_page(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    url = reverse("support_rollover", args=[world.lizuma.public_id])
    before = _state()
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "apply", "confirm": "1"}).status_code == 404
    assert _state() == before


@in_summer
def test_the_page_names_the_missing_year(world: World) -> None:
    SchoolYear.objects.filter(name="2027/28").delete()
    page = client_for(world.coordinator_lizuma).get(reverse("support_rollover", args=[world.lizuma.public_id]))
    assert "2027/28" in page.content.decode()
    assert 'role="alert"' in page.content.decode()


@in_summer
def test_a_pupil_who_joined_after_the_year_ended_leaves_on_the_day_she_joined(
    world: World, lizuma: dict[str, Pupil]
) -> None:
    """Marta joined 7.a on 10 June 2027, after the year's last day (28.05.2027), and moves abroad:
    her enrolment ends on the day it began, never before it; the others end on the year's last day."""
    joined = dt.date(2027, 6, 10)
    Enrolment.objects.filter(pupil=lizuma["marta"]).update(starts_on=joined)
    to_year = rollover_target("2027/28")
    leaving = {
        lizuma["marta"].public_id: Enrolment.EndReason.MOVED_ABROAD,
        world.pupil_lizuma.public_id: Enrolment.EndReason.MOVED_ABROAD,
    }
    rollover_apply(actor=world.coordinator_lizuma, institution=world.lizuma, to_year=to_year, leaving=leaving)
    marta = Enrolment.objects.get(pupil=lizuma["marta"])
    anna = Enrolment.objects.get(pupil=world.pupil_lizuma)
    assert (marta.ends_on, marta.end_reason) == (joined, Enrolment.EndReason.MOVED_ABROAD)
    assert (anna.ends_on, anna.end_reason) == (world.year.ends_on, Enrolment.EndReason.MOVED_ABROAD)
