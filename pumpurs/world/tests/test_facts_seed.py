"""`pumpurs seed` also writes journal facts: most Gulbene pupils are ordinary, a few drift away.

The facts go through the real import services, so these tests also show that a coordinator's
files of this shape import cleanly on both engines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from pumpurs.audit.models import AuditEvent
from pumpurs.imports.models import ImportBatch
from pumpurs.journal.models import AttendanceDay, Grade, Incident, Subject
from pumpurs.journal.seeding import model, write_fact_files
from pumpurs.people.models import Enrolment, Institution, Period, Pupil
from pumpurs.world.facts import FactsNotLoaded
from pumpurs.world.testing import on_day

TODAY = "2026-11-28"  # a Saturday in school year 2026/27 (semester 1 running); 2025/26 is the year before
# The tests run on the seed's day (conftest.py's clock), as a seed run that day would.
pytestmark = on_day(dt.date.fromisoformat(TODAY), "seed_day")
LAST_SCHOOL_DAY = dt.date(2026, 11, 27)


def seed(today: str = TODAY, **options: Any) -> None:
    call_command("seed", today=today, stdout=io.StringIO(), no_risk=True, **options)


def unjustified_by_pupil(starts_on: dt.date, ends_on: dt.date) -> dict[int, int]:
    rows = (
        AttendanceDay.objects.filter(date__range=(starts_on, ends_on))
        .values("pupil")
        .annotate(n=Sum("unjustified"))
        .values_list("pupil", "n")
    )
    return dict(rows)


def journal_dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every journal fact keyed by the pupil's look-up hash instead of run-dependent integer keys."""
    pupil = dict(Pupil.objects.values_list("pk", "personal_code_hash"))
    subject = dict(Subject.objects.values_list("pk", "code"))
    period = {p.pk: (p.school_year.name, p.number) for p in Period.objects.select_related("school_year")}
    attendance = AttendanceDay.objects.values_list(
        "pupil", "date", "lessons", "unjustified", "illness", "other_justified", "late"
    )
    grades = Grade.objects.values_list("pupil", "subject", "period", "date", "kind", "value_kind", "score", "level")
    incidents = Incident.objects.values_list("pupil", "date", "category", "severity", "description")
    return {
        "attendance": sorted((pupil[p], *rest) for p, *rest in attendance),
        "grades": sorted((pupil[p], subject[s], period[q], *rest) for p, s, q, *rest in grades),
        "incidents": sorted((pupil[p], *rest) for p, *rest in incidents),
    }


