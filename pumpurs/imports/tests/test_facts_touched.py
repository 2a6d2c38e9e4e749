"""A school's fact import refreshes only its own pupils (issue 18 item 3; decision 0048).

Lizuma sends a corrected attendance file: an old day of Anna's and a day of Pēteris's from before
he moved to Tirzas. The refresh that follows recomputes Lizuma's pupils only, by the same
statements as a full refresh, and leaves exactly what a full refresh leaves — the next full
refresh finds nothing to write. Tirzas's and Madona's pupils, their snapshots and their flags,
are not touched; anything else written since the last refresh, or a touched day after the last
day with facts, and the refresh covers the whole semester as before.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from pumpurs.audit.services import audit_record
from pumpurs.imports.facts import facts_after_import, touched_by
from pumpurs.imports.models import ImportBatch
from pumpurs.imports.services import import_batch_create, import_batch_run
from pumpurs.imports.tests.conftest import write_csv
from pumpurs.journal.models import AttendanceDay
from pumpurs.journal.rollups import rollups_rebuild
from pumpurs.people.actors import SystemActor
from pumpurs.people.models import ClassGroup, Enrolment, Pupil
from pumpurs.risk.indicators import indicators_refresh
from pumpurs.risk.models import Flag, IndicatorSnapshot, RefreshMark
from pumpurs.risk.tests.test_indicators import absences_on, attend, term, weekdays
from pumpurs.world.personas import World

HEADER = ["personal_code", "date", "lessons", "unjustified", "illness", "other_justified", "late"]
SNAPSHOT_FIELDS = [f.name for f in IndicatorSnapshot._meta.fields if f.name not in {"id", "pk"}]
FLAG_FIELDS = ["pupil_id", "rule", "status", "value", "threshold", "evidence", "condition_holds", "last_seen_at"]


def snapshots(pupils: list[Pupil] | None = None) -> list[tuple[object, ...]]:
    rows = IndicatorSnapshot.objects.order_by("pupil_id")
    if pupils is not None:
        rows = rows.filter(pupil__in=pupils)
    return list(rows.values_list(*SNAPSHOT_FIELDS))


def flags(pupils: list[Pupil] | None = None) -> list[tuple[object, ...]]:
    rows = Flag.objects.order_by("pupil_id", "rule", "id")
    if pupils is not None:
        rows = rows.filter(pupil__in=pupils)
    return list(rows.values_list(*FLAG_FIELDS))


def without_times(rows: list[tuple[object, ...]], *drop: str) -> list[tuple[object, ...]]:
    fields = SNAPSHOT_FIELDS if len(rows[0]) == len(SNAPSHOT_FIELDS) else FLAG_FIELDS
    keep = [i for i, name in enumerate(fields) if name not in drop]
    return [tuple(row[i] for i in keep) for row in rows]


@pytest.fixture(autouse=True, params=["facts", "rollups"])
def fact_source(request: pytest.FixtureRequest, settings: Any) -> str:
    """Every test twice: the refresh reading the facts, and the weekly rollups (decision 0050),
    which the imports keep while the setting is on."""
    settings.PUMPURS_FACT_ROLLUPS = request.param == "rollups"
    return str(request.param)


def written_directly(world: World) -> None:
    """The tests write some facts directly, not through an import: rebuild the rollups then."""
    if django_settings.PUMPURS_FACT_ROLLUPS:
        rollups_rebuild(period=term(world))


@pytest.fixture
def last_day(world: World) -> dt.date:
    """The last school day with facts (the test clock's day: a Thursday ten weeks into semester 1)."""
    assert world.today.weekday() < 5
    return world.today


@pytest.fixture
def semester(world: World, last_day: dt.date) -> dt.date:
    """Two schools' facts and one full refresh; Pēteris (Lizuma 8.a) moved to Tirzas three weeks ago."""
    period = term(world)
    days = weekdays(period.starts_on, last_day)
    moved_on = last_day - dt.timedelta(days=21)
    Enrolment.objects.filter(pupil=world.pupil_lizuma_8a).update(ends_on=moved_on, end_reason="transferred")
    tirzas_8a = ClassGroup.objects.create(institution=world.tirzas, school_year=world.year, grade=8, name="8.a")
    Enrolment.objects.create(
        pupil=world.pupil_lizuma_8a,
        class_group=tirzas_8a,
        institution=world.tirzas,
        starts_on=moved_on + dt.timedelta(days=1),
    )
    attend(world.pupil_lizuma, days)
    attend(world.pupil_lizuma_8a, days)
    absences_on(world.pupil_tirzas, days, 30)  # over the 20-lesson line: a flag
    attend(world.pupil_madona, days[:-5], unjustified=1)
    written_directly(world)
    first = indicators_refresh(today=last_day, period=period)
    assert first.pupils_recomputed is None
    assert Flag.objects.filter(pupil=world.pupil_tirzas, rule="unjustified_semester").exists()
    return last_day


def lizuma_corrects(world: World, tmp_path: Path, rows: list[list[object]], name: str = "fix.csv") -> ImportBatch:
    path = write_csv(tmp_path / name, [HEADER, *rows])
    batch = import_batch_create(
        kind="attendance",
        path=path,
        filename=name,
        dry_run=False,
        actor=world.coordinator_lizuma,
        institution=world.lizuma,
    )
    assert (
        import_batch_run(batch, actor=world.coordinator_lizuma, today=world.today).status == ImportBatch.Status.APPLIED
    )
    return batch


def corrections(world: World, period_start: dt.date) -> list[list[object]]:
    """Anna's first four school days (weeks before the 4-week window) now have 6 unjustified
    lessons each: 24, over the 20-lesson line; a day of Pēteris's at Lizuma, before he moved, 2."""
    first_days = weekdays(period_start, period_start + dt.timedelta(days=6))
    anna = world.pupil_lizuma.personal_code
    rows: list[list[object]] = [[anna, first_days[0].isoformat(), 6, 6, 0, 0, 0]]
    rows += [[anna, day.isoformat(), 6, 6, 0, 0, 0] for day in first_days[1:4]]
    rows.append(
        [world.pupil_lizuma_8a.personal_code, (period_start + dt.timedelta(days=14)).isoformat(), 6, 2, 0, 0, 0]
    )
    return rows


def test_a_schools_import_recomputes_its_pupils_as_a_full_refresh_would(
    world: World, semester: dt.date, tmp_path: Path
) -> None:
    period = term(world)
    others = [world.pupil_tirzas, world.pupil_madona]
    others_before = snapshots(others), flags(others)
    batch = lizuma_corrects(world, tmp_path, corrections(world, period.starts_on))

    done = facts_after_import.call(batch.pk)

    assert "(only the 2 an import touched)" in done  # Anna and Pēteris: Lizuma's pupils this semester
    assert (snapshots(others), flags(others)) == others_before, "another school's pupils are not touched"
    anna = IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma, period=period)
    assert anna.unjustified == 24
    assert Flag.objects.filter(pupil=world.pupil_lizuma, rule="unjustified_semester", status="open").exists()
    assert IndicatorSnapshot.objects.get(pupil=world.pupil_lizuma_8a, period=period).unjustified == 2

    after_partial = snapshots(), flags()
    full = indicators_refresh(today=semester, period=period)
    assert full.pupils_recomputed is None
    assert (full.snapshots_written, full.flags_raised, full.flags_closed) == (0, 0, 0)
    assert without_times(snapshots(), "computed_at") == without_times(after_partial[0], "computed_at")
    assert flags() == after_partial[1]


