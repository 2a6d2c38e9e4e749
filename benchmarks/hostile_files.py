"""What the hostile files of issue 17 (H2) cost the process that reads them, with the default limits.

    .venv/bin/python benchmarks/hostile_files.py

Builds, at the sizes the audit reported, (a) an XLSX of 1 M one-cell rows that zips to about a
megabyte, (b) an XLSX that declares the dimension A1:XFD1048576 and has a cell in column XFD on
each of 20 000 rows, (c) a 2 MB attendance CSV with one stray quote near its start, (d) a
billion-laughs XLSX; then reads each one in a separate process, the way the worker does
(``readers.open_source`` and every batch of ``iter_batches``), and prints wall time, peak RSS and
the answer (an error code, or the rows read). No database is needed: reading is what costs.

Before decision 0024 the web request read files up to 2 MB: (b)-like files took it to 1.4 GB for
59 s, (a) held it 206 s, (c) cost 37 s of CPU. Now no request reads a file, and the worker's
reading is bounded by the limits in DEVELOPERS.md.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = ("xlsx-1m-rows", "xlsx-far-column", "csv-stray-quote", "xlsx-billion-laughs")


def _workbook(path: Path, sheet_xml_parts: list[str]) -> None:
    """A minimal workbook whose first sheet is written from ``sheet_xml_parts`` (streamed into the zip)."""
    from openpyxl import Workbook

    template = path.with_suffix(".template.xlsx")
    Workbook().save(template)
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
                    for part in sheet_xml_parts:
                        out.write(part.encode())
            else:
                dst.writestr(info.filename, src.read(info.filename))
    template.unlink()


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def build(case: str, directory: Path) -> Path:
    if case == "xlsx-1m-rows":
        path = directory / "rows.xlsx"
        rows = (f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, 1_000_001))
        _workbook(path, [f'<?xml version="1.0"?><worksheet {NS}><sheetData>', *rows, "</sheetData></worksheet>"])
        return path
    if case == "xlsx-far-column":
        path = directory / "far.xlsx"
        rows = (
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c><c r="XFD{n}"><v>1</v></c></row>'
            for n in range(1, 20_001)
        )
        head = f'<?xml version="1.0"?><worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        _workbook(path, [head, *rows, "</sheetData></worksheet>"])
        return path
    if case == "csv-stray-quote":
        path = directory / "quote.csv"
        line = "010112-10011,2026-10-05,7,0,0,0,0\n"
        body = line * (2 * 1024 * 1024 // len(line))
        path.write_text("personal_code,date,lessons,unjustified,illness,other_justified,late\n" + line + '"' + body)
        return path
    if case == "xlsx-billion-laughs":
        path = directory / "laughs.xlsx"
        entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
        _workbook(
            path,
            [
                f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet {NS}><sheetData>'
                '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
            ],
        )
        return path
    raise SystemExit(f"unknown case {case}")


def read(path: Path) -> dict[str, object]:
    """In this process: read ``path`` as the worker does and say what came of it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pumpurs.settings")
    os.environ.setdefault("PUMPURS_DATA_DIR", tempfile.mkdtemp(prefix="pumpurs-bench-"))
    import django

    django.setup()
    from pumpurs.imports.readers import SourceError, iter_batches, open_source

    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            source = open_source(path, tmpdir=Path(tmp))
            names = [f"c{i}" for i in range(len(source.header))]
            for frame in iter_batches(source, names):
                rows += frame.height
            answer = f"read {rows} rows"
        except SourceError as exc:
            answer = f"{exc.code} (row {exc.row})"
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "answer": answer,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        print(json.dumps(read(Path(sys.argv[2]))))
        return
    with tempfile.TemporaryDirectory(prefix="pumpurs-hostile-") as tmp:
        print(f"{'case':22} {'file':>9} {'seconds':>8} {'peak MB':>8}  answer")
        for case in CASES:
            path = build(case, Path(tmp))
            size = path.stat().st_size
            out = subprocess.run(
                [sys.executable, __file__, "--read", str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{case:22} {size / 1024:>7.0f}KB {result['seconds']:>8} {result['peak_mb']:>8}  {result['answer']}")


if __name__ == "__main__":
    main()
