"""`pumpurs demo` prepares the Gulbene demo and every login it prints works (issue 2, "Done when")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pumpurs.people.models import Institution
from pumpurs.people.seeding import demo_accounts


@pytest.mark.django_db
def test_demo_prints_one_login_per_role_and_each_can_sign_in() -> None:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue()
    assert Institution.objects.count() == 8
    assert "http://127.0.0.1:8000/" in printed
    assert "http://127.0.0.1:8000/ops/jobs/" in printed
    assert "http://127.0.0.1:8000/healthz" in printed
    usernames = re.findall(r"^\s+(\S+)\s", printed, flags=re.MULTILINE)
    assert usernames == [a.username for a in demo_accounts()]
    assert len(usernames) == 9
    login_page = Client().get(reverse("login"))
    assert "Pieslēgties" in login_page.content.decode()
    for username in usernames:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": "demo"})
        assert response.status_code == 302, username
        assert response.headers["Location"] != reverse("login"), username
        assert client.get(reverse("home"), follow=True).status_code == 200, username
    # A second start finds the data and seeds nothing.
    call_command("demo", "--no-serve", stdout=StringIO())
    assert Institution.objects.count() == 8


@pytest.mark.django_db
def test_the_logins_are_the_last_lines_printed() -> None:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    last = out.getvalue().rstrip("\n").splitlines()[-len(demo_accounts()) :]
    assert [line.split()[0] for line in last] == [a.username for a in demo_accounts()]


def test_a_real_demo_start_writes_notices_to_files_and_prints_a_screenful(tmp_path: Path) -> None:
    """Issue 13, trap 11: the demo printed 2 200 lines of e-mail that buried the logins."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PUMPURS_", "DATABASE_URL", "DJANGO_"))}
    env["PUMPURS_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pumpurs.cli", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout.splitlines()
    assert len(printed) < 60
    assert printed[-1].split()[0] == demo_accounts()[-1].username
    # The demo's worker (started with the demo's environment) sends the queued notices: to files.
    env["PUMPURS_EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    worker = subprocess.run(
        [sys.executable, "-m", "pumpurs.cli", "worker", "--batch"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    mails = list((tmp_path / "demo-mail").iterdir())
    assert mails, "the seeded story's notices are written to files"
    assert "Subject:" in mails[0].read_text(encoding="utf-8")
