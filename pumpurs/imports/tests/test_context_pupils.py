"""The importer's pupils read as one frame (decisions 0051, 0059): the same (hash, id) pairs as the
scope's queryset, on both engines, and an empty frame for a scope with nobody in it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, cast

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pumpurs.imports.context import ImportContext
from pumpurs.people.models import Pupil
from pumpurs.world.personas import World

pytestmark = pytest.mark.django_db


def _context(pupils: object) -> ImportContext:
    return ImportContext(
        actor=cast(Any, None),  # not read by pupil_by_hash
        today=dt.date(2026, 11, 16),
        institution=None,
        pupils=pupils,
        school_days=(dt.date(2026, 9, 1), dt.date(2027, 6, 19)),
    )


def test_the_scopes_pupils_become_one_frame_of_hash_and_id(world: World) -> None:
    scope = Pupil.objects.filter(pk__in=[world.pupil_lizuma.pk, *Pupil.objects.values_list("pk", flat=True)[:3]])
    frame = _context(scope).pupil_by_hash()
    assert dict(frame.schema) == {"_hash": pl.String, "pupil_id": pl.Int64}
    assert sorted(frame.iter_rows()) == sorted(scope.values_list("personal_code_hash", "pk"))
    assert world.pupil_lizuma.pk in frame.get_column("pupil_id").to_list()


def test_a_scope_with_nobody_gives_an_empty_frame(world: World) -> None:
    frame = _context(Pupil.objects.filter(pk=-1)).pupil_by_hash()
    assert frame.height == 0
    assert frame.columns == ["_hash", "pupil_id"]


def test_deferred_pupils_are_waited_for_by_the_checking_thread(world: World) -> None:
    """``preload(pupils=False)``: a look-up on another thread waits until this thread has read the
    pupils, then finds them (the engine reads them while the first batch is checked)."""
    ctx = _context(Pupil.objects.all())
    ctx.preload(pupils=False)
    code = world.pupil_lizuma.personal_code
    found: list[pl.DataFrame] = []
    readers: list[threading.Thread] = []
    read = ctx._read_pupils

    def read_here() -> pl.DataFrame:
        readers.append(threading.current_thread())
        return read()

    ctx._read_pupils = read_here  # type: ignore[method-assign]
    started = threading.Event()

    def check() -> None:
        started.set()
        found.append(ctx.code_lookup([code]))

    checker = threading.Thread(target=check)
    checker.start()
    # No timed wait here: the suite also runs under faketime, whose clock stands still, so a
    # join with a timeout on a thread that waits would never return.
    started.wait()
    assert not found, "the look-up cannot have its pupils before this thread reads them"
    ctx.load_pupils()
    checker.join()
    # Read once, on this thread (the connection's): the checking thread only waited for them, and
    # found the pupil (a read on its own connection would not see this test's rows).
    assert readers == [threading.current_thread()]
    assert found[0].get_column("pupil_id").to_list() == [world.pupil_lizuma.pk]


class Unreadable:
    """A scope whose query fails, as a lost connection would."""

    def order_by(self) -> Unreadable:
        raise ConnectionError("the database went away")


def test_a_failed_pupils_query_releases_the_waiting_thread_with_an_error(db: None) -> None:
    ctx = _context(Unreadable())
    ctx.preload(pupils=False)
    outcome: list[BaseException] = []

    def check() -> None:
        try:
            ctx.pupil_by_hash()
        except RuntimeError as exc:
            outcome.append(exc)

    checker = threading.Thread(target=check)
    checker.start()
    with pytest.raises(ConnectionError):
        ctx.load_pupils()
    checker.join(timeout=10)
    assert not checker.is_alive(), "not left waiting"
    assert len(outcome) == 1


def test_the_pupils_are_read_without_the_default_order_by_name(world: World) -> None:
    """The pupils' default order (by name) made the server sort the whole scope: 0.7 s of a
    national import's 0.8 s query (decision 0059). Order is no use to a join."""
    assert Pupil._meta.ordering, "the model orders by name: the import must drop it"
    with CaptureQueriesContext(connection) as captured:
        frame = _context(Pupil.objects.all()).pupil_by_hash()
    assert frame.height == Pupil.objects.count()
    (sql,) = [q["sql"] for q in captured.captured_queries if "personal_code_hash" in q["sql"]]
    assert "ORDER BY" not in sql.upper()