def test_gulbene_every_pupil_has_facts_most_are_ordinary_and_a_few_drift(db: None) -> None:
    seed(preset="gulbene", seed=7)
    today = dt.date.fromisoformat(TODAY)
    pupils = Pupil.objects.count()
    assert pupils == 1841
    # Every pupil who has had a school day here (a few joined this year, one may have joined today).
    expected = Enrolment.objects.filter(starts_on__lte=LAST_SCHOOL_DAY).count()
    assert AttendanceDay.objects.values("pupil").distinct().count() == expected > pupils - 10
    assert not AttendanceDay.objects.filter(date__gt=today).exists()
    assert all(d.weekday() < 5 for d in AttendanceDay.objects.values_list("date", flat=True).distinct())

    # The current semester: a drifting minority has passed 20 unjustified lessons, most pupils
    # skipped none or almost none.
    current = Period.objects.get(starts_on__lte=today, ends_on__gte=today)
    now = unjustified_by_pupil(current.starts_on, today)
    drifting = {p for p, n in now.items() if n > 20}
    assert 0.03 <= len(drifting) / pupils <= 0.12
    assert sum(1 for n in now.values() if n <= 3) / pupils >= 0.85

    # Their absences rose: a year earlier the same pupils skipped far less.
    before = Period.objects.get(school_year__name="2025/26", number=1)
    then = unjustified_by_pupil(before.starts_on, before.ends_on)
    assert sum(then.get(p, 0) for p in drifting) * 3 < sum(now[p] for p in drifting)

    # Ordinary illness: many pupils were ill at some point over the two years (the spell rate is
    # kept so that the 4-week attendance rule flags about one pupil in ten, not one in four);
    # lateness is rare.
    ill = AttendanceDay.objects.filter(illness__gt=0).values("pupil").distinct().count()
    assert 0.35 < ill / pupils < 0.8
    totals = AttendanceDay.objects.aggregate(lessons=Sum("lessons"), late=Sum("late"))
    assert totals["late"] / totals["lessons"] < 0.01

    # Grades: scores around 6–7 for grades 4–12, learning levels for this year's grades 1–3,
    # term and year grades only for finished semesters, and falling grades for the drifting.
    year_start = current.school_year.starts_on
    young = set(Enrolment.objects.filter(class_group__grade__lte=3).values_list("pupil", flat=True))
    this_year = Grade.objects.filter(date__gte=year_start)
    assert set(this_year.filter(pupil__in=young).values_list("value_kind", flat=True)) == {"level"}
    assert set(this_year.exclude(pupil__in=young).values_list("value_kind", flat=True)) == {"score", "nv"}
    scores = list(Grade.objects.filter(kind="ongoing", value_kind="score").values_list("score", flat=True))
    assert 5.8 <= statistics.mean(scores) <= 7.2
    assert 1.2 <= statistics.pstdev(scores) <= 2.5
    assert {"S", "T", "A", "P"} == set(Grade.objects.filter(value_kind="level").values_list("level", flat=True))
    kinds = Counter(Grade.objects.values_list("kind", "period__school_year__name", "period__number"))
    assert kinds[("term", "2025/26", 1)] > 0
    assert kinds[("term", "2025/26", 2)] > 0
    assert kinds[("year", "2025/26", 2)] > 0
    assert kinds[("term", "2026/27", 1)] == 0  # the semester has not ended
    mean_now: dict[int, list[int]] = defaultdict(list)
    for p, score in this_year.filter(value_kind="score").values_list("pupil", "score"):
        mean_now[p].append(score)
    drifting_mean = statistics.mean(statistics.mean(v) for p, v in mean_now.items() if p in drifting)
    others_mean = statistics.mean(statistics.mean(v) for p, v in mean_now.items() if p not in drifting)
    assert drifting_mean < others_mean - 1

    # Incidents: rare, concentrated among the drifting, in Latvian categories.
    per_pupil = Counter(Incident.objects.values_list("pupil", flat=True))
    assert 0 < sum(per_pupil.values()) < pupils / 3
    drifting_rate = sum(per_pupil[p] for p in drifting) / len(drifting)
    others_rate = sum(n for p, n in per_pupil.items() if p not in drifting) / (pupils - len(drifting))
    assert drifting_rate > 5 * others_rate
    assert set(Incident.objects.values_list("category", flat=True)) <= set(model.INCIDENT_CATEGORIES)
    assert set(Incident.objects.values_list("severity", flat=True)) == {"low", "medium", "high"}
    assert all(Incident.objects.values_list("description", flat=True))

    # Loaded through the import services: one applied batch and one audit event per kind.
    batches = ImportBatch.objects.order_by("kind")
    assert [(b.kind, b.status, b.actor) for b in batches] == [
        ("attendance", "applied", None),
        ("grades", "applied", None),
        ("incidents", "applied", None),
    ]
    assert AuditEvent.objects.filter(action="imports.batch.applied").count() == 3


class Rollback(Exception):
    pass


