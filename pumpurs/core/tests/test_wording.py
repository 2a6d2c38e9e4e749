"""Issue 13, "Fix the wording found": the Latvian the first walk through the demo found wrong stays
fixed — in the catalogue and on the pages that showed it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from pumpurs.world.personas import World


@pytest.mark.parametrize(
    ("english", "latvian"),
    [
        ("Older", "Agrākie"),  # a page of older entries, not "Vecāki" (parents)
        ("Newer", "Jaunākie"),
        ("girls", "meitenes"),
        ("boys", "zēni"),
    ],
)
def test_the_words_found_wrong_read_right(english: str, latvian: str) -> None:
    with translation.override("lv"):
        assert gettext(english) == latvian


def test_bytes_decline_and_a_things_name_is_not_a_persons() -> None:
    with translation.override("lv"):
        sizes = [ngettext("%(size)d byte", "%(size)d bytes", n) % {"size": n} for n in (1, 2, 10, 21, 0)]
        assert sizes == ["1 baits", "2 baiti", "10 baiti", "21 baits", "0 baitu"]
        assert pgettext("of a thing", "Name") == "Nosaukums"


def test_a_municipality_s_schools_are_not_named_in_the_nominative(world: World) -> None:
    """ "Gulbenes novads skolas" was the municipality's name put before "skolas" undeclined."""
    client = Client()
    client.force_login(world.coordinator_gulbene)
    body = client.get(reverse("municipality_detail", args=[world.gulbene.public_id])).content.decode()
    assert '<html lang="lv">' in body
    assert f"{world.gulbene.name} skolas" not in body
    assert f"Skolas, ko jūs drīkstat redzēt: {world.gulbene.name}" in body
