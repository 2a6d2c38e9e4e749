"""Shared fixtures: the test clock (pumpurs/world/testing.py), the persona world
(pumpurs/world/personas.py) and the import command."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from pumpurs.people.models import Municipality
from pumpurs.world.personas import SCHOOL_DAY, World, build_world
from pumpurs.world.testing import at_ten


@pytest.fixture
def today() -> dt.date:
    """The day the test runs on; parametrise ``today`` to run it on others."""
    return SCHOOL_DAY


@pytest.fixture(autouse=True)
def clock(today: dt.date) -> Iterator[Any]:
    """The process clock at 10:00 on ``today``, ticking from there."""
    with at_ten(today) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the default language (Latvian), whatever the test before it activated
    (a request, ``call_command`` or ``translation.override`` left open): results never depend on
    the order tests run in. A module that wants English activates it in its own fixture."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """On PostgreSQL, the fact partitions of the school years the tests' calendars use (2021/22 to
    2028/29) are made once per test database, committed. A ``SchoolYear`` makes its partitions when
    it is saved (decisions 0055, 0059: 39 tables a year with the months), and inside each test's
    rolled-back transaction that was most of the PostgreSQL stage's time. A test that drops them
    (the migration's round trip) leaves its worker making them again, as before."""
    from django.db import connection

    from pumpurs.journal.partitions import ensure_year_partitions

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            ensure_year_partitions(range(2021, 2029))


@pytest.fixture
def world(db: None, today: dt.date) -> World:
    return build_world(today)


@pytest.fixture
def municipalities(transactional_db: None) -> None:  # for transactional tests that build a world
    """The reference data the migrations load (municipalities, people 0002; the measure catalogue,
    support 0002), which an earlier transactional test's flush took."""
    with (Path(settings.PACKAGE_DIR) / "people" / "data" / "municipalities.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Municipality.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "name_en": row["name_en"], "kind": row["kind"]}
            )
    importlib.import_module("pumpurs.support.migrations.0002_default_catalogue").load(django_apps, None)


@pytest.fixture
def run_import(tmp_path: Path) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Run ``pumpurs import`` with --json and return (exit code, parsed summary)."""

    def run(kind: str, path: Path, *args: str) -> tuple[int, dict[str, Any]]:
        out = StringIO()
        code = 0
        try:
            call_command("import", kind, str(path), "--json", *args, stdout=out)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, json.loads(out.getvalue())

    return run


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_trigger() -> Iterator[None]:
    """On PostgreSQL a trigger refuses TRUNCATE of the audit trail (decision 0025); the test runner's
    flush between transactional tests is the one TRUNCATE we allow, by switching that trigger off
    inside the flush's own transaction."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def flush_all(self: DatabaseOperations, sql_list: list[str]) -> None:
        if sql_list:
            sql_list = [
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate",
                *sql_list,
                "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate",
            ]
        flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", flush_all)
        yield
