"""Every kind, every format, every whole-file refusal (issue 3 "Done when").

For each kind a clean file is imported as CSV UTF-8, CSV UTF-8 with BOM and ``;``, CSV
Windows-1257 with Latvian diacritics, and XLSX; then the shared stories: a header-only file,
missing columns, duplicate rows, the same file twice, a rejected file that leaves the affected
tables byte-for-byte unchanged, and the coordinator of another school.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from pumpurs.imports.specs import SPECS
from pumpurs.imports.tests.conftest import write_csv, write_xlsx
from pumpurs.imports.tests.test_attendance import school_days
from pumpurs.journal.models import AttendanceDay, AttendanceMark, Grade, Incident
from pumpurs.people.models import ClassGroup, Enrolment, Guardian, Institution, Invitation, Pupil, RoleGrant, User
from pumpurs.people.personal_code import synthetic_code
from pumpurs.world.personas import World


@dataclass
class Kind:
    name: str
    header: list[str]  # canonical English
    header_lv: list[str]  # Latvian aliases, with diacritics
    rows: Callable[[World], list[list[Any]]]
    tables: tuple[type[models.Model], ...]
    user: str | None  # who imports (None: the command line's authority)
    key_columns: tuple[int, ...]  # cells that make a row's natural key (for the duplicate story)


def _days(world: World) -> list[str]:
    return [d.isoformat() for d in school_days(world, 2)]


def _codes(world: World) -> tuple[str, str]:
    return world.pupil_lizuma.personal_code, world.pupil_lizuma_8a.personal_code


def _roster(world: World) -> list[list[Any]]:
    born = dt.date(world.year.starts_on.year - 13, 2, 3)
    return [
        [synthetic_code(born, 801), "Līga", "Šķēle", born.isoformat(), "S", "T-LIZUMS", "7.a", 7],
        [synthetic_code(born, 802), "Ēriks", "Ķēniņš", born.isoformat(), "V", "T-LIZUMS", "7.a", 7],
    ]


KINDS = [
    Kind(
        "institutions",
        ["code", "name", "kind", "municipality", "founder", "grades"],
        ["reģistrācijas_numurs", "nosaukums", "veids", "pašvaldība", "dibinātājs", "klases"],
        lambda w: [
            ["DEMO-ĀBELE", "Ābeļu pamatskola", "vispārējās", "Gulbenes novads", "Gulbenes novada pašvaldība", "1-9"],
            ["DEMO-ŽĪDS", "Žīguru tehnikums", "profesionālā", "Rēzekne", "Izglītības ministrija", "1-4"],
        ],
        (Institution,),
        None,
        (0,),
    ),
    Kind(
        "pupils",
        ["personal_code", "first_name", "last_name", "birth_date", "gender", "institution_code", "class", "grade"],
        ["personas_kods", "vārds", "uzvārds", "dzimšanas_datums", "dzimums", "iestādes_kods", "klase", "klašu_grupa"],
        _roster,
        (Pupil, Enrolment, Guardian, ClassGroup),
        "liga.berza",
        (0,),
    ),
    Kind(
        "attendance",
        ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"],
        ["personas_kods", "datums", "stundas", "neattaisnotas", "slimības", "citas_attaisnotas", "novēlošanās"],
        lambda w: [[_codes(w)[0], _days(w)[0], 6, 1, 0, 0, 0], [_codes(w)[1], _days(w)[0], 7, 0, 7, 0, 1]],
        (AttendanceDay,),
        "liga.berza",
        (0, 1),
    ),
    Kind(
        "attendance",
        ["personal_code", "date", "lesson", "subject", "mark"],
        ["personas_kods", "datums", "stunda", "priekšmets", "atzīme"],
        lambda w: [
            [_codes(w)[0], _days(w)[0], 1, "Latviešu valoda", "n"],
            [_codes(w)[0], _days(w)[0], 2, "Ķīmija", "ns"],
        ],
        (AttendanceMark,),
        "liga.berza",
        (0, 1, 2),
    ),
    Kind(
        "grades",
        ["personal_code", "subject", "period", "date", "grade", "kind"],
        ["personas_kods", "priekšmets", "semestris", "datums", "vērtējums", "veids"],
        lambda w: [
            [_codes(w)[0], "Ģeogrāfija", "1", _days(w)[0], "8", "ikdienas"],
            [_codes(w)[1], "Mūzika", "1", _days(w)[1], "ieskaitīts", "ikdienas"],
        ],
        (Grade,),
        "liga.berza",
        (0, 1, 2, 3, 5),
    ),
    Kind(
        "incidents",
        ["personal_code", "date", "category", "severity", "description"],
        ["personas_kods", "datums", "kategorija", "smagums", "apraksts"],
        lambda w: [
            [_codes(w)[0], _days(w)[0], "Mācību stundas traucēšana", "vidēja", "Traucēja ķīmijas stundu."],
            [_codes(w)[1], _days(w)[1], "Konflikts ar klasesbiedru", "zema", "Strīds starpbrīdī, atrisināts."],
        ],
        (Incident,),
        "liga.berza",
        (0, 1, 2),
    ),
]
KINDS.append(
    Kind(
        "staff",
        ["first_name", "last_name", "role", "institution_code", "class", "email"],
        ["vārds", "uzvārds", "loma", "iestādes_kods", "klase", "e-pasts"],
        lambda w: [
            ["Ērika", "Ķirsone", "klases audzinātāja", "T-LIZUMS", "7.a", "erika.kirsone@lizums.lv"],
            ["Gatis", "Šņore", "class_teacher", "T-LIZUMS", "", "gatis.snore@lizums.lv"],
        ],
        (User, RoleGrant, ClassGroup, Invitation),
        "liga.berza",
        (5,),
    )
)
IDS = ["institutions", "pupils", "attendance-daily", "attendance-marks", "grades", "incidents", "staff"]
FORMATS = ["csv-utf8", "csv-utf8-bom-semicolon", "csv-1257-latvian-header", "xlsx"]


def args_for(kind: Kind, *extra: str) -> list[str]:
    return [*(["--user", kind.user] if kind.user else []), *extra]


def write(
    kind: Kind, world: World, tmp_path: Path, fmt: str, rows: list[list[Any]] | None = None, name: str = "f"
) -> Path:
    body = kind.rows(world) if rows is None else rows
    if fmt == "csv-utf8":
        return write_csv(tmp_path / f"{name}.csv", [kind.header, *body])
    if fmt == "csv-utf8-bom-semicolon":
        return write_csv(tmp_path / f"{name}.csv", [kind.header, *body], delimiter=";", encoding="utf-8-sig")
    if fmt == "csv-1257-latvian-header":
        return write_csv(tmp_path / f"{name}.csv", [kind.header_lv, *body], delimiter=";", encoding="cp1257")
    return write_xlsx(tmp_path / f"{name}.xlsx", [kind.header, *body])


def snapshot(kind: Kind) -> str:
    return json.dumps(
        [list(model.objects.order_by("pk").values()) for model in kind.tables], default=str, sort_keys=True
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_clean_file_in_every_format(world: World, run_import, tmp_path: Path, kind: Kind, fmt: str) -> None:
    code, summary = run_import(kind.name, write(kind, world, tmp_path, fmt), *args_for(kind))
    assert (code, summary["status"], summary["errors"]) == (0, "applied", [])
    assert (summary["rows"], summary["created"]) == (2, 2)
    if kind.name in {"pupils", "institutions"}:
        model = Pupil if kind.name == "pupils" else Institution
        names = set(model.objects.values_list("last_name" if kind.name == "pupils" else "name", flat=True))
        assert {"Šķēle", "Ķēniņš"} <= names or {"Ābeļu pamatskola", "Žīguru tehnikums"} <= names


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_same_file_twice_creates_nothing_the_second_time(world: World, run_import, tmp_path: Path, kind: Kind) -> None:
    path = write(kind, world, tmp_path, "csv-utf8")
    assert run_import(kind.name, path, *args_for(kind))[1]["created"] == 2
    before = snapshot(kind)
    code, again = run_import(kind.name, path, *args_for(kind))
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, 2)
    assert snapshot(kind) == before


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_header_only_and_missing_columns_are_refused(world: World, run_import, tmp_path: Path, kind: Kind) -> None:
    code, summary = run_import(kind.name, write(kind, world, tmp_path, "csv-utf8", rows=[]), *args_for(kind))
    assert (code, [e["code"] for e in summary["errors"]]) == (1, ["no_rows"])
    cut = [row[:-1] for row in kind.rows(world)]
    path = write_csv(tmp_path / "cut.csv", [kind.header[:-1], *cut])
    code, summary = run_import(kind.name, path, *args_for(kind))
    last = next(c for spec in SPECS[kind.name] for c in spec.columns if c.name == kind.header[-1])
    if not last.required:  # an optional column may be left out
        assert (code, summary["errors"]) == (0, [])
    else:
        assert (code, summary["errors"][0]["code"], summary["errors"][0]["column"]) == (
            1,
            "columns_missing",
            kind.header[-1],
        )


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_duplicate_rows_inside_one_file_are_refused(world: World, run_import, tmp_path: Path, kind: Kind) -> None:
    rows = kind.rows(world)
    path = write(kind, world, tmp_path, "csv-utf8", rows=[*rows, list(rows[0])])
    before = snapshot(kind)
    code, summary = run_import(kind.name, path, *args_for(kind))
    assert code == 1
    assert [(e["row"], e["code"]) for e in summary["errors"]] == [(4, "duplicate_row")]
    assert snapshot(kind) == before


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_rejected_file_leaves_tables_byte_for_byte_unchanged(
    world: World, run_import, tmp_path: Path, kind: Kind
) -> None:
    run_import(kind.name, write(kind, world, tmp_path, "csv-utf8", name="first"), *args_for(kind))
    before = snapshot(kind)
    rows = [list(r) for r in kind.rows(world)]
    rows[0][len(rows[0]) - 2] = "changed"  # a changed value (some kinds even accept it)…
    bad = list(rows[1])
    bad[0] = "161175-19998" if kind.name != "institutions" else ""  # …beside a row that is wrong
    code, summary = run_import(
        kind.name, write(kind, world, tmp_path, "xlsx", rows=[*rows, bad], name="second"), *args_for(kind)
    )
    assert code == 1
    assert summary["status"] == "rejected"
    assert snapshot(kind) == before


@pytest.mark.parametrize(
    "kind", [k for k in KINDS if k.user], ids=[i for i, k in zip(IDS, KINDS, strict=True) if k.user]
)
def test_coordinator_of_another_school_cannot_import_these_pupils(
    world: World, run_import, tmp_path: Path, kind: Kind
) -> None:
    before = snapshot(kind)
    code, summary = run_import(kind.name, write(kind, world, tmp_path, "csv-utf8"), "--user", "anna.vitola")
    assert code == 1
    assert {e["code"] for e in summary["errors"]} <= {"pupil_unknown", "institution_unknown"}
    assert summary["errors"]
    assert snapshot(kind) == before
