"""Inese Gulbe, the Gulbene coordinator, opens "Children without a school" from her menu: Anna
left Lizuma ten days ago and is enrolled nowhere; the page is accessible and the CSV downloads;
Anna's case waits at Tirzas's coordinator once she is enrolled there, and disappears from Inese's
list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from pumpurs.people.models import Enrolment
from pumpurs.people.services import enrolment_end, pupil_enrol
from pumpurs.support.testing import open_case
from pumpurs.world.personas import build_world
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_walkthrough import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def test_the_coordinator_follows_children_without_a_school(live_server: Any, page: Any) -> None:
    world = build_world()
    case = open_case(world.teacher_lizuma, world.pupil_lizuma)
    enrolment = Enrolment.objects.get(pupil=world.pupil_lizuma, ends_on__isnull=True)
    ten_days_ago = timezone.localdate() - dt.timedelta(days=10)
    enrolment_end(actor=world.coordinator_lizuma, enrolment=enrolment, ends_on=ten_days_ago, reason="left")

    log_in(page, live_server.url, world.coordinator_gulbene.username)
    nav = page.get_by_role("navigation", name="Galvenā navigācija")
    nav.get_by_role("link", name="Bērni bez skolas").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Bērni bez skolas"
    row = page.get_by_role("row").filter(has_text="Kalniņa Anna")
    assert "Lizuma" in row.inner_text()
    assert "10" in row.inner_text()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Lejupielādēt CSV formātā").click()
    assert "Kalniņa;Anna" in Path(download.value.path()).read_text(encoding="utf-8-sig")

    # Tirzas enrols her: she is off Inese's list, and her case waits for Tirzas's coordinator.
    pupil_enrol(
        actor=world.coordinator_tirzas,
        pupil=world.pupil_lizuma,
        class_group=world.tirzas_7a,
        starts_on=timezone.localdate(),
    )
    page.reload()
    assert page.get_by_text("Kalniņa Anna").count() == 0
    assert_accessible(page)

    page.context.clear_cookies()
    log_in(page, live_server.url, world.coordinator_tirzas.username)
    page.goto(live_server.url + "/support/")
    page.get_by_role("link", name="1 mums nodots gadījums gaida pārņemšanu").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Mums nodotie gadījumi"
    assert_accessible(page)
    page.get_by_role("button", name="Pārņemt gadījumu: Anna").click()
    page.wait_for_load_state()
    assert "Gadījums tagad ir jūsu skolas." in page.content()
    assert_accessible(page)
    case.refresh_from_db()
    assert case.institution == world.tirzas
