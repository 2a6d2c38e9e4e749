"""Set-based loading of clean rows: a staging table, then one merge into the target.

PostgreSQL loads the staging table with ``COPY``; SQLite with batched inserts. Counting and
merging are single SQL statements over all rows on both engines.
"""

from __future__ import annotations

import polars as pl
from django.db import connection

from pumpurs.imports.specs.base import ImportSpec

STAGE = "pumpurs_import_stage"


def _null_safe_equal(left: str, right: str) -> str:
    if connection.vendor == "postgresql":
        return f"{left} IS NOT DISTINCT FROM {right}"
    return f"{left} IS {right}"


class Stage:
    """A temporary table holding one import's clean rows (dropped with the transaction)."""

    def __init__(self, spec: ImportSpec) -> None:
        self.spec = spec
        self.model = spec.target
        self.table = self.model._meta.db_table
        self.columns = [*spec.key, *spec.values]
        qn = connection.ops.quote_name
        self.q = qn
        types = []
        for name in self.columns:
            field = self.model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
            db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
            types.append(f"{qn(name)} {db_type.replace(' unsigned', '')}")
        on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (_row bigint NOT NULL, {', '.join(types)}){on_commit}")

    def load(self, clean: pl.DataFrame) -> None:
        if clean.height == 0:
            return
        frame = clean.select("_row", *self.columns)
        cols = ", ".join(["_row", *(self.q(c) for c in self.columns)])
        if connection.vendor == "postgresql":
            payload = frame.write_csv(include_header=False, date_format="%Y-%m-%d", null_value="")
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg cursor: COPY is not part of the DB-API
                with raw.copy(f"COPY {STAGE} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(payload)
        else:
            frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
            placeholders = ", ".join(["%s"] * (1 + len(self.columns)))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {STAGE} ({cols}) VALUES ({placeholders})", frame.iter_rows())

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, first row with the same key) for every row that repeats an earlier row's key."""
        key = ", ".join(self.q(c) for c in self.spec.key)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT _row, first_row FROM (SELECT _row, MIN(_row) OVER (PARTITION BY {key}) AS first_row "
                f"FROM {STAGE}) d WHERE _row <> first_row ORDER BY _row"
            )
            return [(int(r), int(f)) for r, f in cursor.fetchall()]

    def counts(self) -> tuple[int, int, int]:
        """(created, updated, unchanged) that a merge would give, computed before merging."""
        q = self.q
        join = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in self.spec.key)
        same = " AND ".join(_null_safe_equal(f"t.{q(c)}", f"s.{q(c)}") for c in self.spec.values)
        probe = q(self.spec.key[0])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), "
                f"COALESCE(SUM(CASE WHEN t.{probe} IS NULL THEN 1 ELSE 0 END), 0), "
                f"COALESCE(SUM(CASE WHEN t.{probe} IS NOT NULL AND {same} THEN 1 ELSE 0 END), 0) "
                f"FROM {STAGE} s LEFT JOIN {q(self.table)} t ON {join}"
            )
            total, created, unchanged = cursor.fetchone()
        return int(created), int(total) - int(created) - int(unchanged), int(unchanged)

    def merge(self) -> None:
        q = self.q
        cols = ", ".join(q(c) for c in self.columns)
        key = ", ".join(q(c) for c in self.spec.key)
        sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in self.spec.values)
        changed = " OR ".join(
            f"NOT ({_null_safe_equal(f'{q(self.table)}.{q(c)}', f'excluded.{q(c)}')})" for c in self.spec.values
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {q(self.table)} ({cols}) SELECT {cols} FROM {STAGE} WHERE true "
                f"ON CONFLICT ({key}) DO UPDATE SET {sets} WHERE {changed}"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
