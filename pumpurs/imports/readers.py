"""Turning an uploaded file into UTF-8 CSV batches: encoding, delimiter and XLSX handled here.

Supported (issue 3, DESIGN §6): CSV in UTF-8 with or without BOM, or Windows-1257 (detected:
a file that is not valid UTF-8 is read as Windows-1257, the usual encoding of Latvian office
exports; ``encoding`` forces one), delimiter ``,`` ``;`` or tab (detected from the header line),
and XLSX (first sheet, or a named one). Everything streams: memory stays bounded by the batch
size, not the file size.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
# Rows checked per batch. Measured (docs/performance.md): 50 000 is as fast as larger batches
# and keeps the importing process near 250 MB whatever the file size.
BATCH_ROWS = 50_000
DELIMITERS = (",", ";", "\t")
CHUNK = 1 << 20
ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "windows-1257": "cp1257",
    "cp1257": "cp1257",
    "win1257": "cp1257",
    "baltic": "cp1257",
}


class SourceError(Exception):
    """The file as a whole cannot be read (not a row problem). ``code`` is stable for tests and clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Source:
    """A readable UTF-8 CSV with a known delimiter, plus what was detected about the original."""

    path: Path
    delimiter: str
    encoding: str
    file_format: str  # "csv" | "xlsx"
    header: list[str]
    _temporary: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for path in self._temporary:
            path.unlink(missing_ok=True)


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(3)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1257"
    return "utf-8"


def _transcode(path: Path, encoding: str, tmpdir: Path) -> Path:
    out = Path(tempfile.mkstemp(suffix=".csv", dir=tmpdir)[1])
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            out.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(CHUNK):
                dst.write(chunk)
    except UnicodeDecodeError:
        out.unlink(missing_ok=True)
        raise SourceError(
            "encoding",
            _("The file is not valid %(encoding)s: save it as UTF-8 CSV or name the right encoding.")
            % {"encoding": encoding},
        ) from None
    return out


def _first_line(path: Path) -> str:
    with path.open("r", encoding="utf-8", newline="") as handle:
        return handle.readline()


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _xlsx_to_csv(path: Path, sheet: str | None, tmpdir: Path) -> Path:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    handle = path.open("rb")  # a file object: openpyxl would otherwise insist on an .xlsx name
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
        handle.close()
        raise SourceError(
            "xlsx_unreadable", f"The XLSX file cannot be opened ({exc}). Save it again from the spreadsheet."
        ) from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise SourceError(
                    "sheet_missing",
                    _("The workbook has no sheet %(sheet)s; it has: %(sheets)s.")
                    % {"sheet": sheet, "sheets": ", ".join(workbook.sheetnames)},
                )
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        out = Path(tempfile.mkstemp(suffix=".csv", dir=tmpdir)[1])
        with out.open("w", encoding="utf-8", newline="") as dst:
            writer = csv.writer(dst)
            for row in worksheet.iter_rows(values_only=True):
                if row is None or all(cell is None or str(cell).strip() == "" for cell in row):
                    writer.writerow([])
                    continue
                writer.writerow([_xlsx_cell(cell) for cell in row])
        return out
    finally:
        workbook.close()
        handle.close()


def _xlsx_cell(cell: object) -> str:
    import datetime as dt

    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time(0) else cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def open_source(
    path: Path, *, encoding: str | None = None, sheet: str | None = None, tmpdir: Path | None = None
) -> Source:
    """Prepare ``path`` for reading; raise ``SourceError`` when the file as a whole is unusable."""
    tmp = tmpdir or Path(tempfile.gettempdir())
    if path.stat().st_size == 0:
        raise SourceError("empty_file", _("The file is empty: export it again with a header row and data rows."))
    with path.open("rb") as handle:
        magic = handle.read(4)
    temporary: list[Path] = []
    if magic == XLSX_MAGIC:
        csv_path = _xlsx_to_csv(path, sheet, tmp)
        temporary.append(csv_path)
        detected, file_format, delimiter = "xlsx", "xlsx", ","
    else:
        if sheet is not None:
            raise SourceError("sheet_not_xlsx", _("A sheet name applies to XLSX files only; this file is CSV."))
        if encoding is not None:
            key = encoding.strip().lower()
            if key not in ENCODING_ALIASES:
                raise SourceError(
                    "encoding_unknown",
                    _("Unknown encoding %(encoding)s: use utf-8 or windows-1257.") % {"encoding": encoding},
                )
            detected = ENCODING_ALIASES[key]
            if detected == "utf-8" and _detect_encoding(path) == "cp1257":
                raise SourceError(
                    "encoding",
                    _(
                        "The file is not valid UTF-8: it looks like Windows-1257. Let the encoding be detected automatically."
                    ),
                )
        else:
            detected = _detect_encoding(path)
        file_format = "csv"
        if detected == "utf-8":
            csv_path = path
        else:
            csv_path = _transcode(path, detected, tmp)
            temporary.append(csv_path)
        delimiter = ""
    first = _first_line(csv_path)
    if not first.strip():
        for extra in temporary:
            extra.unlink(missing_ok=True)
        raise SourceError("no_header", _("The first line is empty: the first row must name the columns."))
    if not delimiter:
        delimiter = _detect_delimiter(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    return Source(
        path=csv_path,
        delimiter=delimiter,
        encoding=detected,
        file_format=file_format,
        header=header,
        _temporary=temporary,
    )


def iter_batches(source: Source, columns: list[str], *, batch_rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    """Yield the data rows as string columns named ``columns`` (one per header cell, in order),
    plus ``_row``: the row's number as a spreadsheet shows it (the header is row 1).

    The file is cut into blocks of about ``batch_rows`` lines at record boundaries (a newline
    preceded by an even number of quote characters, so quoted line breaks stay whole) and each
    block is parsed by polars. Nothing is read ahead: memory is bounded by one block, whatever
    the file's size.
    """
    with source.path.open("rb") as handle:
        handle.readline()  # the header, already read by open_source
        next_row = 2
        carry = b""
        block_bytes = 4 << 20
        while True:
            chunk = handle.read(block_bytes)
            data = carry + chunk
            if not data:
                return
            cut = _record_boundary(data) if chunk else len(data)
            if cut <= 0:
                # No whole record yet (a very long record): read more before parsing.
                carry = data
                block_bytes *= 2
                continue
            body, carry = data[:cut], data[cut:]
            frame = _parse_block(body, source.delimiter, columns, next_row)
            next_row += frame.height
            if frame.height:
                yield frame
            # Aim for ``batch_rows`` rows per block: scale the next read by this block's density.
            if frame.height:
                block_bytes = max(1 << 16, min(256 << 20, int(len(body) * batch_rows / frame.height)))


def _record_boundary(data: bytes) -> int:
    """Index just past the last newline that ends a record (outside quotes), or 0."""
    end = data.rfind(b"\n")
    while end >= 0:
        if data.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


def _parse_block(body: bytes, delimiter: str, columns: list[str], first_row: int) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            has_header=False,
            new_columns=columns,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,  # every cell is text until a spec cleans it
            truncate_ragged_lines=False,
            raise_if_empty=False,
            row_index_name="_row",
            row_index_offset=first_row,
        )
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            "csv_malformed",
            _("The CSV cannot be read near row %(row)s (%(error)s): check quotes and the number of columns.")
            % {"row": first_row, "error": str(exc).splitlines()[0]},
        ) from None
    if frame.width < len(columns) + 1:
        # Short lines: polars names only the columns it saw; the rest are empty.
        frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in columns if c not in frame.columns)
    return frame.with_columns(pl.col("_row").cast(pl.Int64))
