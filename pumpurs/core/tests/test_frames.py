"""``core.frames``: a frame written to a table and read back is the same frame, on either engine.

The bulk paths (the import's stage, the rollups' build) rely on it; here the edges they rarely
meet: a null, a date, a name that needs quoting, no rows at all, and parameters in the query.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection

from pumpurs.core.frames import read_frame, write_frame

pytestmark = pytest.mark.django_db

SCHEMA = {"pupil_id": pl.Int64, "day": pl.Date, "order": pl.Int32}


@pytest.fixture
def table() -> str:
    with connection.cursor() as cursor:
        cursor.execute('CREATE TEMPORARY TABLE frames_probe (pupil_id bigint, day date, "order" integer)')
    return "frames_probe"


def test_a_frame_written_and_read_back_is_the_same(table: str) -> None:
    frame = pl.DataFrame(
        {"pupil_id": [3, 1, 2], "day": [dt.date(2026, 9, 1), None, dt.date(2026, 12, 7)], "order": [None, 5, 6]},
        schema=SCHEMA,
    )
    with connection.cursor() as cursor:
        assert write_frame(cursor, table, frame) == 3
        back = read_frame(
            cursor,
            f'SELECT pupil_id, day, "order" FROM {table} WHERE pupil_id >= %(low)s ORDER BY pupil_id',  # noqa: S608 — a test table
            {"low": 2},
            SCHEMA,
        )
    assert back.to_dicts() == frame.filter(pl.col("pupil_id") >= 2).sort("pupil_id").to_dicts()
    assert back.schema == pl.Schema(SCHEMA)


def test_no_rows_either_way(table: str) -> None:
    with connection.cursor() as cursor:
        assert write_frame(cursor, table, pl.DataFrame(schema=SCHEMA)) == 0
        empty = read_frame(cursor, f'SELECT pupil_id, day, "order" FROM {table}', {}, SCHEMA)  # noqa: S608 — a test table
    assert empty.height == 0
    assert empty.schema == pl.Schema(SCHEMA)
