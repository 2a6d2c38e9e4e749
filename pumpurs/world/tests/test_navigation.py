"""The site navigation each persona sees. Every app adds its own items (``people.registry``, from
its ``AppConfig.ready()``); only here, in the composition root, is the whole menu known."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pumpurs.world.personas import World

SCHOOL_STAFF = ["Home", "Municipalities and schools", "Find a pupil", "Watch list", "Support", "Measure catalogue"]
MENUS = {
    "teacher_lizuma": SCHOOL_STAFF,
    "specialist_lizuma": SCHOOL_STAFF,
    "coordinator_lizuma": [
        "Home", "Municipalities and schools", "Find a pupil", "Watch list", "Support", "Children without a school",
        "Measure catalogue", "Budget", "Expense reports", "Rates", "Fairness", "Data imports", "Year-end rollover",
        "Notices", "Staff", "Dashboard", "Trainings", "Indicators",
    ],
    "director_lizuma": [
        "Home", "Municipalities and schools", "Find a pupil", "Watch list", "Support", "Approvals",
        "Measure catalogue", "Budget", "Expense reports", "Rates", "Fairness", "Staff", "Dashboard", "Trainings",
        "Indicators",
    ],
    "coordinator_gulbene": [
        "Home", "Municipalities and schools", "Find a pupil", "Pupils at risk by school", "Support",
        "Children without a school", "Approvals", "Measure catalogue", "Budget", "Expense reports", "Rates",
        "Fairness", "Outcomes", "Rule quality", "Cost and effect of measures", "Data imports", "Notices", "Staff",
        "Youth projects", "Dashboard", "Trainings", "Indicators",
    ],
    "national": [
        "Home", "Municipalities and schools", "Find a pupil", "School calendar", "Pupils at risk by school",
        "Support", "Approvals", "Measure catalogue", "Budget", "Expense reports", "Rates", "Fairness", "Outcomes",
        "Rule quality", "Cost and effect of measures", "Questionnaires",
        "Data protection officer's emergency accesses", "Youth projects", "Dashboard", "Trainings", "Indicators",
    ],
    # The DPO reads a pupil's risk record only through break-the-glass (decision 0041): no watch list.
    "dpo": [*(item for item in SCHOOL_STAFF if item != "Watch list"), "Fairness", "Audit trail", "Subject access", "Emergency accesses",
        "Retention and erasure"],
}  # fmt: skip
# The materials library is for everyone signed in (issue 16): last in every menu.
MENUS = {persona: [*menu, "Materials"] for persona, menu in MENUS.items()}


@pytest.mark.parametrize(("persona", "menu"), MENUS.items())
def test_each_role_sees_its_menu_in_order(world: World, persona: str, menu: list[str]) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    response = client.get(reverse("pupil_search"), HTTP_ACCEPT_LANGUAGE="en")
    items = response.context["nav_items"]
    assert [item.label for item in items] == menu
    assert [item.url for item in items if item.current] == [reverse("pupil_search")]
    body = response.content.decode()
    for item in items:
        assert f'href="{item.url}"' in body


@pytest.mark.parametrize("persona", ["admin", "nobody"])
def test_who_sees_no_pupil_sees_no_pupil_pages_in_the_menu(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))
    items = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en", follow=True).context["nav_items"]
    assert not {"Find a pupil", "Watch list", "Support", "Audit trail"} & {item.label for item in items}
