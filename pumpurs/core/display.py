"""Numbers, money and dates as the reader writes them (29.11.2026, 1,92, 150,00 in Latvian), for
messages and reasons built in Python. Templates use Django's own filters."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import get_language

CENT = Decimal("0.01")


def number_text(value: Any) -> str:
    """12.50 → "12,5", 40.00 → "40": no trailing zeros, no exponent notation, the locale's decimal
    mark — the same on every database, whatever scale its sums come back with. None → "—"."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return formats.number_format(int(number))
    return formats.number_format(number.normalize())


def money_text(amount: Decimal) -> str:
    """EUR with two decimals in the reader's locale."""
    return formats.number_format(amount.quantize(CENT), decimal_pos=2)


def day_text(day: dt.date) -> str:
    """A date as the reader writes it: 1.09.2026 in Latvian, 1 Sep 2026 in English — the one date
    format of pages, print and e-mail (``pumpurs/core/formats``; templates use
    ``|date:"SHORT_DATE_FORMAT"``, which is the same)."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def percent_text(value: Any, places: int = 1) -> str:
    """A share in per cent as the reader writes it — 86,5 % in Latvian, 86.5 % in English: the
    locale's decimal mark, at most ``places`` decimals, no trailing zeros, a space before the sign.
    None → "—". Templates: ``{{ value|percent }}``."""
    if value is None or value == "":
        return "—"
    return f"{number_text(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)))} %"


def semester_text(number: int, year: str) -> str:
    """A semester as the reader writes it — "1. semestris (2026/27)" in Latvian, "semester 1
    (2026/27)" in English: the one semester format of pages, print, e-mail and exports
    (``SEMESTER_FORMAT`` in ``pumpurs/core/formats``; ``people.Period`` prints itself with it)."""
    language = (get_language() or "lv").split("-")[0]
    try:
        module = importlib.import_module(f"pumpurs.core.formats.{language}.formats")
    except ImportError:
        module = importlib.import_module("pumpurs.core.formats.en.formats")
    return str(module.SEMESTER_FORMAT).format(number=number, year=year)