def test_after_the_partial_refresh_an_idle_refresh_does_nothing(
    world: World, semester: dt.date, tmp_path: Path
) -> None:
    batch = lizuma_corrects(world, tmp_path, corrections(world, term(world).starts_on))
    facts_after_import.call(batch.pk)
    assert indicators_refresh(today=semester, period=term(world), skip_unchanged=True).unchanged


def test_a_day_after_the_last_day_with_facts_moves_every_window_and_refreshes_all(
    world: World, semester: dt.date, tmp_path: Path
) -> None:
    AttendanceDay.objects.filter(date=semester).delete()  # the facts ended a school day earlier
    written_directly(world)
    indicators_refresh(today=semester, period=term(world))
    mark = RefreshMark.objects.get(period=term(world))
    assert mark.last_fact_day == semester - dt.timedelta(days=1)
    batch = lizuma_corrects(world, tmp_path, [[world.pupil_lizuma.personal_code, semester.isoformat(), 6, 1, 0, 0, 0]])

    done = facts_after_import.call(batch.pk)

    assert "an import touched" not in done
    mark.refresh_from_db()
    assert (mark.last_fact_day, mark.four_weeks_to) == (semester, semester)
    full = indicators_refresh(today=semester, period=term(world))
    assert (full.snapshots_written, full.flags_raised, full.flags_closed) == (0, 0, 0)


@pytest.mark.parametrize("action", ["people.enrolment.started", "risk.threshold.set", "imports.batch.applied"])
def test_any_other_input_since_the_last_refresh_refreshes_all(
    world: World, semester: dt.date, tmp_path: Path, action: str
) -> None:
    with transaction.atomic():
        audit_record(actor=SystemActor(name="system:test"), action=action, data={})
    batch = lizuma_corrects(world, tmp_path, corrections(world, term(world).starts_on))
    done = facts_after_import.call(batch.pk)
    assert "an import touched" not in done
    assert f"pupils {Enrolment.objects.values('pupil').distinct().count()}," in done


def test_the_next_school_day_refreshes_all(world: World, semester: dt.date, tmp_path: Path) -> None:
    next_day = semester + dt.timedelta(days=1)
    batch = lizuma_corrects(world, tmp_path, corrections(world, term(world).starts_on))
    result = indicators_refresh(
        today=next_day,
        period=term(world),
        touched=touched_by([batch.pk]),
    )
    assert result.pupils_recomputed is None
