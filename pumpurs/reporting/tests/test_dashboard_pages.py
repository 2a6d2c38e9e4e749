"""The dashboards as their readers see them: scope (404 outside it), small cells, links, queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.people.models import Municipality
from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.support.testing import open_case
from pumpurs.world.personas import World


@pytest.fixture
def cohort(world: World) -> Cohort:
    made = build_cohort(world)
    dashboards_refresh(today=world.today)
    return made


def page(client: Client, user: object, url: str) -> str:
    client.force_login(user)  # type: ignore[arg-type]  # a persona
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def figure(html: str, metric: str) -> str:
    """The shown number of a headline figure ("—" when hidden)."""
    found = re.search(rf'data-metric="{metric}">(.*?)</td>', html, re.S)
    assert found, metric
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_school_sees_its_own_small_numbers_and_lists_the_pupils_behind_them(
    client: Client, world: World, cohort: Cohort
) -> None:
    html = page(client, world.coordinator_lizuma, reverse("reporting:school", args=[world.lizuma.public_id]))
    assert figure(html, "at_risk") == "2"
    assert figure(html, "covered") == "1"
    link = re.search(r'data-metric="at_risk"><a href="([^"]+)"', html)
    assert link, "the school's own number links to the pupils behind it"
    listed = page(client, world.coordinator_lizuma, link.group(1).replace("&amp;", "&"))
    assert "Kalniņa" in listed  # Anna
    assert "Šmits" in listed  # Roberts
    assert "Bērziņš" not in listed  # Jānis (Tirzas) is not counted here


def test_the_municipality_sees_small_counts_hidden_and_no_names(client: Client, world: World, cohort: Cohort) -> None:
    html = page(client, world.coordinator_gulbene, reverse("reporting:municipality", args=[world.gulbene.public_id]))
    assert figure(html, "at_risk") == "—"  # 2 at-risk pupils: a small cell
    assert figure(html, "flagged") == "—"
    assert "pupils/?metric" not in html  # counts only: nothing leads to names
    assert world.lizuma.name in html


def test_a_gulbene_coordinator_never_sees_another_municipality(client: Client, world: World, cohort: Cohort) -> None:
    client.force_login(world.coordinator_gulbene)
    assert client.get(reverse("reporting:municipality", args=[world.madona.public_id])).status_code == 404
    assert client.get(reverse("reporting:school", args=[world.madona_school.public_id])).status_code == 404
    assert client.get(reverse("reporting:national")).status_code == 404
    # a school's pupil list is its own staff's: the municipality gets 404 even within its scope
    url = reverse("reporting:school_pupils", args=[world.lizuma.public_id])
    assert client.get(url, {"metric": "at_risk", "start": "2026-09-01", "end": "2026-12-20"}).status_code == 404


def test_a_teacher_has_no_dashboard(client: Client, world: World, cohort: Cohort) -> None:
    client.force_login(world.teacher_lizuma)
    assert client.get(reverse("reporting:dashboard")).status_code == 404
    assert client.get(reverse("reporting:school", args=[world.lizuma.public_id])).status_code == 404


def test_the_national_page_has_a_tile_per_municipality_linking_to_its_dashboard(
    client: Client, world: World, cohort: Cohort
) -> None:
    html = page(client, world.national, reverse("reporting:national"))
    assert html.count('class="tiles__tile') == Municipality.objects.count()
    assert reverse("reporting:municipality", args=[world.gulbene.public_id]) in html
    assert 'role="img"' in html


def test_the_national_page_costs_a_fixed_number_of_queries(
    client: Client, world: World, cohort: Cohort, django_assert_max_num_queries: object
) -> None:
    client.force_login(world.national)
    client.get(reverse("reporting:national"))  # warm the session and caches
    with django_assert_max_num_queries(15):  # type: ignore[operator]  # pytest-django's fixture
        assert client.get(reverse("reporting:national")).status_code == 200


def test_a_page_kept_since_the_last_refresh_gives_way_to_the_next_refresh(
    client: Client, world: World, cohort: Cohort
) -> None:
    url = reverse("reporting:school", args=[world.lizuma.public_id])
    assert figure(page(client, world.coordinator_lizuma, url), "with_case") == "1"
    open_case(world.teacher_lizuma_8a, world.pupil_lizuma_8a)
    assert figure(page(client, world.coordinator_lizuma, url), "with_case") == "1"  # the morning's numbers
    dashboards_refresh(today=world.today)
    assert figure(page(client, world.coordinator_lizuma, url), "with_case") == "2"
