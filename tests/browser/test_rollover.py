"""Līga Bērza, Lizuma's coordinator, moves her school into 2027/28 in the summer: she opens the
rollover from the menu, reads the preview, marks a pupil who moved abroad, confirms and applies —
accessible at every step; a second look says there is nothing left to move."""

from __future__ import annotations

from typing import Any

import pytest

from pumpurs.people.models import Enrolment
from pumpurs.world.personas import CALENDAR_DAYS, build_world
from pumpurs.world.testing import on_day
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    on_day(CALENDAR_DAYS["mid_summer"], "mid_summer"),
]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_the_coordinator_rolls_her_school_over(live_server: Any, page: Any) -> None:
    world = build_world()
    log_in(page, live_server.url, world.coordinator_lizuma.username)
    page.get_by_role("navigation", name="Galvenā navigācija").get_by_role(
        "link", name="Pāreja uz jauno mācību gadu"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Pāreja uz jauno mācību gadu — Lizuma pamatskola"
    assert page.get_by_text("Šmits Roberts").count() == 1
    assert page.get_by_text("Bērziņš Jānis").count() == 0  # Tirzas' pupil is not hers
    assert_accessible(page)

    # Roberts moved abroad over the summer; she applies without ticking the confirmation first.
    page.get_by_label("Nākamajā mācību gadā: Roberts").select_option("moved_abroad")
    page.get_by_role("button", name="Veikt pāreju").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().strip() == "Atzīmējiet apstiprinājumu, lai veiktu pāreju."
    assert Enrolment.objects.filter(ends_on__isnull=True, class_group__school_year__name="2027/28").count() == 0
    assert_accessible(page)

    page.get_by_label("Esmu pārbaudījis priekšskatījumu").check()
    page.get_by_role("button", name="Veikt pāreju").click()
    page.wait_for_load_state()
    assert "Pāreja uz 2027/28 veikta: 1 pāriet nākamajā klasē, 0 pabeidz, 1 neturpina." in page.content()
    assert page.get_by_text("Nav ko pārcelt").count() == 1
    assert_accessible(page)
    anna = Enrolment.objects.get(pupil=world.pupil_lizuma, ends_on__isnull=True)
    assert (anna.class_group.name, anna.class_group.school_year.name) == ("8.a", "2027/28")
    assert Enrolment.objects.get(pupil=world.pupil_lizuma_8a).end_reason == "moved_abroad"
