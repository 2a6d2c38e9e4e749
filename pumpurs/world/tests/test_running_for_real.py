"""Running it for real (issue 12, "Done when"), without the demo and without the test personas:
an empty database is migrated; the operator sets up the calendar, the first administrator and the
register of schools from the command line (docs/operations.md); the administrator invites the
school's coordinator from the web; she sets her password through the invitation link, signs in,
imports her pupils from the upload page and sees her watch list. The same in Chromium:
tests/browser/test_running_for_real.py; with nothing but commands: the second test here."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, TestCase
from django.urls import reverse

from pumpurs.imports.models import ImportBatch
from pumpurs.people.models import Institution, Pupil, SchoolYear, User
from pumpurs.risk.selectors.watch import watch_list

pytestmark = pytest.mark.django_db
EXAMPLES = Path(settings.PACKAGE_DIR).parent / "docs" / "examples" / "imports"
PASSWORD = "Pirmdienas-rits-2026"


def command(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue()) if "--json" in args else {"text": out.getvalue()}


def test_from_an_empty_database_to_a_coordinator_s_watch_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not SchoolYear.objects.exists()
    assert not Institution.objects.exists()

    # The operator (docs/operations.md, sections 3 and 6).
    command("calendar", "ensure")
    assert SchoolYear.objects.filter(name__in=["2026/27", "2027/28"]).count() == 2
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admins")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admins@example.lv")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-first-password-2026")
    call_command("createsuperuser", "--noinput", verbosity=0)
    schools = command("import", "institutions", str(EXAMPLES / "institutions.csv"), "--json")
    assert schools["status"] == "applied"
    lizums = Institution.objects.get(code="DEMO-LIZUMS")

    # The system administrator invites the school's coordinator.
    admin = Client(HTTP_ACCEPT_LANGUAGE="lv")
    assert admin.login(username="admins", password="a-long-first-password-2026")
    invite = {"first_name": "Līga", "last_name": "Bērza", "email": "liga.berza@lizums.lv", "role": "school_coordinator"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = admin.post(reverse("staff_school_invite", args=[lizums.public_id]), invite)
    assert sent.status_code == 302
    link = re.search(r"https?://[^/\s]+(/invitation/\S+)", mail.outbox[-1].body)
    assert link is not None

    # She sets her password through the link and signs in with her e-mail address.
    liga = Client(HTTP_ACCEPT_LANGUAGE="lv")
    assert liga.post(link.group(1), {"new_password1": PASSWORD, "new_password2": PASSWORD}).status_code == 302
    assert liga.login(username="liga.berza@lizums.lv", password=PASSWORD)

    # She checks her school's roster (its rows of the example file) on the upload page, then applies it.
    header, *rows = (EXAMPLES / "pupils.csv").read_text(encoding="utf-8").splitlines()
    lizums_rows = [line for line in rows if ",DEMO-LIZUMS," in line]
    roster = "\n".join([header, *lizums_rows]).encode()
    form = {"kind": "pupils", "institution": lizums.pk, "encoding": "", "sheet": ""}
    with TestCase.captureOnCommitCallbacks(execute=True):
        checked = liga.post(reverse("import_upload"), {**form, "file": SimpleUploadedFile("skoleni.csv", roster)})
    assert checked.status_code == 302, checked.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert (batch.status, batch.dry_run) == ("dry-run", True), batch.errors
    with TestCase.captureOnCommitCallbacks(execute=True):
        applied = liga.post(reverse("import_apply", args=[batch.public_id]))
    assert applied.status_code == 302
    assert Pupil.objects.count() == len(lizums_rows) > 0

    # Her watch list: her school, this semester, nobody flagged yet — said in words.
    watch = liga.get(reverse("watch_list"))
    body = watch.content.decode()
    assert watch.status_code == 200
    assert "Lizuma pamatskola" in body
    assert "1. semestris (2026/27)" in body
    assert "Neviens jums redzams skolēns nav uzraudzības sarakstā." in body


def test_the_same_path_with_nothing_but_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every step through ``pumpurs`` commands: the calendar, the first administrator, the schools,
    the staff (invited by mail), the roster under the school coordinator's authority, the nightly
    refresh; her watch list is then what the page would show her."""
    command("calendar", "ensure")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admins")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admins@example.lv")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-first-password-2026")
    call_command("createsuperuser", "--noinput", verbosity=0)
    assert command("import", "institutions", str(EXAMPLES / "institutions.csv"), "--json")["status"] == "applied"
    lizums = Institution.objects.get(code="DEMO-LIZUMS")

    staff = tmp_path / "darbinieki.csv"
    staff.write_text(
        "vārds,uzvārds,e-pasts,loma,iestādes_kods,pašvaldības_kods,speciālista_veids,klase\n"
        "Inese,Gulbe,inese.gulbe@gulbene.lv,pašvaldības koordinators,,gulbenes-novads,,\n"
        "Līga,Bērza,liga.berza@lizums.lv,skolas koordinators,DEMO-LIZUMS,,,\n",
        encoding="utf-8",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        hired = command("import", "staff", str(staff), "--json")
    assert (hired["status"], hired["created"]) == ("applied", 2), hired
    invited = {m.to[0] for m in mail.outbox if re.search(r"/invitation/\S+", m.body)}
    assert invited == {"inese.gulbe@gulbene.lv", "liga.berza@lizums.lv"}

    header, *rows = (EXAMPLES / "pupils.csv").read_text(encoding="utf-8").splitlines()
    lizums_rows = [line for line in rows if ",DEMO-LIZUMS," in line]
    roster = tmp_path / "skoleni.csv"
    roster.write_text("\n".join([header, *lizums_rows]) + "\n", encoding="utf-8")
    # The municipality coordinator does not register pupils — a school does; the file changes nothing.
    with pytest.raises(CommandError) as refused:
        command("import", "pupils", str(roster), "--user", "inese.gulbe@gulbene.lv", "--json")
    assert refused.value.returncode == 2
    assert not Pupil.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        applied = command("import", "pupils", str(roster), "--user", "liga.berza@lizums.lv", "--json")
    assert (applied["status"], applied["created"]) == ("applied", len(lizums_rows)), applied
    assert Pupil.objects.count() == len(lizums_rows) > 0

    command("indicators", "refresh")
    liga = User.objects.get(username="liga.berza@lizums.lv")
    watch = watch_list(liga, institution=lizums)
    assert watch.period is not None
    assert (str(watch.period), watch.total, watch.unassessed) == ("1. semestris (2026/27)", 0, len(lizums_rows))
