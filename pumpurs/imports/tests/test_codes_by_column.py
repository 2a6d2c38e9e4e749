"""Personal codes checked by column (issue 18 item 4) answer exactly what the parser answers."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pumpurs.core import crypto
from pumpurs.imports.codes import personal_code_problems
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.journal.models import AttendanceDay
from pumpurs.people.personal_code import PROBLEMS, check_digit, parse_personal_code, synthetic_code
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]


def _parser(code: str) -> tuple[str | None, str | None]:
    try:
        return None, parse_personal_code(code).digits
    except ValidationError as exc:
        return exc.messages[0], None


def _cases() -> list[str]:
    rng = random.Random(18)
    valid = [synthetic_code(dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_000)), n) for n in range(300)]
    ten = "0101151234"  # a real birth date in the 2000s with an ordinary check digit
    right = ten + str(check_digit(ten))
    wrong_digit = ten + str((check_digit(ten) + 1) % 10)
    # A first-ten whose check digit would be 10 (never issued): search a few serials.
    tens = next(f"010115{c}{n:03d}" for c in "012" for n in range(1000) if check_digit(f"010115{c}{n:03d}") == 10)
    return [
        *valid,
        *(rng.choice("0123456789") * 11 for _ in range(30)),
        *("".join(rng.choice("0123456789") for _ in range(11)) for _ in range(500)),
        right,
        wrong_digit,
        tens + "0",
        "32123456789",  # new format: no checksum
        "3212345678",  # ten digits
        "320000000000",  # twelve
        "3101993123A",  # a letter
        "310299212345",
        "3102992123",
        "290200" + "01234",  # 29.02.1900: not a leap year
        "290200" + "21234",  # 29.02.2000: a leap year
        "001099" + "11234",  # day 00
        "011399" + "11234",  # month 13
        "010199" + "31234",  # century 3
        "٠١٠١٩٩١١٢٣٤",  # eleven Arabic-Indic digits: the parser's \\d takes them
        "",
    ]


@pytest.mark.parametrize("language", ["en", "lv"])
def test_by_column_equals_the_parser_for_every_code(language: str) -> None:
    codes = _cases()
    with translation.override(language):
        frame = personal_code_problems(pl.Series(codes, dtype=pl.String))
        expected = {code: _parser(code) for code in codes}
    got = {code: (problem, digits) for code, problem, digits in frame.iter_rows()}
    assert frame.height == len(codes)
    assert got == expected
    problems = {problem for problem, _digits in expected.values() if problem}
    assert len(problems) == 4, problems  # every rule is exercised: format, century, date, checksum


def test_many_hashes_at_once_are_the_single_hashes() -> None:
    values = ["01011512345", "32123456789", "ā", ""]
    assert crypto.lookup_hashes(values) == [crypto.lookup_hash(v) for v in values]


def test_each_refusal_of_a_code_names_the_row_column_and_fix(world: World, run_import, tmp_path: Path) -> None:
    anna = world.pupil_lizuma.personal_code
    day = world.year.starts_on + dt.timedelta(days=(7 - world.year.starts_on.weekday()) % 7)
    d = day.isoformat()
    rows = [
        HEADER,
        [anna, d, 6, 0, 0, 0, 0],  # row 2: fine
        ["010199-31234", d, 6, 0, 0, 0, 0],  # row 3: century
        ["311199-11234", d, 6, 0, 0, 0, 0],  # row 4: 31 November
        ["0101151234" + str((check_digit("0101151234") + 1) % 10), d, 6, 0, 0, 0, 0],  # row 5: check digit
        ["12345", d, 6, 0, 0, 0, 0],  # row 6: shape
        ["32" + "0" * 9, d, 6, 0, 0, 0, 0],  # row 7: a valid new-format code of nobody here
    ]
    code, summary = run_import("attendance", write_csv(tmp_path / "a.csv", rows), "--user", "liga.berza")
    assert (code, summary["status"]) == (1, "rejected")
    got = {(e["row"], e["column"], e["code"]): e["message"] for e in summary["errors"]}
    assert set(got) == {
        (3, "personal_code", "personal_code_invalid"),
        (4, "personal_code", "personal_code_invalid"),
        (5, "personal_code", "personal_code_invalid"),
        (6, "personal_code", "personal_code_invalid"),
        (7, "personal_code", "pupil_unknown"),
    }
    with translation.override("lv"):  # the submitter's language
        said = {key: str(message) for key, message in PROBLEMS.items()}
    assert got[(3, "personal_code", "personal_code_invalid")] == said["personal_code_century"]
    assert got[(4, "personal_code", "personal_code_invalid")] == said["personal_code_date"]
    assert got[(5, "personal_code", "personal_code_invalid")] == said["personal_code_checksum"]
    assert got[(6, "personal_code", "personal_code_invalid")] == said["personal_code_format"]
    assert "dzimšanas gadsimtu" in said["personal_code_century"]
    assert not AttendanceDay.objects.filter(date=day).exists()  # a rejected file writes nothing, not even row 2
