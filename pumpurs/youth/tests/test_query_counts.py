"""The list pages cost the same number of queries for one call or several, and a call's page the
same for one application or several (STYLE "query-count guards on list pages")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pumpurs.world.personas import World
from pumpurs.youth import services
from pumpurs.youth.models import Call
from pumpurs.youth.testing import a_call, an_application

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _open_call(world: World, n: int) -> Call:
    now = timezone.now()
    call = services.call_open(
        actor=world.coordinator_gulbene,
        call=a_call(actor=world.coordinator_gulbene, municipality=world.gulbene, now=now, title=f"Konkurss {n}"),
        now=now,
    )
    return call


def test_queries_do_not_grow_with_calls_or_applications(world: World) -> None:
    client = Client()
    client.force_login(world.coordinator_gulbene)
    call = _open_call(world, 1)
    an_application(actor=world.coordinator_gulbene, call=call, now=timezone.now())
    # The first page of a session also counts "Mani darbi" for the menu (kept a minute): warm it.
    client.get(reverse("home"))
    one_call = _queries(client, reverse("youth:calls"))
    one_application = _queries(client, reverse("youth:call", args=[call.public_id]))
    for n in range(2, 5):
        an_application(actor=world.coordinator_gulbene, call=_open_call(world, n), now=timezone.now())
        an_application(actor=world.coordinator_gulbene, call=call, now=timezone.now())
    assert _queries(client, reverse("youth:calls")) == one_call
    assert _queries(client, reverse("youth:call", args=[call.public_id])) == one_application
