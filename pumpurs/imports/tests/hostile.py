"""A corpus of hostile import files (issue 17, H2 and M5), generated rather than stored.

Each case is a file a careless export or a malicious user could upload, with what the import
must answer: the whole-file or row error (code, row, column) — never a traceback, never hours of
work or gigabytes of memory — or, for the files that are merely unusual (UTF-16, CR-only line
ends), a clean read. ``test_hostile.py`` runs every case through ``pumpurs import --json`` and
through the upload page, on SQLite and PostgreSQL.

To look at the files, or to try them against a running server::

    python -m pumpurs.imports.tests.hostile /tmp/hostile

(the personal codes and dates are then made up: the files are hostile, not importable).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ATTENDANCE = "personal_code,date,lessons,unjustified,illness,other_justified,late"
ROSTER = "personas_kods,vārds,uzvārds,dzimšanas_datums,dzimums,iestādes_kods,klase,klašu_grupa"
INCIDENTS = "personal_code,date,category,severity,description"


@dataclass(frozen=True)
class Facts:
    """What the files are built from: real codes make the well-formed rows of a case valid."""

    codes: tuple[str, ...]  # personal codes of two pupils of the school
    day: dt.date  # a school day before today
    school: str  # the school's registration number
    birth: dt.date  # the first pupil's birth date


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    build: Callable[[Facts], bytes]
    code: str | None  # the error code expected; None: the file must be read cleanly
    row: int | None = None  # the row the error names (None: not checked)
    column: str = ""  # the column the error names
    # Settings that make the case small enough to run in the suite (the limit, not the file, shrinks).
    limits: dict[str, Any] = field(default_factory=dict)
    suffix: str = ".csv"


def _attendance_rows(facts: Facts) -> list[str]:
    return [f"{code},{facts.day.isoformat()},6,1,0,0,0" for code in facts.codes]


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _xlsx_with_sheet(sheet_xml: str) -> bytes:
    """A workbook openpyxl wrote, with its first sheet's XML replaced."""
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["personal_code", "date", "lessons"])
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def billion_laughs(_facts: Facts) -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return _xlsx_with_sheet(
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet {SHEET_NS}><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )


def external_entity(_facts: Facts) -> bytes:
    return _xlsx_with_sheet(
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<worksheet {SHEET_NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        "</sheetData></worksheet>"
    )


def many_rows_xlsx(facts: Facts) -> bytes:
    """Rows that compress a hundredfold: a megabyte of XLSX is a hundred megabytes of XML."""
    row = '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{code}</t></is></c></row>'
    rows = "".join(row.format(n=n, code=facts.codes[0]) for n in range(1, 20_001))
    return _xlsx_with_sheet(f'<?xml version="1.0"?><worksheet {SHEET_NS}><sheetData>{rows}</sheetData></worksheet>')


def far_column_xlsx(facts: Facts) -> bytes:
    """A sheet that declares A1:XFD1048576 and has a cell in the last column of every row."""
    cells = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c>'
        f'<c r="XFD{n}" t="inlineStr"><is><t>y</t></is></c></row>'
        for n in range(1, 200)
    )
    return _xlsx_with_sheet(
        f'<?xml version="1.0"?><worksheet {SHEET_NS}><dimension ref="A1:XFD1048576"/>'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )


def not_a_zip(_facts: Facts) -> bytes:
    return b"PK\x03\x04" + b"\x00garbage" * 100


def stray_quote(facts: Facts) -> bytes:
    """One quote that never closes near the start of a long file (37 s of CPU before the fix)."""
    rows = _attendance_rows(facts)
    good = rows * 20_000
    return _csv(ATTENDANCE, rows[0], f'"{rows[1]}', *good)


