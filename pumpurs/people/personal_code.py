"""Latvian personal code (personas kods) validation — DESIGN.md §4.

Old format ``DDMMYY-CNNNN``: C is the century (0 → 1800s, 1 → 1900s, 2 → 2000s) and the last
digit is a check digit ``(1101 − Σ dᵢ·wᵢ) mod 11`` with weights 1,6,3,7,9,10,5,8,4,2 over the first
ten digits. New format ``32NNNN-NNNNN`` (issued from 1 July 2017) carries no birth date and no
published checksum. Both are accepted with or without the dash.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^(\d{6})-?(\d{5})$")
# A personal code anywhere in a text (a name search, an address, a log line): it must go nowhere
# but the POSTed code search (DESIGN §7).
# Not inside a longer word: the last group of a UUID may hold eleven digits after a hex letter.
CODE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{6}-?\d{5}(?![0-9A-Za-z])")
CENTURIES = {"0": 1800, "1": 1900, "2": 2000}
# What is wrong with a code, by ``ValidationError`` code, checked in this order. Shared with the
# imports' by-column check (``imports.codes``), which must say exactly what this parser says. Translated
# when raised, in the language of that moment.
PROBLEMS: dict[str, _StrPromise] = {
    "personal_code_format": _(
        "A personal code has 11 digits, written as DDMMYY-CNNNN or 32NNNN-NNNNN (the dash is optional)."
    ),
    "personal_code_century": _("The 7th digit of a personal code gives the century of birth and must be 0, 1 or 2."),
    "personal_code_date": _("The first six digits of a personal code must be a real birth date (DDMMYY)."),
    "personal_code_checksum": _(
        "The last digit of the personal code does not match its check digit: check for a typing error."
    ),
}


@dataclass(frozen=True)
class PersonalCode:
    digits: str  # eleven digits, no dash: the canonical form that is hashed and encrypted
    birth_date: dt.date | None  # None for the new format

    @property
    def display(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"

    @property
    def masked(self) -> str:
        """Shown where the role needs to recognise a record but not to read the code."""
        return f"{self.digits[:2]}****-*****"


def check_digit(first_ten: str) -> int:
    return (1101 - sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True))) % 11


def parse_personal_code(raw: str) -> PersonalCode:
    """Return the canonical code or raise ``ValidationError`` saying which part is wrong."""
    value = (raw or "").strip().replace(" ", "")
    match = _SHAPE.match(value)
    if not match:
        raise ValidationError(str(PROBLEMS["personal_code_format"]), code="personal_code_format")
    digits = match.group(1) + match.group(2)
    if digits.startswith("32"):
        return PersonalCode(digits=digits, birth_date=None)
    century = CENTURIES.get(digits[6])
    if century is None:
        raise ValidationError(str(PROBLEMS["personal_code_century"]), code="personal_code_century")
    try:
        birth = dt.date(century + int(digits[4:6]), int(digits[2:4]), int(digits[0:2]))
    except ValueError:
        raise ValidationError(str(PROBLEMS["personal_code_date"]), code="personal_code_date") from None
    expected = check_digit(digits[:10])
    if expected == 10 or int(digits[10]) != expected:
        raise ValidationError(str(PROBLEMS["personal_code_checksum"]), code="personal_code_checksum")
    return PersonalCode(digits=digits, birth_date=birth)


def synthetic_code(birth_date: dt.date, serial: int) -> str:
    """A valid-format code for an invented person: old format (with a correct check digit) for
    births before 1 July 2017, the new ``32`` format after. ``serial`` makes it unique."""
    if birth_date >= NEW_FORMAT_FROM:
        return f"32{serial % 10**9:09d}"
    century = {1800: "0", 1900: "1", 2000: "2"}[birth_date.year // 100 * 100]
    serial3 = serial % 1000
    while True:
        first_ten = f"{birth_date:%d%m%y}{century}{serial3:03d}"
        digit = check_digit(first_ten)
        if digit != 10:  # a result of 10 is never issued
            return first_ten + str(digit)
        serial3 = (serial3 + 1) % 1000


NEW_FORMAT_FROM = dt.date(2017, 7, 1)
