"""Every dashboard number links to the list behind it where the reader may see names — and that
list has as many pupils as the number says — and to nothing where they may not."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.reporting.refresh import dashboards_refresh
from pumpurs.reporting.tests.cohort import Cohort, build_cohort
from pumpurs.world.personas import World

LINKED = re.compile(r'<a href="([^"]*/pupils/\?metric=([^"&]+)[^"]*)">(\d+)</a>')


@pytest.fixture
def cohort(world: World) -> Cohort:
    made = build_cohort(world)
    dashboards_refresh(today=world.today)
    return made


def _body(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_schools_own_numbers_link_to_lists_of_that_many_pupils(
    client: Client, world: World, cohort: Cohort
) -> None:
    client.force_login(world.coordinator_lizuma)
    html = _body(client, reverse("reporting:school", args=[world.lizuma.public_id]))
    links = {(metric, int(n), href.replace("&amp;", "&")) for href, metric, n in LINKED.findall(html)}
    metrics = {metric for metric, _n, _h in links}
    # the headline figures, and the rule, level and group rows, each where the count is not zero
    for expected in ("flagged", "at_risk", "with_case", "active_plan", "covered", "supported", "assessed"):
        assert expected in metrics, expected
    assert {"flagged:unjustified_semester", "flagged:failing_grades", "assessed:high", "group:family"} <= metrics
    for metric, n, href in links:
        listed = _body(client, href)
        rows = re.search(r"<tbody>(.*?)</tbody>", listed, re.S)
        assert rows is not None, metric
        assert rows.group(1).count("<tr>") == n, metric
    # a number with no list behind it (plans made, reviews) and a zero stay plain text
    assert not any(m in metrics for m in ("pupils", "plans_made", "reviews"))


@pytest.mark.parametrize("reader", ["coordinator_gulbene", "national"])
def test_above_the_school_nothing_leads_to_names(client: Client, world: World, cohort: Cohort, reader: str) -> None:
    client.force_login(getattr(world, reader))
    pages = [reverse("reporting:municipality", args=[world.gulbene.public_id])]
    pages.append(reverse("reporting:school", args=[world.lizuma.public_id]))  # a school seen from above
    if reader == "national":
        pages.append(reverse("reporting:national"))
    for url in pages:
        html = _body(client, url)
        assert "/pupils/?metric" not in html, url
        assert not LINKED.search(html), url
