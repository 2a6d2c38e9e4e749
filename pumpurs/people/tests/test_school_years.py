"""Zane Lapsa (the national programme) enters next year's calendar from the regulation, corrects
an estimated year and confirms it; nobody else may, and bad dates change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.calendar import Phase, calendar_on, planning_semester_on
from pumpurs.people.models import Period, SchoolYear
from pumpurs.people.school_years import school_year_confirm, school_year_create, school_year_update
from pumpurs.world.personas import World

D = dt.date
NEXT_YEAR = {
    "starts_on": D(2027, 9, 1),
    "semester1_ends_on": D(2027, 12, 22),
    "semester2_starts_on": D(2028, 1, 3),
    "ends_on": D(2028, 5, 31),
    "grade9_ends_on": D(2028, 6, 16),
    "grade12_ends_on": D(2028, 6, 21),
    "source": "MK noteikumi par 2027./2028. mācību gadu",
}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_national_role_enters_next_year_from_the_regulation(world: World) -> None:
    year = school_year_create(actor=world.national, start_year=2027, **NEXT_YEAR)
    assert (year.name, year.is_estimated, year.grade9_ends_on) == ("2027/28", False, D(2028, 6, 16))
    sem1, sem2 = year.periods.order_by("number")
    assert (sem1.starts_on, sem1.ends_on, sem2.starts_on, sem2.ends_on) == (
        D(2027, 9, 1),
        D(2027, 12, 22),
        D(2028, 1, 3),
        D(2028, 5, 31),
    )
    # The calendar answers from the new rows: the summer of 2027 plans for its semester 1.
    assert planning_semester_on(D(2027, 7, 15)) == sem1
    assert calendar_on(D(2027, 12, 28)).phase == Phase.BREAK
    event = AuditEvent.objects.get(action="people.school_year.created")
    assert event.actor == world.national
    assert event.data["grade12_ends_on"] == "2028-06-21"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"semester2_starts_on": D(2027, 12, 20)}, "semester2_starts_on"),  # before semester 1 ends
        ({"semester1_ends_on": D(2027, 8, 30)}, "semester1_ends_on"),  # before the year starts
        ({"ends_on": D(2027, 12, 31)}, "ends_on"),  # before semester 2 starts, and in the wrong year
        ({"starts_on": D(2027, 5, 20)}, "starts_on"),  # overlaps 2026/27, which ends on 28.05.2027
        ({"grade9_ends_on": D(2028, 5, 1)}, "grade9_ends_on"),  # before the year's last day
    ],
)
def test_bad_dates_are_refused_on_their_field_and_change_nothing(world: World, change: dict, field: str) -> None:
    years, periods, events = SchoolYear.objects.count(), Period.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        school_year_create(actor=world.national, start_year=2027, **(NEXT_YEAR | change))
    assert field in refused.value.message_dict
    assert (SchoolYear.objects.count(), Period.objects.count(), AuditEvent.objects.count()) == (years, periods, events)


def test_a_year_may_not_run_into_the_next_one(world: World) -> None:
    school_year_create(actor=world.national, start_year=2027, **NEXT_YEAR)
    current = SchoolYear.objects.get(name="2026/27")
    dates = {**NEXT_YEAR, "starts_on": current.starts_on, "semester1_ends_on": D(2026, 12, 18)}
    dates |= {"semester2_starts_on": D(2027, 1, 11), "ends_on": D(2027, 5, 28), "grade12_ends_on": D(2027, 9, 3)}
    dates["grade9_ends_on"] = None
    with pytest.raises(ValidationError) as refused:
        school_year_update(actor=world.national, school_year=current, **dates)
    assert "grade12_ends_on" in refused.value.message_dict or "ends_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as exists:
        school_year_create(actor=world.national, start_year=2027, **NEXT_YEAR)
    assert exists.value.code == "year_exists"


def test_an_estimated_year_stays_estimated_when_corrected_until_confirmed(world: World) -> None:
    current = SchoolYear.objects.get(name="2026/27")
    assert current.is_estimated
    dates = {
        "starts_on": D(2026, 9, 1),
        "semester1_ends_on": D(2026, 12, 22),
        "semester2_starts_on": D(2027, 1, 4),
        "ends_on": D(2027, 5, 28),
        "grade9_ends_on": D(2027, 6, 18),
        "grade12_ends_on": None,
        "source": "MK noteikumi",
    }
    school_year_update(actor=world.national, school_year=current, **dates)
    current.refresh_from_db()
    assert current.is_estimated
    assert current.periods.get(number=1).ends_on == D(2026, 12, 22)
    assert set(current.periods.values_list("is_estimated", flat=True)) == {True}
    updated = AuditEvent.objects.get(action="people.school_year.updated")
    assert updated.data["before"]["semester1_ends_on"] == "2026-12-18"
    assert updated.data["after"]["semester1_ends_on"] == "2026-12-22"

    school_year_confirm(actor=world.national, school_year=current)
    current.refresh_from_db()
    assert not current.is_estimated
    assert set(current.periods.values_list("is_estimated", flat=True)) == {False}
    # Confirming twice records nothing more.
    school_year_confirm(actor=world.national, school_year=current)
    assert AuditEvent.objects.filter(action="people.school_year.confirmed").count() == 1


@pytest.mark.parametrize("persona", ["coordinator_lizuma", "coordinator_gulbene", "teacher_tirzas", "dpo"])
def test_only_the_national_role_manages_the_calendar(world: World, persona: str) -> None:
    user = getattr(world, persona)
    current = SchoolYear.objects.get(name="2026/27")
    with pytest.raises(PermissionDenied):
        school_year_create(actor=user, start_year=2027, **NEXT_YEAR)
    with pytest.raises(PermissionDenied):
        school_year_confirm(actor=user, school_year=current)
    client = client_for(user)
    assert client.get(reverse("school_year_list")).status_code == 404
    assert client.post(reverse("school_year_confirm", args=[2026])).status_code == 404
    assert SchoolYear.objects.get(name="2026/27").is_estimated


def _form(dates: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else (v or "")) for k, v in dates.items()}


def test_the_calendar_pages(world: World) -> None:
    client = client_for(world.national)
    page = client.get(reverse("school_year_list"))
    assert page.status_code == 200
    assert "2026/27" in page.content.decode()

    bad = client.post(
        reverse("school_year_new"), _form({**NEXT_YEAR, "semester2_starts_on": D(2027, 12, 1)}) | {"start_year": "2027"}
    )
    assert bad.status_code == 200
    assert "id_semester2_starts_on_error" in bad.content.decode()
    assert not SchoolYear.objects.filter(name="2027/28").exists()

    done = client.post(reverse("school_year_new"), _form(NEXT_YEAR) | {"start_year": "2027"})
    assert done.status_code == 302
    assert SchoolYear.objects.get(name="2027/28").source == NEXT_YEAR["source"]

    edit = client.get(reverse("school_year_edit", args=[2027]))
    assert 'value="2027-12-22"' in edit.content.decode()
    assert client.get(reverse("school_year_edit", args=[2031])).status_code == 404

    assert client.post(reverse("school_year_confirm", args=[2026])).status_code == 302
    assert not SchoolYear.objects.get(name="2026/27").is_estimated
