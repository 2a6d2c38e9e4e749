"""Error pages are the site's own (issue 13, item 5): its layout and a way back, in Latvian and
English, never Django's bare English page; a failed CSRF check keeps what was typed."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import permission_denied, server_error

from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def signed_in(user: object, *, language: str = "lv", enforce_csrf: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=enforce_csrf)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_not_found_is_the_site_s_page_in_latvian_with_a_way_back(world: World) -> None:
    page = signed_in(world.teacher_lizuma).get("/nav-tadas-lapas/")
    body = page.content.decode()
    assert page.status_code == 404
    assert "Lapa nav atrasta" in body
    assert 'class="site-header"' in body
    assert f'href="{reverse("home")}"' in body
    assert "DEBUG" not in body
    assert "Not Found" not in body


def test_another_school_s_pupil_answers_the_same_page_in_english_too(world: World) -> None:
    url = reverse("pupil_detail", args=[world.pupil_tirzas.public_id])
    page = signed_in(world.teacher_lizuma, language="en").get(url)
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()


def test_a_refusal_says_why_in_the_site_s_layout(world: World) -> None:
    request = RequestFactory(HTTP_ACCEPT_LANGUAGE="lv").get("/")
    request.user = world.teacher_lizuma
    reason = "Šo plānu apstiprina: direktors."
    with translation.override("lv"):  # what LocaleMiddleware does for a Latvian reader
        page = permission_denied(request, PermissionDenied(reason))
    body = page.content.decode()
    assert page.status_code == 403
    assert "Nav atļauts" in body
    assert reason in body
    assert 'class="site-header"' in body


def test_a_server_error_page_has_the_layout_and_no_details(world: World) -> None:
    request = RequestFactory().get("/")
    page = server_error(request)
    body = page.content.decode()
    assert page.status_code == 500
    assert 'class="site-header"' in body
    assert "Traceback" not in body
    assert "DEBUG" not in body


def test_a_failed_csrf_check_keeps_what_was_typed_and_offers_to_send_it_again(world: World) -> None:
    client = signed_in(world.coordinator_lizuma, enforce_csrf=True)
    client.get(reverse("home"), follow=True)  # the page that held the form
    typed = {"reason": "Daudz kavējumu pēc brīvdienām", "csrfmiddlewaretoken": "an-old-token"}
    url = reverse("support_case_open", args=[world.pupil_lizuma.public_id])
    page = client.post(url, typed)
    body = page.content.decode()
    assert page.status_code == 403
    assert "Veidlapas derīgums beidzies" in body
    assert 'value="Daudz kavējumu pēc brīvdienām"' in body
    assert "an-old-token" not in body
    fresh = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.split("<main")[1])
    assert fresh is not None
    assert f'action="{url}"' in body
