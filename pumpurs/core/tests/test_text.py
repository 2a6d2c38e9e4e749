"""Folding for name search: case and Latvian diacritics go (people/tests/test_search.py walks the
search itself on both engines)."""

from __future__ import annotations

from pumpurs.core.text import fold


def test_fold_strips_latvian_diacritics_and_case() -> None:
    assert fold("ĶĒNIŅA Bērziņš Žūriņa") == "kenina berzins zurina"
