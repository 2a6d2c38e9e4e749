"""One semester format, Latvian and English (issue 13): pages, print, e-mail and exports all write
a semester through ``core.display.semester_text`` (``people.Period`` prints itself with it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from pumpurs.core.display import semester_text


def test_latvian_and_english() -> None:
    with translation.override("lv"):
        assert semester_text(1, "2026/27") == "1. semestris (2026/27)"
    with translation.override("en"):
        assert semester_text(2, "2026/27") == "semester 2 (2026/27)"


@pytest.mark.django_db
def test_a_period_prints_in_the_readers_language(world) -> None:
    period = world.year.periods.get(number=1)
    with translation.override("lv"):
        assert str(period) == "1. semestris (2026/27)"
    with translation.override("en"):
        assert str(period) == "semester 1 (2026/27)"


def test_no_template_or_message_puts_the_word_semester_before_a_period() -> None:
    """The format carries the word: "semester {{ period }}" would say it twice."""
    package = Path(settings.PACKAGE_DIR)
    doubled = re.compile(r"[Ss]emest(er|ris|rī) (\{\{ ?period|%\(period\)s)")
    found = [
        f"{path.relative_to(package)}"
        for path in [*package.rglob("*.html"), *package.rglob("*.py"), *package.rglob("*.txt")]
        if "tests" not in path.parts and doubled.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
