"""One date format and one percentage format, decided in one place (issue 13): 1.09.2026 in
Latvian and 1 Sep 2026 in English on pages, in reasons, in print and in e-mail."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from pumpurs.core.display import day_text, percent_text

PACKAGE = Path(settings.PACKAGE_DIR)
DAY = dt.date(2026, 9, 1)


@pytest.mark.parametrize(("language", "expected"), [("lv", "1.09.2026"), ("en", "1 Sep 2026")])
def test_every_way_of_writing_a_date_gives_the_one_format(language: str, expected: str) -> None:
    template = Template('{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date }}|{{ d }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}')
    moment = dt.datetime(2026, 9, 1, 8, 5)
    with translation.override(language):
        assert day_text(DAY) == expected
        rendered = template.render(Context({"d": DAY, "t": moment}))
    assert rendered == f"{expected}|{expected}|{expected}|{expected} 08:05"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("lv", Decimal("86.50"), "86,5 %"),
        ("en", Decimal("86.50"), "86.5 %"),
        ("lv", Decimal("89.99"), "90 %"),
        ("lv", 40, "40 %"),
        ("lv", None, "—"),
    ],
)
def test_one_percentage_format(language: str, value: object, expected: str) -> None:
    with translation.override(language):
        assert percent_text(value) == expected
        assert Template("{% load display %}{{ v|percent }}").render(Context({"v": value})) == expected


# The audit list shows seconds (ISO, the same in both languages): who did what, in which order.
HARD_CODED_ALLOWED = {"privacy/audit_event_list.html": {"Y-m-d H:i:s"}}


def test_no_template_writes_a_date_its_own_way() -> None:
    """Templates name a format (SHORT_DATE_FORMAT, SHORT_DATETIME_FORMAT) or machine time ('c'),
    never a pattern of their own such as "d.m.Y" or "Y-m-d H:i"."""
    found = []
    for path in sorted(PACKAGE.rglob("*.html")):
        relative = path.relative_to(PACKAGE).as_posix().split("templates/", 1)[-1]
        for pattern in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text(encoding="utf-8")):
            # 'c', 'Y-m-d' and 'Y-m' are machine time for <time datetime="…"> and for addresses
            # (a month in a URL), not text for people.
            if pattern in {
                "SHORT_DATE_FORMAT",
                "SHORT_DATETIME_FORMAT",
                "DATE_FORMAT",
                "YEAR_MONTH_FORMAT",
                "c",
                "Y-m-d",
                "Y-m",
                "Y",
                "H:i",
            }:
                continue
            if pattern in HARD_CODED_ALLOWED.get(relative, set()):
                continue
            found.append((relative, pattern))
    assert not found


def test_no_python_writes_a_date_for_people_its_own_way() -> None:
    """A day-first strftime in code (e-mail, messages) is the old second format: use day_text."""
    found = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if "/tests/" not in path.as_posix() and re.search(r"strftime\([\"']%d", path.read_text(encoding="utf-8"))
    ]
    assert not found
