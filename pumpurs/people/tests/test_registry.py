"""Apps add navigation items and pupil-page panels to people's pages through people.registry."""

from __future__ import annotations

import pytest
from django.apps import apps

from pumpurs.people import registry


def test_items_come_in_order_and_a_second_registration_replaces_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_nav", {})
    registry.nav_item_register(label="Later", url_name="home", visible=lambda user: True, order=20)
    registry.nav_item_register(label="Search", url_name="pupil_search", visible=lambda user: True, order=10)
    registry.nav_item_register(label="First", url_name="home", visible=lambda user: True, order=5)
    assert [(e.label, e.url_name) for e in registry.nav_entries()] == [("First", "home"), ("Search", "pupil_search")]


def _menu() -> list[tuple[str, int]]:
    return [(e.url_name, e.order) for e in registry.nav_entries()]


def test_ready_run_again_adds_nothing_twice() -> None:
    nav, panels = _menu(), registry.pupil_panels()
    for config in apps.get_app_configs():
        if config.name.startswith("pumpurs."):
            config.ready()
    assert _menu() == nav
    assert registry.pupil_panels() == panels
    assert [p.template for p in panels] == [
        "risk/questionnaire/_pupil_link.html",
        "support/_pupil_support.html",
        "risk/_pupil_risk.html",
    ]
