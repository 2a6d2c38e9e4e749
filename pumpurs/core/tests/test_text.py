"""Name search ignores case and Latvian diacritics on both engines."""

from __future__ import annotations

from pumpurs.core.text import fold
from pumpurs.people.selectors import pupil_search_by_name
from pumpurs.world.personas import World


def names(pupils: list) -> set[str]:
    return {f"{p.first_name} {p.last_name}" for p in pupils}


def test_fold_strips_latvian_diacritics_and_case() -> None:
    assert fold("ĶĒNIŅA Bērziņš Žūriņa") == "kenina berzins zurina"


def test_teachers_find_pupils_without_typing_diacritics(world: World) -> None:
    assert names(pupil_search_by_name(world.coordinator_gulbene, query="berzins")) == {"Jānis Bērziņš"}
    assert names(pupil_search_by_name(world.dpo, query="ĶĒNIŅA")) == {"Laura Ķēniņa"}
    assert names(pupil_search_by_name(world.dpo, query="laura kenina")) == {"Laura Ķēniņa"}
    assert names(pupil_search_by_name(world.coordinator_gulbene, query="kenina")) == set()  # Madona's pupil
