"""Issue 13, "Forms": the staff forms (invite, a person's roles) keep what was typed on a refusal
and show the error summary linking to each field; nothing is written."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from pumpurs.core.testing import assert_kept, assert_summary_links
from pumpurs.people.models import RoleGrant, User
from pumpurs.world.personas import World


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_refused_invitation_keeps_the_name_and_links_the_email_and_the_kind(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    form = {"first_name": "Baiba", "last_name": "Kalna", "email": "baiba.kalna@", "role": "specialist"}
    response = client.post(reverse("staff_school_invite", args=[world.lizuma.public_id]), form)
    summary = assert_kept(
        response, id_first_name="Baiba", id_last_name="Kalna", id_email="baiba.kalna@", id_role="specialist"
    )
    assert_summary_links(summary, "id_email", "id_specialist_kind")
    assert not User.objects.filter(last_name="Kalna", first_name="Baiba").exists()


def test_a_refused_role_keeps_the_role_and_place_chosen(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    place = f"school:{world.lizuma.public_id}"
    grants = RoleGrant.objects.count()
    response = client.post(
        reverse("staff_person", args=[world.teacher_lizuma.public_id]), {"role": "specialist", "place": place}
    )
    summary = assert_kept(response, id_role="specialist", id_place=place)
    assert_summary_links(summary, "id_specialist_kind")
    assert RoleGrant.objects.count() == grants
