"""The importer's pupils read as one frame (decisions 0051, 0059): the same (hash, id) pairs as the
scope's queryset, on both engines, and an empty frame for a scope with nobody in it."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import polars as pl
import pytest

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