def test_same_seed_gives_the_same_facts(db: None, tmp_path: Path) -> None:
    today = "2025-01-10"  # the first seeded year: a finished semester and a week of the next — quick

    def dump_of_a_rolled_back_seed() -> dict[str, list[tuple[Any, ...]]]:
        dump: dict[str, list[tuple[Any, ...]]] = {}
        with contextlib.suppress(Rollback), transaction.atomic():
            seed(today, preset="gulbene", seed=7)
            dump = journal_dump()
            raise Rollback
        assert not AttendanceDay.objects.exists()
        return dump

    first = dump_of_a_rolled_back_seed()
    seed(today, preset="gulbene", seed=7)
    second = journal_dump()
    assert len(second["attendance"]) > 100_000
    assert second["grades"]
    assert second["incidents"]
    assert first == second

    # The facts depend on the seed, not only on the pupils: same pupils, another seed, other facts.
    day = dt.date.fromisoformat(today)
    frames = {}
    for value in (7, 8):
        (tmp_path / str(value)).mkdir()
        files = write_fact_files(tmp_path / str(value), preset="gulbene", seed=value, today=day)
        frames[value] = pl.read_csv(files["attendance"][0])
    assert frames[7].height == frames[8].height == len(second["attendance"])
    assert not frames[7].equals(frames[8])


def test_national_preset_gets_one_semester_of_attendance_grades_and_incidents(db: None) -> None:
    seed(preset="national", seed=3, pupils=2000)
    today = dt.date.fromisoformat(TODAY)
    semester = Period.objects.get(starts_on__lte=today, ends_on__gte=today)
    days = AttendanceDay.objects.values_list("date", flat=True)
    expected = Enrolment.objects.filter(starts_on__lte=LAST_SCHOOL_DAY).count()
    assert AttendanceDay.objects.values("pupil").distinct().count() == expected > 1990
    assert min(days) == semester.starts_on
    assert max(days) == LAST_SCHOOL_DAY
    # Grades and incidents of the same semester only, on the days with attendance.
    assert set(Grade.objects.values_list("period", flat=True)) == {semester.pk}
    grade_days = Grade.objects.values_list("date", flat=True)
    assert semester.starts_on <= min(grade_days)
    assert max(grade_days) <= LAST_SCHOOL_DAY
    assert Grade.objects.count() > AttendanceDay.objects.count() / 4
    assert 0 < Incident.objects.count() < AttendanceDay.objects.count() / 100
    vocational = AttendanceDay.objects.filter(pupil__enrolments__institution__kind=Institution.Kind.VOCATIONAL)
    assert set(vocational.values_list("lessons", flat=True)) == {7, 8}
    first_graders = AttendanceDay.objects.filter(
        pupil__enrolments__class_group__grade=1, pupil__enrolments__institution__kind=Institution.Kind.GENERAL
    )
    assert set(first_graders.values_list("lessons", flat=True)) == {4, 5}


def test_national_preset_in_summer_gets_the_whole_last_semester(db: None) -> None:
    seed("2026-07-15", preset="national", seed=3, pupils=300)
    last = Period.objects.get(school_year__name="2025/26", number=2)
    days = AttendanceDay.objects.values_list("date", flat=True)
    assert (min(days), max(days)) == (last.starts_on, last.ends_on)


def test_the_seed_loads_more_attendance_rows_than_an_upload_may_hold(db: None, settings: Any) -> None:
    """The seed is the operator's own bulk load: a national semester passes the 5 M rows an upload
    may hold by late autumn. At a small scale: the limit lowered below the seed's attendance file."""
    settings.PUMPURS_IMPORT_MAX_ROWS = 1_000
    seed(preset="national", seed=3, pupils=300)
    assert AttendanceDay.objects.count() > 1_000
    assert settings.PUMPURS_IMPORT_MAX_ROWS == 1_000, "only the seed's own load is lifted"


def test_no_facts_seeds_people_only(db: None) -> None:
    seed(preset="gulbene", seed=7, no_facts=True)
    assert Pupil.objects.count() == 1841
    assert not AttendanceDay.objects.exists()
    assert not Grade.objects.exists()
    assert not ImportBatch.objects.exists()


def test_facts_the_import_rejects_undo_the_whole_seed(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = model.pupil_days

    def broken(*args: Any, **kwargs: Any) -> pl.DataFrame:
        return real(*args, **kwargs).with_columns(pl.lit(-1).alias("lessons"))

    monkeypatch.setattr(model, "pupil_days", broken)
    with pytest.raises(FactsNotLoaded, match="negative"):
        seed(preset="gulbene", seed=7)
    assert not Institution.objects.exists()
    assert not AttendanceDay.objects.exists()
