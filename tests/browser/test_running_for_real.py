"""Running it for real, in the browser (issue 12): a fresh database, no demo and no personas.

The operator sets up the calendar, the first administrator and the register of schools from the
command line. In Chromium, the administrator invites Gulbene's municipality coordinator; the
invitation is a file in the mail directory (as a test installation would have it) and she follows
its link, chooses her password and signs in. A municipality coordinator does not register pupils
(that is a school's work), so she invites Lizuma's school coordinator the same way, who follows
her link, uploads her school's roster on the upload page, applies it and opens her watch list.
Every page on the way is accessible."""

from __future__ import annotations

import email
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from pumpurs.imports.models import ImportBatch
from pumpurs.people.models import Institution, Municipality, Pupil, SchoolYear
from tests.browser.conftest import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
EXAMPLES = Path(settings.PACKAGE_DIR).parent / "docs" / "examples" / "imports"
ADMIN_PASSWORD = "a-long-first-password-2026"
PASSWORD = "Pirmdienas-rits-2026"


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core found serious/critical violations on {page.url}:\n{describe(violations)}"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()


def link_in_mail(mail_dir: Path, recipient: str) -> str:
    """The invitation link of the newest message to ``recipient`` among the mail files."""
    for path in sorted(mail_dir.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        for chunk in reversed(path.read_bytes().split(b"-" * 79)):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk.lstrip())
            if recipient not in str(message["To"]):
                continue
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            found = re.search(r"https?://[^/\s]+(/invitation/\S+)", body)
            assert found is not None, body
            return found.group(1)
    raise AssertionError(f"no mail to {recipient} in {mail_dir}")


def invite(page: Any, base: str, place: str, first: str, last: str, address: str, role: str) -> None:
    """On the staff page of ``place`` (a URL), the invitation form: fill it and send."""
    page.goto(base + place)
    assert_accessible(page)
    page.locator(f"main a[href$='{place}invite/']").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.fill("input[name=first_name]", first)
    page.fill("input[name=last_name]", last)
    page.fill("input[name=email]", address)
    page.select_option("select[name=role]", role)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(place), page.url
    assert f"{first} {last}" in page.locator("main").inner_text()


def accept(page: Any, base: str, link: str) -> None:
    page.context.clear_cookies()
    page.goto(base + link)
    assert_accessible(page)
    page.fill("input[name=new_password1]", PASSWORD)
    page.fill("input[name=new_password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("login"))


def test_from_an_empty_database_to_a_watch_list_in_the_browser(
    live_server: Any, page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    assert not SchoolYear.objects.exists()
    assert not Institution.objects.exists()
    mail_dir = tmp_path / "mail"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(mail_dir)},
        }
    }
    # The operator, on the command line (docs/operations.md).
    call_command("calendar", "ensure", verbosity=0)
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admins")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admins@example.lv")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", ADMIN_PASSWORD)
    call_command("createsuperuser", "--noinput", verbosity=0)
    out = io.StringIO()
    call_command("import", "institutions", str(EXAMPLES / "institutions.csv"), "--json", stdout=out)
    assert json.loads(out.getvalue())["status"] == "applied"
    lizums = Institution.objects.get(code="DEMO-LIZUMS")
    gulbene = Municipality.objects.get(pk=lizums.municipality_id)
    base = live_server.url

    # The administrator invites the municipality coordinator.
    sign_in(page, base, "admins", ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Galvenā navigācija").get_by_role("link", name="Darbinieki").click()
    page.wait_for_load_state()
    assert_accessible(page)
    invite(
        page,
        base,
        reverse("staff_municipality", args=[gulbene.public_id]),
        "Inese",
        "Gulbe",
        "inese.gulbe@gulbene.lv",
        "municipality_coordinator",
    )

    # She follows the link in her mail, chooses a password, signs in and invites Lizuma's coordinator.
    accept(page, base, link_in_mail(mail_dir, "inese.gulbe@gulbene.lv"))
    sign_in(page, base, "inese.gulbe@gulbene.lv", PASSWORD)
    assert_accessible(page)
    invite(
        page,
        base,
        reverse("staff_school", args=[lizums.public_id]),
        "Līga",
        "Bērza",
        "liga.berza@lizums.lv",
        "school_coordinator",
    )

    # Līga does the same, then uploads her school's roster: checked first, then applied.
    accept(page, base, link_in_mail(mail_dir, "liga.berza@lizums.lv"))
    sign_in(page, base, "liga.berza@lizums.lv", PASSWORD)
    header, *rows = (EXAMPLES / "pupils.csv").read_text(encoding="utf-8").splitlines()
    lizums_rows = [line for line in rows if ",DEMO-LIZUMS," in line]
    roster = tmp_path / "skoleni.csv"
    roster.write_text("\n".join([header, *lizums_rows]) + "\n", encoding="utf-8")
    page.get_by_role("link", name="Datu imports").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Augšupielādēt failu").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Kas ir failā").select_option("pupils")
    assert page.get_by_label("Skola").input_value() == str(lizums.pk)  # her only school
    page.get_by_label("Fails", exact=True).set_input_files(str(roster))
    page.get_by_role("button", name="Pārbaudīt failu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Pārbaudīts: kļūdu nav.").count() == 1, page.locator("main").inner_text()
    assert Pupil.objects.count() == 0
    page.get_by_role("button", name="Ievietot failu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Ievietots: dati ir ierakstīti.").count() == 1
    assert Pupil.objects.count() == len(lizums_rows) > 0
    assert ImportBatch.objects.filter(kind="pupils", dry_run=False, status="applied").count() == 1
    assert_accessible(page)

    # Her watch list: her school, this semester, nobody flagged yet — said in words.
    page.get_by_role("navigation", name="Galvenā navigācija").get_by_role("link", name="Uzraudzības saraksts").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Lizuma pamatskola" in main
    assert "1. semestris (2026/27)" in main
    assert "Neviens jums redzams skolēns nav uzraudzības sarakstā." in main
    assert_accessible(page)
