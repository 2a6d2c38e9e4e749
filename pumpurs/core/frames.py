"""Polars frames into and out of a table in bulk, on either engine.

PostgreSQL: one ``COPY`` in CSV each way (polars writes and reads CSV in native code; psycopg
streams it), never a Python tuple per row. SQLite: ``executemany`` and ``fetchall`` — the embedded
default holds a school's or a small municipality's data, where that is quick enough.

polars is imported inside the functions: a web process must not load it at start (decision 0054).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    import polars as pl

# Rows per ``COPY`` write: bounds the CSV text held at once (~40 MB for a rollup week's 38 columns).
_SLICE = 200_000


def write_frame(cursor: Any, table: str, frame: pl.DataFrame) -> int:
    """Append ``frame``'s rows to ``table`` (its columns named as the frame's); returns the rows
    written. ``cursor``: a Django cursor in the caller's transaction. Dates go as ISO text."""
    import polars as pl

    if not frame.height:
        return 0
    cols = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            for part in frame.iter_slices(_SLICE):
                copy.write(part.write_csv(include_header=False, date_format="%Y-%m-%d", null_value=""))
    else:
        rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).rows()
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * frame.width)})", rows)  # noqa: S608 — names from code
    return frame.height


def read_frame(cursor: Any, select: str, params: Mapping[str, Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    """The rows of ``select`` (its columns in ``schema``'s order, with ``%(name)s`` parameters)
    as a frame of ``schema``'s types (numbers; NULL stays null)."""
    import polars as pl

    names = list(schema)
    if connection.vendor == "postgresql":
        data = bytearray()
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            # One message per row: appended as they come (a list of 16 M chunks held 7.9 GB).
            while chunk := copy.read():
                data += chunk
        return pl.read_csv(bytes(data), has_header=False, new_columns=names, schema=dict(schema))
    cursor.execute(select, params)
    return pl.DataFrame(cursor.fetchall(), schema=dict(schema), orient="row")
