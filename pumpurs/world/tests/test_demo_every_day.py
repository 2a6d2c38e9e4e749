"""The demo, started on a school day, in the Christmas break and in mid-summer, serves every page
each role can reach from its home page: no server error, no dead link (issue 11)."""

from __future__ import annotations

import re
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from pumpurs.people.seeding import demo_accounts
from pumpurs.world.personas import CALENDAR_DAYS

LINK = re.compile(r'href="(/[^"#]*)')
SKIPPED = ("/static/", "/logout", "/api/v1/docs", "/api/v1/schema")
MAX_PAGES = 150  # per role; the demo's roles reach 10–40 kinds of page


def page_kind(address: str) -> tuple[str, frozenset[str]]:
    """One visit per kind of page: the route's name and which query parameters it was given."""
    parts = urlsplit(address)
    return resolve(parts.path).view_name, frozenset(k for k, _ in parse_qsl(parts.query))


def crawl(client: Client) -> dict[str, int]:
    """Follows every link from the home page, one page of each kind; returns address → status."""
    seen: set[tuple[str, frozenset[str]]] = set()
    statuses: dict[str, int] = {}
    queue = [reverse("home")]
    while queue and len(statuses) < MAX_PAGES:
        address = queue.pop(0).replace("&amp;", "&")
        try:
            kind = page_kind(address)
        except Resolver404:
            statuses[address] = 404
            continue
        if kind in seen:
            continue
        seen.add(kind)
        response = client.get(address, follow=True)
        statuses[address] = response.status_code
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            queue += [link for link in LINK.findall(body) if not link.startswith(SKIPPED)]
    return statuses


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today",
    [CALENDAR_DAYS[name] for name in ("school_day", "christmas_break", "mid_summer")],
    ids=["school_day", "christmas_break", "mid_summer"],
)
def test_every_page_every_role_can_reach_answers(today: object) -> None:
    call_command("demo", "--no-serve", stdout=StringIO())
    for account in demo_accounts():
        client = Client()
        assert client.login(username=account.username, password="demo"), account.username
        statuses = crawl(client)
        broken = {address: status for address, status in statuses.items() if status != 200}
        assert not broken, f"{account.username} on {today}: {broken}"
        assert len(statuses) >= 3, f"{account.username} reached only {sorted(statuses)}"
