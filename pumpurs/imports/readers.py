"""Turning an uploaded file into UTF-8 CSV batches: encoding, delimiter and XLSX handled here.

Supported (issue 3, DESIGN §6): CSV in UTF-8 with or without BOM, or Windows-1257 (detected:
a file that is not valid UTF-8 is read as Windows-1257, the usual encoding of Latvian office
exports; ``encoding`` forces one), delimiter ``,`` ``;`` or tab (detected from the header line),
and XLSX (first sheet, or a named one). Everything streams: memory stays bounded by the batch
size, not the file size.

Every file is hostile until read (issue 17, decision 0024): it is read only by the worker or the
operator's command, never by a web request, and within ``Limits`` — rows, columns, the length of a
cell and of a record, the uncompressed size of an XLSX and the wall time. Each refusal is a
``SourceError`` with a stable code, the row (and column) it was found at, and a message in the
reader's language; no library's own message reaches the user.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

# polars is imported inside the functions that parse: the upload form and the batch pages read
# ``XLSX_MAGIC`` here, and loaded at module level it cost every command's and web process's start
# (decision 0054).
if TYPE_CHECKING:
    import polars as pl

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


# The longest header line read (a header names a few dozen columns).
HEADER_BYTES = 64 * 1024
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class SourceError(Exception):
    """The file as a whole cannot be read (not a row problem). ``code`` is stable for tests and
    clients; ``row`` and ``column`` say where the reading stopped (row 1 is the header)."""

    def __init__(self, code: str, message: str, *, row: int = 1, column: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """What one import may cost, whatever the file says (settings ``PUMPURS_IMPORT_MAX_*``)."""

    rows: int
    columns: int
    cell_chars: int
    xlsx_bytes: int
    seconds: float
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            rows=settings.PUMPURS_IMPORT_MAX_ROWS,
            columns=settings.PUMPURS_IMPORT_MAX_COLUMNS,
            cell_chars=settings.PUMPURS_IMPORT_MAX_CELL_CHARS,
            xlsx_bytes=settings.PUMPURS_IMPORT_MAX_XLSX_BYTES,
            seconds=settings.PUMPURS_IMPORT_MAX_SECONDS,
        )

    @property
    def record_bytes(self) -> int:
        """The longest record (one row, quoted line breaks included) the reader waits for."""
        return self.cell_chars * 4 * self.columns

    def check_time(self, row: int) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise SourceError(
                "too_slow",
                _(
                    "Reading the file took longer than %(seconds)s seconds and was stopped near row %(row)s: "
                    "split the file into smaller ones."
                )
                % {"seconds": int(self.seconds), "row": row},
                row=row,
            )

    def check_rows(self, rows: int) -> None:
        if rows > self.rows:
            raise SourceError(
                "too_many_rows",
                _("The file has more than %(max)s rows: split it (for example by month).") % {"max": self.rows},
                row=rows + 1,
            )


@dataclass
class Source:
    """A readable UTF-8 CSV with a known delimiter, plus what was detected about the original."""

    path: Path
    delimiter: str
    encoding: str
    file_format: str  # "csv" | "xlsx"
    header: list[str]
    limits: Limits = field(default_factory=Limits.from_settings)
    _temporary: list[Path] = field(default_factory=list)

    def cleanup(self) -> None:
        for path in self._temporary:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Scan:
    encoding: str  # "utf-8", "utf-8-sig", "cp1257" or "utf-16"
    cr_only: bool  # lines end with CR alone (old Mac exports): read with universal newlines


def _scan(path: Path) -> _Scan:
    """One pass over the bytes: the encoding, NUL bytes (refused, with their row) and line ends."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(UTF16_BOMS):
            return _Scan("utf-16", cr_only=False)
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, lf, cr, row = True, False, False, 1
        while chunk := handle.read(CHUNK):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                ends = b"\n" if lf or b"\n" in chunk else b"\r"
                row += chunk.count(ends, 0, nul)
                raise SourceError(
                    "nul_bytes",
                    _(
                        "Row %(row)s contains a NUL character: this is not a text file as saved. "
                        "Save it from the spreadsheet as CSV UTF-8 or XLSX."
                    )
                    % {"row": row},
                    row=row,
                )
            lf = lf or b"\n" in chunk
            cr = cr or b"\r" in chunk
            row += chunk.count(b"\n" if lf else b"\r")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    # Not valid UTF-8: the usual encoding of Latvian office exports.
    plain = "utf-8" if utf8 else "cp1257"
    return _Scan("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else plain, cr_only=cr and not lf)


def _temporary_csv(tmpdir: Path) -> Path:
    """A new private file (0600) for a converted copy; its descriptor closed, not leaked by the worker."""
    descriptor, name = tempfile.mkstemp(suffix=".csv", dir=tmpdir)
    os.close(descriptor)
    return Path(name)


def _transcode(path: Path, encoding: str, tmpdir: Path, *, universal: bool = False) -> Path:
    out = _temporary_csv(tmpdir)
    try:
        with (
            # Universal newlines turn CR-only line ends into LF; otherwise line ends are kept as they are.
            path.open("r", encoding=encoding, newline=None if universal else "") as src,
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
    with path.open("rb") as handle:
        line = handle.readline(HEADER_BYTES + 1)
    if len(line) > HEADER_BYTES:
        raise SourceError(
            "header_too_long",
            _("The first line is longer than %(max)s KB: it must name the columns only.")
            % {"max": HEADER_BYTES // 1024},
        )
    return line.decode("utf-8", errors="replace")


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _xlsx_unreadable() -> SourceError:
    return SourceError(
        "xlsx_unreadable",
        _("The XLSX file cannot be opened: save it again from the spreadsheet (as XLSX or CSV UTF-8)."),
    )


def _check_xlsx_size(path: Path, limits: Limits) -> None:
    """Refuse a workbook whose parts would unpack to more than the limit (a zip bomb, or a sheet of
    a million rows that compresses to a megabyte) before any of it is parsed. A zip member never
    yields more than the size it declares, so the declared sizes bound the work."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _xlsx_unreadable() from None
    if unpacked > limits.xlsx_bytes:
        raise SourceError(
            "xlsx_too_big",
            _(
                "The XLSX file unpacks to more than %(max)s MB: save the sheet as CSV UTF-8 or split it "
                "(for example by month)."
            )
            % {"max": limits.xlsx_bytes // (1024 * 1024)},
        )


def _xlsx_to_csv(path: Path, sheet: str | None, tmpdir: Path, limits: Limits) -> Path:
    from openpyxl import DEFUSEDXML, load_workbook

    # defusedxml refuses entity declarations (billion laughs) and external entities (decision 0024).
    assert DEFUSEDXML, "defusedxml must be installed: openpyxl would parse XLSX with the unguarded parser"
    _check_xlsx_size(path, limits)
    handle = path.open("rb")  # a file object: openpyxl would otherwise insist on an .xlsx name
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        handle.close()
        raise _xlsx_unreadable() from None
    out = _temporary_csv(tmpdir)
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
        # The declared dimension is the file's word: ignore it, and never widen a row past the limit
        # (a cell in column XFD would otherwise pad every row to 16 384 cells).
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        with out.open("w", encoding="utf-8", newline="") as dst:
            writer = csv.writer(dst)
            for number, row in enumerate(worksheet.iter_rows(max_col=limits.columns + 1, values_only=True), start=1):
                if number % 1000 == 0:
                    limits.check_time(number)
                limits.check_rows(number - 1)
                cells = list(row or ())
                while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
                    cells.pop()
                if len(cells) > limits.columns:
                    raise _too_many_columns(limits, row=number)
                writer.writerow([_xlsx_cell(cell) for cell in cells])
        return out
    except SourceError:
        out.unlink(missing_ok=True)
        raise
    except Exception:
        out.unlink(missing_ok=True)
        raise _xlsx_unreadable() from None
    finally:
        workbook.close()
        handle.close()


def _too_many_columns(limits: Limits, *, row: int = 1) -> SourceError:
    return SourceError(
        "too_many_columns",
        _("Row %(row)s has more than %(max)s columns: keep only the columns of the import.")
        % {"row": row, "max": limits.columns},
        row=row,
    )


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
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    tmpdir: Path | None = None,
    limits: Limits | None = None,
) -> Source:
    """Prepare ``path`` for reading; raise ``SourceError`` when the file as a whole is unusable."""
    tmp = tmpdir or Path(tempfile.gettempdir())
    limits = limits or Limits.from_settings()
    if path.stat().st_size == 0:
        raise SourceError("empty_file", _("The file is empty: export it again with a header row and data rows."))
    with path.open("rb") as handle:
        magic = handle.read(4)
    temporary: list[Path] = []
    if magic == XLSX_MAGIC:
        csv_path = _xlsx_to_csv(path, sheet, tmp, limits)
        temporary.append(csv_path)
        detected, file_format, delimiter = "xlsx", "xlsx", ","
    else:
        if sheet is not None:
            raise SourceError("sheet_not_xlsx", _("A sheet name applies to XLSX files only; this file is CSV."))
        scan = _scan(path)
        if encoding is not None:
            key = encoding.strip().lower()
            if key not in ENCODING_ALIASES:
                raise SourceError(
                    "encoding_unknown",
                    _("Unknown encoding %(encoding)s: use utf-8 or windows-1257.") % {"encoding": encoding},
                )
            detected = ENCODING_ALIASES[key]
            if detected == "utf-8" and scan.encoding == "cp1257":
                raise SourceError(
                    "encoding",
                    _(
                        "The file is not valid UTF-8: it looks like Windows-1257. Let the encoding be detected automatically."
                    ),
                )
            if scan.encoding == "utf-16":
                detected = "utf-16"  # its byte-order mark says so, whatever was chosen
        else:
            detected = scan.encoding
        file_format = "csv"
        if detected == "utf-8" and not scan.cr_only:
            csv_path = path
        else:
            csv_path = _transcode(path, detected, tmp, universal=scan.cr_only)
            temporary.append(csv_path)
        delimiter = ""
    try:
        first = _first_line(csv_path)
        if not first.strip():
            raise SourceError("no_header", _("The first line is empty: the first row must name the columns."))
        if not delimiter:
            delimiter = _detect_delimiter(first)
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        if len(header) > limits.columns:
            raise _too_many_columns(limits)
    except SourceError:
        for extra in temporary:
            extra.unlink(missing_ok=True)
        raise
    except csv.Error:
        for extra in temporary:
            extra.unlink(missing_ok=True)
        raise SourceError("csv_malformed", _("The header line cannot be read: check its quotes."), row=1) from None
    return Source(
        path=csv_path,
        delimiter=delimiter,
        encoding=detected,
        file_format=file_format,
        header=header,
        limits=limits,
        _temporary=temporary,
    )


def iter_batches(source: Source, columns: list[str], *, batch_rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
    """Yield the data rows as string columns named ``columns`` (one per header cell, in order),
    plus ``_row``: the row's number as a spreadsheet shows it (the header is row 1).

    The file is cut into blocks of about ``batch_rows`` lines at record boundaries (a newline
    preceded by an even number of quote characters, so quoted line breaks stay whole) and each
    block is parsed by polars. Nothing is read ahead: memory is bounded by one block, whatever
    the file's size. A record longer than the limits allow (typically a stray quote that never
    closes) is refused at its row, not waited for until the end of the file.
    """
    limits = source.limits
    with source.path.open("rb") as handle:
        handle.readline(HEADER_BYTES + 1)  # the header, already read by open_source
        next_row = 2
        carry = b""
        block_bytes = 4 << 20
        while True:
            limits.check_time(next_row)
            chunk = handle.read(block_bytes)
            data = carry + chunk
            if not data:
                return
            cut = _record_boundary(data)
            if len(data) - cut > limits.record_bytes:
                row = next_row + data.count(b"\n", 0, cut)
                if data.count(b'"', cut) % 2 == 0:
                    raise SourceError(
                        "row_too_long",
                        _("Row %(row)s is longer than %(max)s KB: a cell in it is far too long.")
                        % {"row": row, "max": limits.record_bytes // 1024},
                        row=row,
                    )
                raise SourceError(
                    "unclosed_quote",
                    _(
                        'Row %(row)s opens a quote (") that does not close: the rest of the file would be '
                        "one cell. Check the quotes in that row."
                    )
                    % {"row": row},
                    row=row,
                )
            if not chunk:
                cut = len(data)  # the end of the file ends the last record
            if cut <= 0:
                # No whole record yet (a long record): read more before parsing.
                carry = data
                block_bytes *= 2
                continue
            body, carry = data[:cut], data[cut:]
            frame = _parse_block(body, source.delimiter, columns, next_row)
            _check_cells(frame, columns, source.header, limits)
            next_row += frame.height
            limits.check_rows(next_row - 2)
            if frame.height:
                yield frame
            # Aim for ``batch_rows`` rows per block: scale the next read by this block's density.
            if frame.height:
                block_bytes = max(1 << 16, min(256 << 20, int(len(body) * batch_rows / frame.height)))


def _record_boundary(data: bytes) -> int:
    """Index just past the last newline that ends a record (outside quotes), or 0.

    Walks back from the block's last newline: a newline ends a record when the quotes before it
    are even. In a block without a stray quote that is the last newline, found by the C-level
    ``rfind``/``count`` without a Python step per line (a per-line scan cost 0.1–0.3 s per
    250 000 rows). Each byte is counted once however far back it walks (a stray quote early in the
    block), so the cost stays linear (counting from the start for every candidate was quadratic)."""
    position = data.rfind(b"\n")
    if position < 0:
        return 0
    before = data.count(b'"', 0, position)
    while before % 2:
        previous = data.rfind(b"\n", 0, position)
        if previous < 0:
            return 0
        before -= data.count(b'"', previous, position)
        position = previous
    return position + 1


def _check_cells(frame: pl.DataFrame, columns: list[str], header: list[str], limits: Limits) -> None:
    """Refuse a cell longer than any column may hold, at its row and under its header name."""
    import polars as pl

    if not frame.height:
        return
    lengths = frame.select(pl.col(c).str.len_chars().max() for c in columns).row(0)
    too_long = [c for c, length in zip(columns, lengths, strict=True) if (length or 0) > limits.cell_chars]
    if not too_long:
        return
    index = columns.index(too_long[0])
    row = frame.filter(pl.col(too_long[0]).str.len_chars() > limits.cell_chars).get_column("_row")[0]
    raise SourceError(
        "cell_too_long",
        _("A cell in column %(column)s is longer than %(max)s characters.")
        % {"column": header[index] if index < len(header) else too_long[0], "max": limits.cell_chars},
        row=int(row),
        column=too_long[0],
    )


def _parse_block(body: bytes, delimiter: str, columns: list[str], first_row: int) -> pl.DataFrame:
    import polars as pl

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
    except pl.exceptions.PolarsError:
        # polars' own message is English and about its internals: the user gets where and what to check.
        raise SourceError(
            "csv_malformed",
            _(
                "The CSV cannot be read between rows %(row)s and %(last)s: check the quotes and that no row has "
                "more cells than the header."
            )
            % {"row": first_row, "last": first_row + body.count(b"\n")},
            row=first_row,
        ) from None
    if frame.width < len(columns) + 1:
        # Short lines: polars names only the columns it saw; the rest are empty.
        frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in columns if c not in frame.columns)
    return frame.with_columns(pl.col("_row").cast(pl.Int64))
