"""The personal-code validator (DESIGN §4): valid old and new codes, and each kind of invalid one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pumpurs.people.personal_code import check_digit, parse_personal_code, synthetic_code


def test_design_test_vector_is_valid() -> None:
    code = parse_personal_code("161175-19997")
    assert code.digits == "16117519997"
    assert code.birth_date == dt.date(1975, 11, 16)
    assert code.display == "161175-19997"


@pytest.mark.parametrize("raw", ["161175-19997", "16117519997", " 161175-19997 "])
def test_dash_and_surrounding_space_are_optional(raw: str) -> None:
    assert parse_personal_code(raw).digits == "16117519997"


def test_new_format_has_no_birth_date() -> None:
    code = parse_personal_code("321234-56789")
    assert code.birth_date is None
    assert code.masked == "32****-*****"


def test_century_digit_gives_the_birth_century() -> None:
    for century_digit, year in (("0", 1875), ("1", 1975), ("2", 2075)):
        first_ten = f"161175{century_digit}999"
        digit = check_digit(first_ten)
        if digit == 10:
            continue
        assert parse_personal_code(first_ten + str(digit)).birth_date == dt.date(year, 11, 16)


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("16117-519997", "personal_code_format", "11 digits"),
        ("1611751999", "personal_code_format", "11 digits"),
        ("161175-1999A", "personal_code_format", "11 digits"),
        ("", "personal_code_format", "11 digits"),
        ("161175-39997", "personal_code_century", "century"),
        ("310275-19997", "personal_code_date", "birth date"),
        ("161375-19997", "personal_code_date", "birth date"),
        ("161175-19998", "personal_code_checksum", "check digit"),
    ],
)
def test_each_invalid_kind_says_which_part_is_wrong(raw: str, code: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        parse_personal_code(raw)
    assert caught.value.code == code
    assert words in caught.value.messages[0]


def test_check_digit_of_ten_is_never_valid() -> None:
    # Find a ten-digit prefix whose check value is 10 and show every last digit is refused.
    prefix = next(
        f"0101{yy:02d}1{n:03d}" for yy in range(100) for n in range(1000) if check_digit(f"0101{yy:02d}1{n:03d}") == 10
    )
    for last in "0123456789":
        with pytest.raises(ValidationError):
            parse_personal_code(prefix + last)


def test_synthetic_codes_are_valid_and_switch_format_on_1_july_2017() -> None:
    before = synthetic_code(dt.date(2017, 6, 30), 42)
    after = synthetic_code(dt.date(2017, 7, 1), 42)
    assert parse_personal_code(before).birth_date == dt.date(2017, 6, 30)
    assert after.startswith("32")
    assert parse_personal_code(after).birth_date is None
