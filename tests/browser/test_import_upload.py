"""Līga Bērza, Lizuma's coordinator, uploads the e-journal's attendance export: she sees the check,
applies it, and every page on the way is accessible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_create
from pumpurs.imports.tasks import import_batch_process
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.imports.tests.test_attendance import rows_for
from pumpurs.journal.models import AttendanceDay
from pumpurs.world.personas import build_world
from tests.browser.test_walkthrough import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_coordinator_uploads_checks_and_applies_an_attendance_file(live_server: Any, page: Any, tmp_path: Path) -> None:
    world = build_world()
    base = live_server.url
    log_in(page, base, world.coordinator_lizuma.username)

    page.get_by_role("link", name="Datu imports").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("import_list"))
    assert_accessible(page)

    page.get_by_role("link", name="Augšupielādēt failu").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("import_upload"))
    assert_accessible(page)
    page.get_by_label("Kas ir failā").select_option("attendance")
    assert page.get_by_label("Skola").input_value() == str(world.lizuma.pk)  # her only school, preselected
    page.get_by_label("Fails", exact=True).set_input_files(str(write_csv(tmp_path / "kavejumi.csv", rows_for(world))))
    page.get_by_role("button", name="Pārbaudīt failu").click()
    page.wait_for_load_state()

    preview = ImportBatch.objects.get()
    assert page.url.endswith(reverse("import_detail", args=[preview.public_id]))
    assert page.get_by_text("Pārbaudīts: kļūdu nav.").count() == 1
    assert AttendanceDay.objects.count() == 0
    assert_accessible(page)

    page.get_by_role("button", name="Ievietot failu").click()
    page.wait_for_load_state()
    applied = ImportBatch.objects.get(preview=preview)
    assert page.url.endswith(reverse("import_detail", args=[applied.public_id]))
    assert page.get_by_text("Ievietots: dati ir ierakstīti.").count() == 1
    assert AttendanceDay.objects.count() == 3
    assert_accessible(page)


def test_a_rejected_file_says_nothing_changed(live_server: Any, page: Any, tmp_path: Path) -> None:
    world = build_world()
    base = live_server.url
    log_in(page, base, world.coordinator_lizuma.username)
    rows = rows_for(world)
    rows[1][2] = -1  # negative lessons
    page.goto(base + reverse("import_upload"))
    page.get_by_label("Kas ir failā").select_option("attendance")
    page.get_by_label("Fails", exact=True).set_input_files(str(write_csv(tmp_path / "kavejumi.csv", rows)))
    page.get_by_role("button", name="Pārbaudīt failu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Fails tika noraidīts: datubāzē nekas netika mainīts.").count() == 1
    assert page.get_by_role("button", name="Ievietot failu").count() == 0
    with page.expect_download() as download:
        page.get_by_role("link", name="Lejupielādēt pilnu kļūdu pārskatu (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert AttendanceDay.objects.count() == 0
    assert_accessible(page)


def test_the_progress_page_follows_a_queued_file_to_its_result(
    live_server: Any, browser: Any, page: Any, tmp_path: Path
) -> None:
    """Without the CSP bypass: the progress script is allowed, polls, and shows the result."""
    world = build_world()
    base = live_server.url
    batch = import_batch_create(
        actor=world.coordinator_lizuma,
        kind="attendance",
        path=write_csv(tmp_path / "kavejumi.csv", rows_for(world)),
        filename="kavejumi.csv",
        institution=world.lizuma,
        dry_run=True,
    )
    url = base + reverse("import_detail", args=[batch.public_id])

    log_in(page, base, world.coordinator_lizuma.username)
    page.goto(url)
    assert page.locator("#import-progress progress").count() == 1
    assert_accessible(page)

    context = browser.new_context(locale="lv-LV")
    strict = context.new_page()
    problems: list[str] = []
    strict.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(strict, base, world.coordinator_lizuma.username)
    strict.goto(url)
    assert strict.get_by_text("Gaida savu kārtu.").count() == 1
    assert import_batch_process.call(batch.pk) == "dry-run"  # the worker picks it up
    strict.get_by_text("Pārbaudīts: kļūdu nav.").wait_for(timeout=10_000)
    assert strict.locator("#import-progress").count() == 0
    context.close()
    assert problems == []
