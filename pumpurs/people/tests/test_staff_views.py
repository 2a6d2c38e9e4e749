"""The staff pages, the invitation link and the password pages, as the personas use them."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pumpurs.audit.models import AuditEvent
from pumpurs.people.models import Role, RoleGrant, User
from pumpurs.world.personas import PASSWORD, World

NEW_PASSWORD = "Sniegs-uz-Gaiziņa-2026"


def en() -> Client:
    # The pages are checked in English; Latvian, the default, is checked where it matters.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(user: User) -> Client:
    client = en()
    client.force_login(user)
    return client


def link_in_last_mail(prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({prefix}\S+)", mail.outbox[-1].body)
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def invite(world: World) -> str:
    """Līga Bērza invites a new class teacher to Lizuma; returns the link's path."""
    client = signed_in(world.coordinator_lizuma)
    form = {"first_name": "Baiba", "last_name": "Kalna", "email": "baiba.kalna@lizums.lv", "role": "class_teacher"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("staff_school_invite", args=[world.lizuma.public_id]), form)
    assert response.status_code == 302
    return link_in_last_mail("/invitation/")


def test_the_school_staff_list_shows_who_leads_which_class(world: World) -> None:
    body = signed_in(world.coordinator_lizuma).get(reverse("staff_school", args=[world.lizuma.public_id]))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Ilze Ozola" in text
    assert "7.a" in text
    assert "Māris Egle" in text
    assert "Dace Kalna" not in text  # Tirzas


def test_the_municipality_list_is_the_municipality_coordinators(world: World) -> None:
    client = signed_in(world.coordinator_gulbene)
    response = client.get(reverse("staff_municipality", args=[world.gulbene.public_id]))
    assert response.status_code == 200
    assert "Anna Vītola" in response.content.decode()
    assert client.get(reverse("staff_municipality", args=[world.madona.public_id])).status_code == 404
    # A school coordinator reads her school's list, not her municipality's.
    coordinator = signed_in(world.coordinator_lizuma)
    assert coordinator.get(reverse("staff_municipality", args=[world.gulbene.public_id])).status_code == 404
    assert coordinator.get(reverse("staff_school", args=[world.tirzas.public_id])).status_code == 404


def test_the_staff_menu_is_for_those_who_appoint(world: World) -> None:
    assert 'href="/staff/"' in signed_in(world.director_lizuma).get(reverse("staff_index")).content.decode()
    teacher = signed_in(world.teacher_lizuma)
    assert teacher.get(reverse("staff_index")).status_code == 404
    assert (
        'href="/staff/"' not in teacher.get(reverse("class_detail", args=[world.lizuma_7a.public_id])).content.decode()
    )


def test_an_invitation_from_the_form_to_the_first_sign_in(world: World) -> None:
    link = invite(world)
    visitor = en()
    page = visitor.get(link)
    assert page.status_code == 200
    assert "baiba.kalna@lizums.lv" in page.content.decode()
    done = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("login")
    assert visitor.login(username="baiba.kalna@lizums.lv", password=NEW_PASSWORD)
    # The same link again: a clear page, and the password stays as it was.
    again = en().post(link, {"new_password1": "Cita-parole-2026-x", "new_password2": "Cita-parole-2026-x"})
    assert again.status_code == 404
    assert "This link no longer works" in again.content.decode()
    assert User.objects.get(username="baiba.kalna@lizums.lv").check_password(NEW_PASSWORD)
    assert "Šī saite vairs nedarbojas" in Client().get(link).content.decode()


def test_an_expired_invitation_link_changes_nothing(world: World) -> None:
    link = invite(world)
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)):
        response = en().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    assert not User.objects.get(username="baiba.kalna@lizums.lv").has_usable_password()


