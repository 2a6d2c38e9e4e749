"""The seed's facts have their foreign keys checked once after the load, set-based (issue 18,
item 5; decision 0032): the schema afterwards is exactly what it was — the same keys, valid and
deferred as before — and a row without its parent is still refused, during the load and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from pumpurs.core.bulkload import foreign_keys_checked_once
from pumpurs.journal.models import Grade, Incident, Subject
from pumpurs.people.models import Period
from pumpurs.world.facts import FACT_TABLES
from pumpurs.world.personas import World

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's foreign-key triggers")


def keys() -> list[tuple[Any, ...]]:
    """Every foreign key of the fact tables: table, name, definition, validated, deferrable, deferred."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated, condeferrable, "
            "condeferred FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [[m._meta.db_table for m in FACT_TABLES]],
        )
        return cursor.fetchall()


def insert_grade(pupil_id: int, *, immediate: bool = False) -> None:
    subject = Subject.objects.order_by("pk").first()
    period = Period.objects.order_by("pk").first()
    assert subject is not None
    assert period is not None
    with connection.cursor() as cursor:
        if immediate:  # the deferred check now, as at commit
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "INSERT INTO journal_grade (pupil_id, subject_id, period_id, date, kind, value_kind, score, level) "
            "VALUES (%s, %s, %s, %s, 'current', 'score', 7, '')",
            [pupil_id, subject.pk, period.pk, dt.date(2026, 10, 1)],
        )


def test_the_keys_come_back_the_same_and_valid(world: World) -> None:
    before = keys()
    assert {table for table, *_rest in before} == {"journal_attendancemark", "journal_grade", "journal_incident"}
    assert all(valid and deferrable and deferred for *_key, valid, deferrable, deferred in before)
    with transaction.atomic(), foreign_keys_checked_once(FACT_TABLES) as dropped:
        assert sorted(dropped) == sorted(name for _t, name, *_rest in before)
        assert keys() == []
        insert_grade(world.pupil_lizuma.pk)
    assert keys() == before
    assert Grade.objects.filter(pupil=world.pupil_lizuma, date=dt.date(2026, 10, 1)).exists()


def test_a_row_without_its_parent_fails_the_load_and_the_keys_stay(world: World) -> None:
    before = keys()
    with pytest.raises(IntegrityError), transaction.atomic(), foreign_keys_checked_once([Grade, Incident]):
        insert_grade(-1)
    assert keys() == before
    assert not Grade.objects.filter(pupil_id=-1).exists()


def test_after_the_load_a_row_without_its_parent_is_still_refused(world: World) -> None:
    with transaction.atomic(), foreign_keys_checked_once(FACT_TABLES):
        insert_grade(world.pupil_lizuma.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_grade(-1, immediate=True)


def test_outside_a_transaction_it_refuses_to_start(world: World) -> None:
    # pytest-django wraps each test in a transaction: leave it to reach "no atomic block".
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError), foreign_keys_checked_once(FACT_TABLES):
            pass
    finally:
        connection.in_atomic_block = saved
