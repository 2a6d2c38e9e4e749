"""A pupil's attendance week by week (issue 15, for the pupil's page): lessons missed each week of
the semester, unjustified, for illness and other justified, stacked — where one dot per semester
said nothing about *when* the absences came.

The facts are the journal's, counted as the indicators count them (``risk/indicators.py``): a
pupil-day's daily row when there is one, else its lesson marks, one lesson per mark. Both kinds
are grouped by week in the database and read in **one** statement (a ``UNION ALL`` of the two
grouped sets; a week may appear in both and is added up here). Drawn as a server-side SVG
(``charts.stacked_bars``) with the same numbers in a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncWeek

from pumpurs.core.display import day_text
from pumpurs.journal.models import AttendanceCategory, AttendanceDay, AttendanceMark
from pumpurs.people.models import Period, Pupil
from pumpurs.risk.charts import StackedBars, stacked_bars

# The parts of a bar, bottom up: what weighs most on a pupil's path is nearest the axis.
PARTS = ("unjustified", "illness", "other_justified")


@dataclass(frozen=True)
class Week:
    monday: dt.date
    lessons: int
    unjustified: int
    illness: int
    other_justified: int

    @property
    def missed(self) -> int:
        return self.unjustified + self.illness + self.other_justified

    @property
    def label(self) -> str:
        return day_text(self.monday)


def _as_date(value: object) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


def weekly_attendance(pupil: Pupil, period: Period) -> list[Week]:
    """Every week of ``period`` with journal facts for ``pupil``, oldest first (one query)."""
    span = Q(pupil_id=pupil.pk, date__gte=period.starts_on, date__lte=period.ends_on)
    days = (
        AttendanceDay.objects.filter(span)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(
            n_lessons=Sum("lessons"),
            n_unjustified=Sum("unjustified"),
            n_illness=Sum("illness"),
            n_other=Sum("other_justified"),
        )
        .order_by()
    )
    daily = AttendanceDay.objects.filter(pupil_id=OuterRef("pupil_id"), date=OuterRef("date"))
    marks = (
        AttendanceMark.objects.filter(span)
        .exclude(Exists(daily))
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(
            n_lessons=Count("lesson"),
            n_unjustified=Count("lesson", filter=Q(category=AttendanceCategory.UNJUSTIFIED)),
            n_illness=Count("lesson", filter=Q(category=AttendanceCategory.ILLNESS)),
            n_other=Count("lesson", filter=Q(category=AttendanceCategory.OTHER_JUSTIFIED)),
        )
        .order_by()
    )
    totals: dict[dt.date, list[int]] = {}
    for row in days.union(marks, all=True).values_list("week", "n_lessons", "n_unjustified", "n_illness", "n_other"):
        week = totals.setdefault(_as_date(row[0]), [0, 0, 0, 0])
        for i, value in enumerate(row[1:]):
            week[i] += int(value or 0)
    return [Week(monday, *counts) for monday, counts in sorted(totals.items())]


def weekly_chart(weeks: list[Week]) -> StackedBars | None:
    """The weeks as stacked bars of lessons missed; None when nothing was recorded."""
    if not weeks:
        return None
    return stacked_bars([(w.label, [w.unjustified, w.illness, w.other_justified]) for w in weeks], parts=list(PARTS))


__all__ = ["PARTS", "Week", "weekly_attendance", "weekly_chart"]