def cases() -> list[Case]:
    return [
        Case(
            "nul-bytes",
            "attendance",
            lambda f: _csv(ATTENDANCE, *_attendance_rows(f)).replace(b",6,1", b",6\x00,1", 1),
            "nul_bytes",
            row=2,
        ),
        Case(
            "header-1mb", "attendance", lambda f: _csv("a," * 600_000, *_attendance_rows(f)), "header_too_long", row=1
        ),
        Case("billion-laughs", "attendance", billion_laughs, "xlsx_unreadable", row=1, suffix=".xlsx"),
        Case("external-entity", "attendance", external_entity, "xlsx_unreadable", row=1, suffix=".xlsx"),
        Case("not-a-zip", "attendance", not_a_zip, "xlsx_unreadable", row=1, suffix=".xlsx"),
        Case(
            "xlsx-unpacks-big",
            "attendance",
            many_rows_xlsx,
            "xlsx_too_big",
            row=1,
            limits={"PUMPURS_IMPORT_MAX_XLSX_BYTES": 1024 * 1024},
            suffix=".xlsx",
        ),
        Case(
            "xlsx-far-column",
            "attendance",
            far_column_xlsx,
            "columns_missing",
            row=1,
            column="personal_code",
            suffix=".xlsx",
        ),
        Case(
            "class-name-300",
            "pupils",
            lambda f: _csv(ROSTER, f"{f.codes[0]},Anna,Bērziņa,{f.birth:%d.%m.%Y},S,{f.school},{'7.a' * 100},7"),
            "too_long",
            row=2,
            column="class",
        ),
        Case(
            "birth-2099",
            "pupils",
            lambda f: _csv(ROSTER, f"{f.codes[0]},Anna,Bērziņa,01.09.2099,S,{f.school},7.a,7"),
            "birth_date_implausible",
            row=2,
            column="birth_date",
        ),
        Case(
            "incident-text-5mb",
            "incidents",
            lambda f: _csv(INCIDENTS, f"{f.codes[0]},{f.day.isoformat()},kavēšana,zema,{'ā' * (5 << 20)}"),
            "row_too_long",
            row=2,
        ),
        Case(
            "incident-text-3000-of-2000",
            "incidents",
            lambda f: _csv(INCIDENTS, f"{f.codes[0]},{f.day.isoformat()},kavēšana,zema,{'ā' * 3000}"),
            "cell_too_long",
            row=2,
            column="description",
        ),
        Case(
            "incident-text-3000",
            "incidents",
            lambda f: _csv(INCIDENTS, f"{f.codes[0]},{f.day.isoformat()},kavēšana,zema,{'ā' * 3000}"),
            "too_long",
            row=2,
            column="description",
            limits={"PUMPURS_IMPORT_MAX_CELL_CHARS": 4000},
        ),
        Case(
            "stray-quote",
            "attendance",
            stray_quote,
            "unclosed_quote",
            row=3,
            limits={"PUMPURS_IMPORT_MAX_CELL_CHARS": 100},
        ),
        Case(
            "ragged-row",
            "attendance",
            lambda f: _csv(ATTENDANCE, *_attendance_rows(f), f"{f.codes[0]},{f.day.isoformat()},6,1,0,0,0,9,9,9"),
            "csv_malformed",
            row=2,
        ),
        Case(
            "too-many-columns",
            "attendance",
            lambda f: _csv(ATTENDANCE + ",x" * 200, *_attendance_rows(f)),
            "too_many_columns",
            row=1,
        ),
        Case(
            "too-many-rows",
            "attendance",
            lambda f: _csv(ATTENDANCE, *(_attendance_rows(f) * 30)),
            "too_many_rows",
            limits={"PUMPURS_IMPORT_MAX_ROWS": 50},
        ),
        Case("only-newlines", "attendance", lambda _f: b"\n" * 10_000, "no_header", row=1),
        Case(
            "utf-16",
            "attendance",
            lambda f: "\n".join([ATTENDANCE, *_attendance_rows(f)]).encode("utf-16"),
            None,
        ),
        Case(
            "cr-only",
            "attendance",
            lambda f: "\r".join([ATTENDANCE, *_attendance_rows(f), ""]).encode(),
            None,
        ),
    ]


def write_corpus(directory: Path, facts: Facts) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for case in cases():
        path = directory / f"{case.name}{case.suffix}"
        path.write_bytes(case.build(facts))
        paths[case.name] = path
    return paths


if __name__ == "__main__":  # pragma: no cover - a convenience for trying the files by hand
    made_up = Facts(
        codes=("010112-10011", "020212-10021"), day=dt.date(2026, 9, 7), school="DEMO-LIZUMS", birth=dt.date(2012, 1, 1)
    )
    for written in write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile"), made_up).values():
        print(written)
