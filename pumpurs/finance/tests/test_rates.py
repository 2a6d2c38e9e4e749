"""The rates page and API (issue 14): Dace (national programme) sets the psychologist's national
rate; Inese (Gulbene) sets Gulbene's own transport rate where the programme allows it and cannot
set a national one; Madona's coordinator never sees Gulbene's rate; two editors of one measure
never overwrite each other (the second is told, nothing is saved); unknown rates show "not set".
Runs on both engines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.finance.models import Rate
from pumpurs.finance.rates import rate_set, rate_version
from pumpurs.support.catalogue import measure_change
from pumpurs.support.testing import measure
from pumpurs.support.tests import stories
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db

in_english = pytest.fixture(autouse=True)(stories.english)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def allow_municipal_transport(world: World) -> None:
    measure_change(
        actor=world.national, measure=measure("transport"), effective_from=world.year.starts_on,
        municipal_rate_allowed=True,
    )  # fmt: skip


def form(code: str, version: int, day: dt.date, **extra: str) -> dict[str, Any]:
    return {"measure": code, "version": version, "valid_from": day.isoformat(), "unit": "", "cap_unit": "",
            "cap_semester": "", "cap_month": "", "note": "", **extra}  # fmt: skip


def test_unknown_rates_are_not_set_and_examples_are_marked(world: World) -> None:
    page = signed_in(world.coordinator_gulbene).get(reverse("finance_rates")).content.decode()
    assert page.count("not set") >= 2  # nothing is priced yet: never an invented figure
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=world.year.starts_on,
             unit_cents=2500, is_example=True)  # fmt: skip
    page = signed_in(world.coordinator_gulbene).get(reverse("finance_rates")).content.decode()
    assert "25.00" in page
    assert "(example)" in page


def test_the_national_role_sets_a_rate_through_the_page_and_the_history_keeps_the_old_one(world: World) -> None:
    client = signed_in(world.national)
    start = world.year.starts_on
    response = client.post(reverse("finance_rate_set"), form("consult-psychologist", 0, start, unit="25,00"))
    assert response.status_code == 302
    later = start + dt.timedelta(days=90)
    response = client.post(
        reverse("finance_rate_set"), form("consult-psychologist", 1, later, unit="27,50", cap_month="100")
    )
    assert response.status_code == 302
    old, new = Rate.objects.filter(measure_code="consult-psychologist").order_by("valid_from")
    assert (old.unit_cents, old.valid_to, new.unit_cents, new.cap_month_cents) == (
        2500,
        later - dt.timedelta(days=1),
        2750,
        10000,
    )
    assert AuditEvent.objects.filter(action="finance.rate.set", actor_id=world.national.pk).count() == 2
    page = client.get(reverse("finance_rates"), {"measure": "consult-psychologist"}).content.decode()
    assert "25.00" in page  # the history shows both
    assert "27.50" in page


def test_a_second_editor_with_a_stale_version_changes_nothing(world: World) -> None:
    start = world.year.starts_on
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=start, unit_cents=2500)
    seen = rate_version("consult-psychologist")
    # Someone else sets a rate after the page was opened …
    rate_set(actor=world.national, measure_code="consult-psychologist", valid_from=start + dt.timedelta(days=30),
             unit_cents=2600)  # fmt: skip
    response = signed_in(world.national).post(
        reverse("finance_rate_set"),
        form("consult-psychologist", seen, start + dt.timedelta(days=60), unit="99,00"),
    )
    assert response.status_code == 409
    assert "Someone else set a rate" in response.content.decode()
    assert not Rate.objects.filter(unit_cents=9900).exists()
    assert Rate.objects.get(unit_cents=2600).valid_to is None  # not ended by the stale edit


def test_a_municipality_sets_its_own_rate_only_where_allowed_and_never_a_national_one(world: World) -> None:
    client = signed_in(world.coordinator_gulbene)
    start = world.year.starts_on
    refused = client.post(reverse("finance_rate_set"), form("consult-psychologist", 0, start, unit="1,00"))
    assert refused.status_code == 400  # the psychologist's rate is national only
    assert not Rate.objects.exists()
    allow_municipal_transport(world)
    refused = client.post(reverse("finance_rate_set"), form("transport", 0, start, unit="1,00"))
    assert refused.status_code == 400  # no municipality chosen: that would be the national rate
    assert not Rate.objects.exists()
    done = client.post(
        reverse("finance_rate_set"), form("transport", 0, start, unit="1,20", municipality=str(world.gulbene.pk))
    )
    assert done.status_code == 302
    rate = Rate.objects.get()
    assert (rate.municipality, rate.unit_cents) == (world.gulbene, 120)
    # Madona's coordinator never sees Gulbene's rate, and cannot set one for Gulbene.
    madona = signed_in(world.coordinator_madona)
    page = madona.get(reverse("finance_rates"), {"measure": "transport"}).content.decode()
    assert "1.20</td>" not in page
    refused = madona.post(
        reverse("finance_rate_set"), form("transport", 1, start, unit="0,10", municipality=str(world.gulbene.pk))
    )
    assert refused.status_code == 400
    assert Rate.objects.count() == 1


def test_a_teacher_sees_no_rates_and_an_unknown_measure_is_404(world: World) -> None:
    assert signed_in(world.teacher_lizuma).get(reverse("finance_rates")).status_code == 404
    assert signed_in(world.national).get(reverse("finance_rates"), {"measure": "no-such"}).status_code == 404
    response = signed_in(world.teacher_lizuma).post(
        reverse("finance_rate_set"), form("consult-psychologist", 0, world.year.starts_on, unit="1,00")
    )
    assert response.status_code == 404
    assert not Rate.objects.exists()
