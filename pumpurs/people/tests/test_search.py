"""Name search ignores case and Latvian diacritics on both engines."""

from __future__ import annotations

from pumpurs.people.selectors import pupil_search_by_name
from pumpurs.world.personas import World


def names(pupils: list) -> set[str]:
    return {f"{p.first_name} {p.last_name}" for p in pupils}


def test_teachers_find_pupils_without_typing_diacritics(world: World) -> None:
    assert names(pupil_search_by_name(world.coordinator_gulbene, query="berzins")) == {"Jānis Bērziņš"}
    assert names(pupil_search_by_name(world.dpo, query="ĶĒNIŅA")) == {"Laura Ķēniņa"}
    assert names(pupil_search_by_name(world.dpo, query="laura kenina")) == {"Laura Ķēniņa"}
    assert names(pupil_search_by_name(world.coordinator_gulbene, query="kenina")) == set()  # Madona's pupil
