"""Strict headers and no outside resources: children's data never calls a third party (DESIGN §5, §7).

Each persona walks the pages reachable from home by following links; every page must carry the
strict Content-Security-Policy, refuse framing, and reference nothing but our own /static/ files.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from pumpurs.world.personas import World

PERSONAS = [
    "teacher_lizuma",
    "specialist_lizuma",
    "coordinator_lizuma",
    "director_lizuma",
    "coordinator_gulbene",
    "national",
    "dpo",
    "admin",
    "nobody",
]
MAX_PAGES = 40
EXTERNAL = re.compile(r"""(?:https?:)?//(?!testserver[/"'\s])[\w.-]+""", re.IGNORECASE)


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.assets: list[tuple[str, str | None]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "script":
            self.assets.append((tag, a.get("src")))
        if tag == "link":
            self.assets.append((tag, a.get("href")))
        if tag in ("img", "iframe", "source"):
            self.assets.append((tag, a.get("src")))
        if "style" in a or any(name.startswith("on") for name in a):
            self.inline.append(tag)
        if tag == "style":
            self.inline.append("style")


def check_page(response, url: str) -> _Refs:
    assert response.status_code == 200, url
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp, url
    assert "script-src 'self'" in csp, url
    assert "style-src 'self'" in csp, url
    assert response.headers.get("X-Frame-Options") == "DENY", url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    if not response["Content-Type"].startswith("text/html"):
        return _Refs()  # a download (an XLSX or CSV export): strict headers, no page to read
    body = response.content.decode()
    assert not EXTERNAL.search(body), f"{url} refers to another host: {EXTERNAL.search(body).group(0)}"
    refs = _Refs()
    refs.feed(body)
    for tag, src in refs.assets:
        assert (src or "").startswith("/static/"), f"{url}: <{tag}> loads {src!r}"
    assert not refs.inline, f"{url}: inline style or script on {refs.inline}"
    return refs


def walk(client: Client, start: str) -> list[str]:
    seen: list[str] = []
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        response = client.get(url, follow=True)
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        refs = check_page(response, final)
        for href in refs.links:
            path = href.split("#")[0]
            if path.startswith("/") and not path.startswith("/static/") and path not in seen:
                queue.append(path)
    return seen


def test_login_page_is_strict(db: None) -> None:
    check_page(Client().get(reverse("login")), reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_persona_reaches_is_strict_and_self_contained(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    pages = walk(client, reverse("home"))
    assert pages
    if persona != "nobody":
        assert len(pages) > 1, "the walk should reach more than the start page"


def test_the_walk_covers_pupil_records_and_the_trail(world: World) -> None:
    client = Client()
    client.force_login(world.dpo)
    pages = walk(client, reverse("municipality_list"))
    assert reverse("pupil_detail", args=[world.pupil_lizuma.public_id]) in pages
    pages = walk(client, reverse("audit_events"))
    assert any(p.startswith(reverse("audit_events")) for p in pages)


def test_static_stylesheet_is_served(db: None) -> None:
    # pumpurs/ itself is not an installed app: its static/ is found through STATICFILES_DIRS.
    assert finders.find("pumpurs/pumpurs.css") is not None
    response = Client().get("/static/pumpurs/pumpurs.css")
    assert response.status_code == 200
    assert b"http://" not in b"".join(response.streaming_content if response.streaming else [response.content])
