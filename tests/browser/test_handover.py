"""A case moves with its pupil when the new school takes it over (issue 12, decision 0020).

Ilze Ozola, Anna Kalniņa's class teacher at Lizuma, opens a support case and logs a talk with
Anna's mother; Anna then moves to Tirzas. In Chromium, Anna Vītola, Tirzas's coordinator, sees
on her case list that one case waits for her, opens "Cases handed over to us", takes it over and
lands on the case, which Tirzas now runs. Līga Bērza, Lizuma's coordinator, still opens the case
but reads it as history: Lizuma's own work, not Tirzas's, and nothing to change it with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pumpurs.people.models import Enrolment
from pumpurs.people.services import enrolment_end, pupil_enrol
from pumpurs.support.cases import contact_log
from pumpurs.support.models import Case
from pumpurs.support.testing import open_case
from pumpurs.world.personas import World, build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def move_to_tirzas(world: World) -> None:
    """Anna moves as a transfer goes: Lizuma ends her enrolment yesterday, Tirzas enrols her today."""
    today = timezone.localdate()
    current = Enrolment.objects.get(pupil=world.pupil_lizuma, ends_on__isnull=True)
    enrolment_end(
        actor=world.coordinator_lizuma,
        enrolment=current,
        ends_on=today - dt.timedelta(days=1),
        reason=Enrolment.EndReason.TRANSFERRED,
    )
    pupil_enrol(actor=world.coordinator_tirzas, pupil=world.pupil_lizuma, class_group=world.tirzas_7a, starts_on=today)


def fact(page: Any, term: str) -> str:
    """The value the case page's facts list gives for ``term``."""
    return page.locator("dl.facts > div").filter(has=page.locator("dt", has_text=term)).locator("dd").inner_text()


def test_the_new_school_takes_over_a_case_and_the_old_one_keeps_its_history(
    live_server: Any, page: Any, clock: Any
) -> None:
    world = build_world()
    base = live_server.url
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    lizuma_said = "Lizumā: saruna ar mammu par kavējumiem"
    contact_log(
        actor=world.teacher_lizuma,
        case=case,
        happened_at=timezone.now() - dt.timedelta(hours=1),
        channel="phone",
        summary=lizuma_said,
    )
    move_to_tirzas(world)
    case_url = reverse("support_case", args=[case.public_id])

    # Tirzas's coordinator: her case list tells her one case waits; she opens the page.
    log_in(page, base, world.coordinator_tirzas.username)
    page.goto(base + reverse("support_case_list"))
    assert_accessible(page)
    page.get_by_role("link", name="1 mums nodots gadījums gaida pārņemšanu").click()
    page.wait_for_load_state()
    assert page.url == base + reverse("support_handovers")
    assert page.get_by_role("heading", level=1).inner_text() == "Mums nodotie gadījumi"
    row = page.get_by_role("row").filter(has_text="Anna Kalniņa")
    assert row.count() == 1
    assert "Lizuma pamatskola" in row.inner_text()
    assert "Tirzas pamatskola" in row.inner_text()
    assert_accessible(page)

    # She takes it over and lands on the case, which her school now runs, Lizuma's log with it.
    row.get_by_role("button", name="Pārņemt gadījumu: Anna").click()
    page.wait_for_load_state()
    assert page.url == base + case_url
    assert "Gadījums tagad ir jūsu skolas." in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Atbalsta gadījums: Anna Kalniņa"
    assert fact(page, "Skola") == "Tirzas pamatskola"
    assert page.get_by_text(lizuma_said).count() == 1
    contact_add = reverse("support_contact_add", args=[case.public_id])
    assert page.locator(f"main form[action='{contact_add}']").count() == 1  # hers to work on now
    assert_accessible(page)
    case.refresh_from_db()
    assert case.institution == world.tirzas
    # Nothing waits any more: the case list no longer offers the link.
    page.goto(base + reverse("support_case_list"))
    assert page.get_by_role("link", name="gaida pārņemšanu").count() == 0

    # Tirzas works on; what it writes after taking over is its own.
    clock.shift(dt.timedelta(minutes=5))
    tirzas_said = "Tirzā: pirmā saruna ar mammu"
    contact_log(
        actor=world.coordinator_tirzas,
        case=Case.objects.get(pk=case.pk),
        happened_at=timezone.now(),
        channel="phone",
        summary=tirzas_said,
    )

    # Lizuma's coordinator opens the case from her list and reads it as history, read-only.
    page.context.clear_cookies()
    log_in(page, base, world.coordinator_lizuma.username)
    page.goto(base + reverse("support_case_list"))
    page.get_by_role("link", name="Anna Kalniņa").click()
    page.wait_for_load_state()
    assert page.url == base + case_url
    assert page.get_by_role("heading", level=1).inner_text() == "Atbalsta gadījums: Anna Kalniņa"
    history = page.get_by_role("status").filter(has_text="nodeva šo gadījumu skolēna jaunajai skolai")
    assert history.count() == 1
    assert "vairs nevarat to mainīt" in history.inner_text()
    assert fact(page, "Skola") == "Tirzas pamatskola"
    assert page.get_by_text(lizuma_said).count() == 1
    assert page.get_by_text(tirzas_said).count() == 0
    # No form to change it: no contact, consent, team, plan, close or reopen.
    assert page.locator("main form").count() == 0
    assert page.locator("main button").count() == 0
    assert page.locator(f"main form[action='{contact_add}']").count() == 0
    assert_accessible(page)
