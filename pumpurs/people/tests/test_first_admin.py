"""A fresh install without the demo (issue 12): `pumpurs createsuperuser --noinput`, fed from the
environment, makes the first system administrator, who can sign in and reach the overview with
no grant made by hand. A superuser's system-admin role gives no pupil data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Institution, Municipality, Role, RoleGrant, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_from_the_environment_makes_a_working_system_administrator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "admins")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admins@example.lv")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-first-password-2026")
    call_command("createsuperuser", "--noinput", verbosity=0)

    admin = User.objects.get(username="admins")
    assert not RoleGrant.objects.filter(user=admin).exists()  # nothing was granted by hand
    assert access.roles_of(admin) == {Role.SYSTEM_ADMIN}
    assert access.has_perm(admin, Perm.MANAGE_STAFF)
    assert not access.has_perm(admin, Perm.VIEW_PUPILS)

    client = Client()
    assert client.login(username="admins", password="a-long-first-password-2026")
    home = client.get(reverse("home"))
    assert (home.status_code, home.context["start_url"]) == (200, reverse("municipality_list"))
    assert client.get(home.context["start_url"]).status_code == 200
    # The 43 municipalities are there from the migrations; no school exists yet.
    assert Municipality.objects.count() == 43
    assert not Institution.objects.exists()


def test_a_deactivated_superuser_holds_nothing() -> None:
    admin = User.objects.create_superuser("gone", "gone@example.lv", "a-long-first-password-2026")
    admin.is_active = False
    admin.save()
    assert access.roles_of(admin) == set()
