"""Set-based loading of clean rows: a staging table, then one merge into the target.

PostgreSQL loads the staging table with ``COPY``; SQLite with batched inserts. Counting and
merging are single SQL statements over all rows on both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction

from pumpurs.core.frames import write_frame
from pumpurs.imports.specs.base import ImportSpec
from pumpurs.journal.partitions import is_partitioned, month_partition_name, start_year_of, year_months

STAGE = "pumpurs_import_stage"


def _null_safe_equal(left: str, right: str) -> str:
    if connection.vendor == "postgresql":
        return f"{left} IS NOT DISTINCT FROM {right}"
    return f"{left} IS {right}"


# A stage this many times smaller than its target is joined to it by the target's key, row by row.
PROBE_RATIO = 20


class Stage:
    """A temporary table holding one import's clean rows (dropped with the transaction)."""

    def __init__(self, spec: ImportSpec) -> None:
        self.spec = spec
        self.model = spec.target
        self.table = self.model._meta.db_table
        self.columns = [*spec.key, *spec.values]
        self._diffed = False
        # The first days of the months the staged rows fall in: which month partitions to probe.
        self._months: set[dt.date] = set()
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
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}_changed")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (_row bigint NOT NULL, {', '.join(types)}){on_commit}")
            if connection.vendor == "postgresql":
                # Memory for the key index and the joins of this one transaction (defaults are tiny).
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")

    def load(self, clean: pl.DataFrame) -> None:
        if clean.height == 0:
            return
        # Each batch in the key's order: the probe reads the stage by its key (``_ordered``), and its
        # rows then lie in a few sequential runs instead of all over the temporary table.
        frame = clean.select("_row", *self.columns).sort(list(self.spec.key))
        if "date" in self.spec.key:
            self._months.update(frame.get_column("date").dt.month_start().unique().to_list())
        with connection.cursor() as cursor:
            write_frame(cursor, STAGE, frame)

    def analyse(self) -> None:
        """Temporary tables have no statistics: without them the planner guesses badly."""
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {STAGE}")

    def has_duplicates(self) -> bool:
        """Index the stage on the natural key; a duplicate key makes the unique index fail.

        Cheaper than a GROUP BY over millions of rows, and the sorted index then feeds the merge.
        """
        key = ", ".join(self.q(c) for c in self.spec.key)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"CREATE UNIQUE INDEX {STAGE}_key ON {STAGE} ({key})")
        except IntegrityError:
            return True
        return False

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, first row with the same key) for every row that repeats an earlier row's key."""
        key = ", ".join(self.q(c) for c in self.spec.key)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT _row, first_row FROM (SELECT _row, MIN(_row) OVER (PARTITION BY {key}) AS first_row "
                f"FROM {STAGE}) d WHERE _row <> first_row ORDER BY _row"
            )
            return [(int(r), int(f)) for r, f in cursor.fetchall()]

    def _join(self, left: str, right: str) -> str:
        return " AND ".join(f"{left}.{self.q(c)} = {right}.{self.q(c)}" for c in self.spec.key)

    def _changed(self, left: str, right: str) -> str:
        return " OR ".join(
            f"NOT ({_null_safe_equal(f'{left}.{self.q(c)}', f'{right}.{self.q(c)}')})" for c in self.spec.values
        )

    def counts(self) -> tuple[int, int, int]:
        """(created, updated, unchanged) that a merge would give, without writing (dry runs)."""
        created, updated = self._diff_counts()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
            (total,) = cursor.fetchone()
        return created, updated, int(total) - created - updated

    def _diff_counts(self) -> tuple[int, int]:
        """(created, updated): the new and the changed rows the one probing pass kept."""
        changed = self._diff()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COALESCE(SUM(CASE WHEN _new THEN 1 ELSE 0 END), 0), "
                f"COALESCE(SUM(CASE WHEN _new THEN 0 ELSE 1 END), 0) FROM {changed}"
            )
            created, updated = cursor.fetchone()
        return int(created), int(updated)

    def _targets(self) -> list[tuple[str, str, list[Any]]]:
        """Where the stage's rows are probed: (table, condition on the stage row ``s``, its
        parameters), each staged row under exactly one condition.

        A partitioned target (PostgreSQL, decision 0059) is addressed by the name of each month
        partition the staged dates fall in, chosen here from the dates, so a day's 250 000 probes
        go straight to that month's key: through the partitioned parent every probe went through
        the run-time pruning of all its partitions (and JIT compiled an expression for each of
        them): 1.07 s against 0.41 s by the month's name, `EXPLAIN ANALYZE` at load 2. Not the
        dates as a predicate on the target: the planner then plans with the month's statistics,
        which right after a day was deleted say that day has no rows, and chose a nested loop over
        a filtered scan — more than 10 minutes (docs/performance.md). The month's bounds are
        checked in the catalogue; rows of a month without its partition (a date no school year
        covers, in the default partition) are probed through the parent as before."""
        parent = self.q(self.table)
        if not self._months or not is_partitioned(self.table):
            return [(parent, "TRUE", [])]
        wanted = {}
        for first in sorted(self._months):
            start_year = start_year_of(first)
            after = dict(year_months(start_year))[first]
            wanted[month_partition_name(self.table, start_year, first)] = (first, after)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_partition_tree(%s::regclass) p "
                "JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf AND c.relname = ANY(%s)",
                [parent, list(wanted)],
            )
            bounds = dict(cursor.fetchall())
        targets: list[tuple[str, str, list[Any]]] = []
        for name, (first, after) in wanted.items():
            if bounds.get(name) == f"FOR VALUES FROM ('{first.isoformat()}') TO ('{after.isoformat()}')":
                targets.append((self.q(name), "s.date >= %s AND s.date < %s", [first, after]))
        if len(targets) < len(wanted):
            named = " OR ".join(f"({condition})" for _table, condition, _params in targets) or "FALSE"
            targets.append((parent, f"NOT ({named})", [p for *_rest, params in targets for p in params]))
        return targets

    def _ordered(self, table: str, condition: str) -> str:
        """The rows of ``table`` under ``condition``, sorted by the key, as the source ``s``."""
        key = ", ".join(f"s.{self.q(c)}" for c in self.spec.key)
        return f"(SELECT * FROM {table} s WHERE {condition} ORDER BY {key}) AS s"

    def _diff(self) -> str:
        """The stage's rows that a merge writes — new keys and changed values — with ``_new`` saying
        which, kept in a temporary table: one pass of key probes into the target, which the counts,
        the rollups' upkeep and the merge all read (before, each probed the target again: three
        passes for a day's re-import of 250 000 unchanged rows; decision 0059)."""
        changed = f"{STAGE}_changed"
        if self._diffed:
            return changed
        q = self.q
        probe = q(self.spec.key[0])
        cols = ", ".join(f"s.{q(c)}" for c in self.columns)
        targets = self._targets()
        # The stage's rows in the key's order (a file comes in any order: by name, by class), so the
        # probes walk the target's key leaf after leaf instead of jumping between its pages — a
        # month's key is larger than a default ``shared_buffers`` (decision 0059).
        probes = " UNION ALL ".join(
            f"SELECT {cols}, t.{probe} IS NULL AS _new FROM {self._ordered(STAGE, condition)} "
            f"LEFT JOIN {table} t ON {self._join('t', 's')} "
            f"WHERE t.{probe} IS NULL OR ({self._changed('t', 's')})"
            for table, condition, _params in targets
        )
        with connection.cursor() as cursor, self._by_key(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {changed}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {changed} AS {probes}", [p for *_rest, params in targets for p in params]
            )
            cursor.execute(f"ANALYZE {changed}")
        self._diffed = True
        return changed

    def changed_facts(self, columns: list[str]) -> str:
        """Before ``merge``: a SELECT of the ``columns`` of the stage rows that the merge will insert
        or change (the rollups' upkeep reads it after the merge)."""
        return f"SELECT {', '.join(self.q(c) for c in columns)} FROM {self._diff()}"

    def merge(self) -> tuple[int, int]:
        """Write the stage into the target: new facts inserted, changed facts updated, unchanged
        facts untouched. Returns (created, updated). Keys are unique in the stage (checked).

        Only the rows the one probing pass (``_diff``) found new or changed are written: a
        re-import of unchanged facts writes nothing and probes the target once. PostgreSQL: one
        ``MERGE`` of those rows (its ``WHEN MATCHED`` still compares, so a row made equal meanwhile
        is left alone). SQLite, which has no MERGE: an UPDATE … FROM and an INSERT.
        """
        q = self.q
        table = q(self.table)
        created, updated = self._diff_counts()
        if not created and not updated:
            return 0, 0
        changed = self._diff()
        cols = ", ".join(q(c) for c in self.columns)
        sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in self.spec.values)
        with connection.cursor() as cursor, self._by_key(cursor):
            if connection.vendor == "postgresql":
                # Through the table, not the month partitions the probe went to: an inserted grade
                # takes its id from the table's identity, which a partition does not have.
                values = ", ".join(f"s.{q(c)}" for c in self.columns)
                cursor.execute(
                    f"MERGE INTO {table} AS t USING {self._ordered(changed, 'TRUE')} ON {self._join('t', 's')} "
                    f"WHEN MATCHED AND ({self._changed('t', 's')}) THEN UPDATE SET {sets} "
                    f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})"
                )
                return created, cursor.rowcount - created
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM {changed} AS s WHERE {self._join('t', 's')} AND NOT s._new"
            )
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {changed} WHERE _new")
            return created, updated

    @contextmanager
    def _by_key(self, cursor: Any) -> Iterator[None]:
        """PostgreSQL: join a stage much smaller than its target by probing the target's primary key.

        A day of 250 000 facts against a semester of 17 M: the planner, costing each probe's heap
        page as a random read (``random_page_cost`` 4), chose a hash join over a sequential scan of
        the whole target — 20.5 s for the ``MERGE`` against 3.6 s by the key (docs/performance.md,
        decision 0051). Only for these statements: the previous settings come back after them, so
        whatever else the import's transaction runs is planned as usual. A stage that is a large
        part of its target (a semester re-imported) keeps the planner's own choice.
        """
        if connection.vendor != "postgresql":
            yield
            return
        # The target's estimated rows, its partitions' included (a partitioned parent has none itself).
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM " + STAGE + "), COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)::bigint "
            "FROM pg_class c WHERE c.oid = %s::regclass OR c.oid IN (SELECT relid FROM pg_partition_tree(%s::regclass))",
            [self.q(self.table), self.q(self.table)],
        )
        staged, target = cursor.fetchone()
        if int(staged) * PROBE_RATIO > int(target):
            yield
            return
        cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
        hashjoin, mergejoin = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)")
        yield  # after an error the transaction (or its savepoint) is rolled back, the settings with it
        cursor.execute(
            "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)",
            [hashjoin, mergejoin],
        )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}_changed")