def test_inviting_at_tirzas_from_lizuma_is_404_and_writes_nothing(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    form = {"first_name": "X", "last_name": "Y", "email": "x@tirza.lv", "role": "class_teacher"}
    assert client.post(reverse("staff_school_invite", args=[world.tirzas.public_id]), form).status_code == 404
    assert not User.objects.filter(email="x@tirza.lv").exists()
    # A role above her own, at her own school, is not offered and not accepted.
    form["role"] = "director"
    response = client.post(reverse("staff_school_invite", args=[world.lizuma.public_id]), form)
    assert response.status_code == 400  # refused on the form, as typed
    assert not User.objects.filter(email="x@tirza.lv").exists()


def test_grant_and_revoke_from_the_person_page(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    page = reverse("staff_person", args=[world.teacher_lizuma.public_id])
    where = f"school:{world.lizuma.public_id}"
    response = client.post(page, {"role": "specialist", "place": where, "specialist_kind": "social_pedagogue"})
    assert response.status_code == 302
    assert world.teacher_lizuma.role_grants.filter(role=Role.SPECIALIST).exists()
    revoke = reverse("staff_revoke", args=[world.teacher_lizuma.public_id])
    client.post(revoke, {"role": "specialist", "specialist_kind": "social_pedagogue", "place": where})
    assert not world.teacher_lizuma.role_grants.filter(role=Role.SPECIALIST).exists()
    # Another school's place in the form: 404, nothing revoked.
    tirzas = f"school:{world.tirzas.public_id}"
    assert client.post(revoke, {"role": "class_teacher", "place": tirzas}).status_code == 404
    assert RoleGrant.objects.filter(user=world.teacher_tirzas).exists()


def test_deactivation_asks_first_then_ends_sign_in(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    url = reverse("staff_deactivate", args=[world.teacher_lizuma.public_id])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Ilze Ozola" in confirm.content.decode()
    world.teacher_lizuma.refresh_from_db()
    assert world.teacher_lizuma.is_active  # a GET changes nothing
    client.post(url)
    world.teacher_lizuma.refresh_from_db()
    assert not world.teacher_lizuma.is_active
    assert not en().login(username="ilze.ozola", password=PASSWORD)
    listed = client.get(reverse("staff_school", args=[world.lizuma.public_id])).content.decode()
    assert "left (deactivated)" in listed


def test_the_class_teacher_is_changed_by_the_coordinator(world: World) -> None:
    client = signed_in(world.coordinator_lizuma)
    url = reverse("class_teacher", args=[world.lizuma_7a.public_id])
    assert client.post(url, {"teacher": world.teacher_lizuma_8a.pk}).status_code == 302
    world.lizuma_7a.refresh_from_db()
    assert world.lizuma_7a.class_teacher == world.teacher_lizuma_8a
    assert client.post(url, {"teacher": world.teacher_tirzas.pk}).status_code == 200  # not offered
    world.lizuma_7a.refresh_from_db()
    assert world.lizuma_7a.class_teacher == world.teacher_lizuma_8a


def test_a_forgotten_password_is_reset_through_a_one_time_link(world: World) -> None:
    world.teacher_lizuma.email = "ilze.ozola@lizums.lv"
    world.teacher_lizuma.save()
    client = en()
    assert client.post(reverse("password_reset"), {"email": "ilze.ozola@lizums.lv"}).status_code == 302
    link = link_in_last_mail("/password/reset/")
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    assert client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert en().login(username="ilze.ozola", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password.reset", actor=world.teacher_lizuma).exists()
    assert "no longer works" in en().get(link, follow=True).content.decode()
    # An unknown address gets the same page and no mail.
    sent = len(mail.outbox)
    assert client.post(reverse("password_reset"), {"email": "nav@nekur.lv"}).status_code == 302
    assert len(mail.outbox) == sent


def test_a_deactivated_account_gets_no_reset_mail(world: World) -> None:
    world.teacher_lizuma.email = "ilze.ozola@lizums.lv"
    world.teacher_lizuma.is_active = False
    world.teacher_lizuma.save()
    en().post(reverse("password_reset"), {"email": "ilze.ozola@lizums.lv"})
    assert not mail.outbox


def test_a_signed_in_teacher_changes_her_password(world: World) -> None:
    client = signed_in(world.teacher_lizuma)
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(reverse("password_change"), form).status_code == 302
    assert en().login(username="ilze.ozola", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password.changed", actor=world.teacher_lizuma).exists()


def test_the_staff_lists_cost_the_same_queries_for_ten_more_people(world: World) -> None:
    client = signed_in(world.coordinator_gulbene)
    school = reverse("staff_school", args=[world.lizuma.public_id])
    municipality = reverse("staff_municipality", args=[world.gulbene.public_id])

    def cost() -> tuple[int, int]:
        counts = []
        for url in (school, municipality):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts[0], counts[1]

    # The first page of a session also counts "Mani darbi" for the menu (kept a minute): warm it.
    client.get(reverse("home"))
    before = cost()
    for n in range(10):
        user = User.objects.create_user(username=f"t{n}", first_name="T", last_name=f"{n}", email=f"t{n}@lizums.lv")
        RoleGrant.objects.create(user=user, role=Role.CLASS_TEACHER, institution=world.lizuma)
    assert cost() == before


def test_a_lost_invitation_is_sent_again_from_the_person_page(world: World) -> None:
    first = invite(world)
    baiba = User.objects.get(email="baiba.kalna@lizums.lv")
    client = signed_in(world.director_lizuma)
    assert "Send a new invitation" in client.get(reverse("staff_person", args=[baiba.public_id])).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("staff_reinvite", args=[baiba.public_id]))
    second = link_in_last_mail("/invitation/")
    assert second != first
    assert en().get(first).status_code == 404
    assert en().get(second).status_code == 200
    # From Tirzas, Baiba does not exist.
    tirzas = signed_in(world.coordinator_tirzas)
    assert tirzas.post(reverse("staff_reinvite", args=[baiba.public_id])).status_code == 404
