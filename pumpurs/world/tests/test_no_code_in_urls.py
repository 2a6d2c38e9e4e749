"""A personal code never goes into an address or a log line (DESIGN §7, issue 17): every role walks
the demo from its home page; no link, form action or source on any page, no address reached, and no
log record carries a personal code. The searches a person types into are POSTed."""

from __future__ import annotations

import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pumpurs.people.models import Pupil
from pumpurs.people.personal_code import CODE_IN_TEXT
from pumpurs.people.seeding import demo_accounts
from pumpurs.world.tests.test_demo_every_day import crawl

ADDRESSES = re.compile(r'(?:href|action|src|formaction)="([^"]*)"')


def codes_in_addresses(body: str) -> list[str]:
    return [address for address in ADDRESSES.findall(body) if CODE_IN_TEXT.search(address)]


@pytest.mark.django_db
def test_no_role_meets_a_personal_code_in_an_address_or_a_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    call_command("demo", "--no-serve", stdout=StringIO())
    code = Pupil.objects.order_by("pk").first().personal_code  # a real one, to type into the searches
    found: dict[str, list[str]] = {}

    def check(address: str, body: str) -> None:
        if CODE_IN_TEXT.search(address):
            found.setdefault(address, []).append(address)
        if bad := codes_in_addresses(body):
            found[address] = bad

    for account in demo_accounts():
        client = Client()
        assert client.login(username=account.username, password="demo"), account.username
        statuses = crawl(client, check)
        assert len(statuses) >= 3, account.username
        assert not [address for address in statuses if CODE_IN_TEXT.search(address)], account.username
        # Typed into either search: the answer's address chain and its page stay clean.
        for data in ({"q": code}, {"personal_code": code}):
            answer = client.post(reverse("pupil_search"), data, follow=True)
            assert answer.status_code in {200, 404}, (account.username, data)
            assert not [url for url, _status in answer.redirect_chain if CODE_IN_TEXT.search(url)]
            assert not codes_in_addresses(answer.content.decode())
    assert not found, found
    logged = [record.getMessage() for record in caplog.records if CODE_IN_TEXT.search(record.getMessage())]
    assert not logged, logged[:3]


def test_a_code_typed_into_the_name_search_is_not_searched_or_repeated(world) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.coordinator_lizuma)
    page = client.get(reverse("pupil_search")).content.decode()
    assert re.search(r'<form method="post"[^>]*role="search"', page)  # the name form too
    code = world.pupil_lizuma.personal_code
    assert CODE_IN_TEXT.search(f"/pupils/search/?q={code}")  # the pattern the crawl looks for
    assert CODE_IN_TEXT.search(f"?q={code.replace('-', '')}&x=1")
    assert not CODE_IN_TEXT.search("/classes/0ca5be63-2439-47eb-9fa7-c97209472726/")
    answer = client.post(reverse("pupil_search"), {"q": code})
    body = answer.content.decode()
    assert answer.status_code == 200
    assert "That looks like a personal code" in body
    assert code not in body
    named = client.post(reverse("pupil_search"), {"q": "Kalniņa"}).content.decode()
    assert "Anna" in named
