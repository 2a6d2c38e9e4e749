"""The journal's record kind (decision 0046): attendance, grades and incidents of old school years.

The facts are the e-journal's raw input: the indicators, flags and outcomes computed from them keep
their own periods (decision 0040). A school year goes whole — never a part of one — once its last
day (grades 9 and 12 finish later) is past the period: every fact dated before the next school year
starts. Without a calendar nothing is due. Applied one school year and one table at a time, each
an ``DELETE … WHERE date …`` in a transaction of its own (a national year is tens of millions of
attendance rows) — on PostgreSQL, where those tables are partitioned by school year, a year's
partition is dropped whole instead (``journal.partitions``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.core.retention import Action, Part, record_kind_register, reverse_relations, unprotected
from pumpurs.journal.models import AttendanceDay, AttendanceMark, AttendanceWeek, Grade, GradeWeek, Incident
from pumpurs.journal.partitions import drop_year_partitions_through
from pumpurs.people.models import SchoolYear

MODELS = (AttendanceDay, AttendanceMark, Grade, Incident)
ROLLUPS: dict[type, type[AttendanceWeek] | type[GradeWeek]] = {AttendanceDay: AttendanceWeek, Grade: GradeWeek}


def _old_years(now: dt.datetime) -> list[tuple[dt.date, dt.date]]:
    """The (start, end) of the school years past the period, oldest first; ``end`` is the day
    before the next school year starts (a fact of the summer belongs to the year before it)."""
    cutoff = timezone.localdate(journal.cutoff(now))
    years = list(
        SchoolYear.objects.annotate(
            last=Greatest(F("ends_on"), Coalesce("grade9_ends_on", "ends_on"), Coalesce("grade12_ends_on", "ends_on"))
        )
        .order_by("starts_on")
        .values_list("starts_on", "last")
    )
    spans = []
    for index, (starts_on, last) in enumerate(years):
        if last >= cutoff:
            break
        following = years[index + 1][0] if index + 1 < len(years) else last + dt.timedelta(days=1)
        spans.append((dt.date.min if index == 0 else starts_on, following - dt.timedelta(days=1)))
    return spans


def journal_facts_due(now: dt.datetime) -> Sequence[Part]:
    """Every fact dated before the first school year still within the period."""
    spans = _old_years(now)
    if not spans:
        return tuple(Part(unprotected(model.objects.none()), "date") for model in MODELS)
    through = spans[-1][1]
    return tuple(Part(unprotected(model.objects.filter(date__lte=through)), "date") for model in MODELS)


def journal_facts_steps(parts: Sequence[Part], now: dt.datetime) -> Iterator[Callable[[], int]]:
    """One step per old school year and table, oldest first. On PostgreSQL a partitioned table's
    school-year partitions that lie wholly within what is due are detached and dropped (decision
    0055); the rows left in the span (the default partition, an August on the far side of a
    partition's boundary) are deleted."""
    for start, end in _old_years(now):
        for part in parts:

            def step(part: Part = part, start: dt.date = start, end: dt.date = end) -> int:
                # Dropping a partition skips the ORM's cascades: only for a table nothing points at.
                whole = not reverse_relations(part.model)
                dropped = drop_year_partitions_through(part.model._meta.db_table, end) if whole else 0
                _count, by_model = part.queryset.filter(date__gte=start, date__lte=end).delete()
                # The year's weekly rollups go with its facts (decision 0050), not counted as facts.
                rollup = ROLLUPS.get(part.model)
                if rollup is not None:
                    rollup.objects.filter(period__starts_on__gte=start, period__starts_on__lte=end).delete()
                return dropped + by_model.get(part.model._meta.label, 0)

            yield step


journal = record_kind_register(
    code="journal.facts",
    label=_("E-journal facts of old school years (attendance, grades, incidents)"),
    setting="PUMPURS_RETENTION_JOURNAL_DAYS",
    due=journal_facts_due,
    action=Action.DELETE,
    steps=journal_facts_steps,
    order=45,
)
