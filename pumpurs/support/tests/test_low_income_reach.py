"""Trap 9 (issue 13): the family's low-income status is reachable from the pupil, the case and the
plan line that needs it, and a plan warns as soon as such a measure is in it — not at submission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pumpurs.support.catalogue import low_income_status_record
from pumpurs.support.models import LowIncomeStatus, Plan
from pumpurs.support.plans import MeasureInput, plan_save
from pumpurs.support.testing import draft_plan, measure, open_case
from pumpurs.world.personas import World

WARNING = "ir tikai trūcīgu vai maznodrošinātu ģimeņu skolēniem"


def lv_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_items(world: World) -> Plan:
    plan = draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, world.pupil_lizuma))
    lines = [
        MeasureInput(measure=line.measure, planned_quantity=line.planned_quantity, planned_cost=line.planned_cost)
        for line in plan.measures.select_related("measure")
    ]
    lines.append(
        MeasureInput(measure=measure("individual-items"), planned_quantity=Decimal(1), planned_cost=Decimal(40))
    )
    return plan_save(
        actor=world.coordinator_lizuma,
        plan=plan,
        expected_version=plan.version,
        contact_person=plan.contact_person,
        risks=[],
        goals=[],
        measures=lines,
    )


def test_the_status_page_is_linked_from_the_pupil_and_the_case(world: World) -> None:
    plan = with_items(world)
    status_url = reverse("support_pupil:low_income", args=[world.pupil_lizuma.public_id])
    client = lv_client(world.coordinator_lizuma)
    for page in (
        reverse("pupil_detail", args=[world.pupil_lizuma.public_id]),
        reverse("support_case", args=[plan.case.public_id]),
    ):
        html = client.get(page).content.decode()
        assert f'href="{status_url}"' in html, page
    # A class teacher may not record the status: no link to a page that would answer 404.
    teacher = lv_client(world.teacher_lizuma).get(reverse("pupil_detail", args=[world.pupil_lizuma.public_id]))
    assert f'href="{status_url}"' not in teacher.content.decode()


def test_the_plan_warns_as_soon_as_the_measure_is_in_it_and_links_the_status(world: World) -> None:
    plan = with_items(world)  # a draft, not submitted
    status_url = reverse("support_pupil:low_income", args=[world.pupil_lizuma.public_id])
    client = lv_client(world.coordinator_lizuma)
    for page in (reverse("support_plan", args=[plan.public_id]), reverse("support_plan_edit", args=[plan.public_id])):
        html = client.get(page).content.decode()
        assert WARNING in html, page
        assert "Individuālās lietošanas priekšmeti" in html[html.index(WARNING) - 300 :]
        assert f'href="{status_url}"' in html
    teacher_html = lv_client(world.teacher_lizuma).get(reverse("support_plan", args=[plan.public_id])).content.decode()
    assert WARNING in teacher_html
    assert "Statusu reģistrē skolas koordinators." in teacher_html
    # Once the status covers the semester, the warning is gone.
    today = timezone.localdate()
    low_income_status_record(
        actor=world.coordinator_lizuma,
        pupil=world.pupil_lizuma,
        kind=LowIncomeStatus.Kind.LOW_INCOME,
        valid_from=today,
        valid_until=today + dt.timedelta(days=200),
        source="Gulbenes novada sociālais dienests",
    )
    assert WARNING not in client.get(reverse("support_plan", args=[plan.public_id])).content.decode()


def test_a_plan_without_such_a_measure_does_not_warn(world: World) -> None:
    plan = draft_plan(world.coordinator_lizuma, open_case(world.coordinator_lizuma, world.pupil_lizuma))
    assert (
        WARNING
        not in lv_client(world.coordinator_lizuma).get(reverse("support_plan", args=[plan.public_id])).content.decode()
    )
