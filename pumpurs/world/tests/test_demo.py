"""`pumpurs demo` prepares the Gulbene demo and every login it prints works (issue 2, "Done when")."""

from __future__ import annotations

import re
from io import StringIO

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
