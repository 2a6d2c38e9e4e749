"""Facts from the school's e-journal: attendance, grades and behaviour incidents.

Each fact has a stable natural key so that re-importing a file changes nothing and a corrected
file updates the fact instead of duplicating it (issue 3):

* ``AttendanceDay``: pupil + date (daily counts);
* ``AttendanceMark``: pupil + date + lesson (lesson-level e-journal marks);
* ``Grade``: pupil + subject + period + kind + date;
* ``Incident``: pupil + date + category.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Period, Pupil


class Subject(models.Model):
    """A school subject; the list is configurable and ships with Latvian defaults."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return self.name


class AttendanceCategory(models.TextChoices):
    PRESENT = "present", _("present")
    UNJUSTIFIED = "unjustified", _("unjustified absence")
    ILLNESS = "illness", _("absence due to illness")
    OTHER_JUSTIFIED = "other_justified", _("other justified absence")
    LATE = "late", _("late")


class AttendanceDay(models.Model):
    """One pupil's lessons and absences on one school day (daily-count exports).

    The natural key is the primary key, and the pupil reference has no database-level foreign
    key: at tens of millions of rows per year these are the two costs that dominate a bulk load
    (decision record 0005). Rows are written only by the import, whose pupil ids come from the
    pupil table in the same transaction; deleting a pupil cascades through the ORM.
    """

    pk = models.CompositePrimaryKey("pupil_id", "date")
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="attendance_days", db_constraint=False, db_index=False
    )
    date = models.DateField(_("date"))
    lessons = models.PositiveSmallIntegerField(_("lessons"))
    unjustified = models.PositiveSmallIntegerField(_("unjustified"), default=0)
    illness = models.PositiveSmallIntegerField(_("illness"), default=0)
    other_justified = models.PositiveSmallIntegerField(_("other justified"), default=0)
    late = models.PositiveSmallIntegerField(_("late"), default=0)

    class Meta:
        verbose_name = _("attendance day")
        verbose_name_plural = _("attendance days")
        constraints = [
            models.CheckConstraint(
                condition=Q(unjustified__gte=0, illness__gte=0, other_justified__gte=0, late__gte=0, lessons__gte=0)
                & Q(lessons__gte=F("unjustified") + F("illness") + F("other_justified")),
                name="attendance_day_counts_fit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date}"


class AttendanceMark(models.Model):
    """One lesson's e-journal mark (``n``, ``ns``, …) mapped to a category by a setting.

    Keyed and referenced like ``AttendanceDay`` (decision record 0005).
    """

    pk = models.CompositePrimaryKey("pupil_id", "date", "lesson")
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, related_name="attendance_marks", db_constraint=False, db_index=False
    )
    date = models.DateField(_("date"))
    lesson = models.PositiveSmallIntegerField(_("lesson"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    mark = models.CharField(_("mark"), max_length=10)
    category = models.CharField(_("category"), max_length=16, choices=AttendanceCategory.choices)

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        constraints = [
            models.CheckConstraint(condition=Q(lesson__gte=1, lesson__lte=16), name="attendance_mark_lesson_range"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date} {self.lesson} {self.mark}"


class GradeKind(models.TextChoices):
    ONGOING = "ongoing", _("ongoing")
    TERM = "term", _("term (semester)")
    YEAR = "year", _("year")


class GradeValueKind(models.TextChoices):
    SCORE = "score", _("10-point score")
    NOT_GRADED = "nv", _("not graded yet (nv)")
    PASSED = "passed", _("passed (ieskaitīts)")
    FAILED = "failed", _("not passed (neieskaitīts)")
    LEVEL = "level", _("learning level (S/T/A/P)")


class Grade(models.Model):
    """One grade as recorded in the e-journal. ``nv`` is recorded but is never a mark to average."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="grades")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=GradeKind.choices)
    value_kind = models.CharField(_("value kind"), max_length=8, choices=GradeValueKind.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    level = models.CharField(_("learning level"), max_length=1, blank=True)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "period", "kind", "date"], name="grade_key"),
            models.CheckConstraint(
                condition=(Q(value_kind="score", score__gte=1, score__lte=10, level=""))
                | (Q(value_kind="level", score__isnull=True, level__in=["S", "T", "A", "P"]))
                | (Q(value_kind__in=["nv", "passed", "failed"], score__isnull=True, level="")),
                name="grade_value_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.subject_id} {self.date} {self.score or self.level or self.value_kind}"


class IncidentSeverity(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class Incident(models.Model):
    """A behaviour incident. The description is sensitive free text: shown only where the role allows."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="incidents")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=60)
    severity = models.CharField(_("severity"), max_length=8, choices=IncidentSeverity.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [models.UniqueConstraint(fields=["pupil", "date", "category"], name="incident_key")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date} {self.category}"


# --- Weekly rollups (issue 18, decision 0050) ------------------------------------------------------
#
# Semester-to-date running totals of a pupil's facts at the end of each day of one week: the
# column ``<measure>_<d>`` is the total from the semester's first fact up to and including day
# ``d`` of the week (0 = Monday … 6 = Sunday). ``week`` is the number of whole weeks since Monday
# 2000-01-03, so a day's row and column come from integer arithmetic. Rows are dense: one per
# week from the pupil's first week with a fact in the semester up to the semester's last week
# with a fact of anyone, so any window's sums are a difference of two rows read by equality.
# Kept by every writer of facts through ``journal.rollups.keep_rollups`` (never a trigger).

WEEKDAYS = range(7)
ATTENDANCE_MEASURES = ("lessons", "unjustified", "illness", "other_justified", "late")
GRADE_MEASURES = ("failing", "nv", "score_sum", "score_n")


class AttendanceWeek(models.Model):
    """One pupil's attendance totals in a semester at the end of each day of one week (daily
    rows, and for a day without one the lesson marks of that day, as the indicators count them).
    ``last_day``: the pupil's last day with a fact in the semester up to this week's end."""

    pk = models.CompositePrimaryKey("period_id", "week", "pupil_id")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    week = models.IntegerField(_("week"))
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    last_day = models.DateField(_("last day with facts"))

    class Meta:
        verbose_name = _("attendance week")
        verbose_name_plural = _("attendance weeks")

    def __str__(self) -> str:
        return f"{self.period_id} {self.week} {self.pupil_id}"


class GradeWeek(models.Model):
    """One pupil's grade totals of a semester (``Grade.period``) at the end of each day of one
    week: failing term grades, ``nv`` grades, and the sum and number of the averaged scores."""

    pk = models.CompositePrimaryKey("period_id", "week", "pupil_id")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    week = models.IntegerField(_("week"))
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    last_day = models.DateField(_("last day with facts"))

    class Meta:
        verbose_name = _("grade week")
        verbose_name_plural = _("grade weeks")

    def __str__(self) -> str:
        return f"{self.period_id} {self.week} {self.pupil_id}"


# 35 and 28 integer columns, one per measure and day: declared in a loop, not by hand.
for _measure in ATTENDANCE_MEASURES:
    for _day in WEEKDAYS:
        AttendanceWeek.add_to_class(f"{_measure}_{_day}", models.IntegerField(default=0))
for _measure in GRADE_MEASURES:
    for _day in WEEKDAYS:
        GradeWeek.add_to_class(f"{_measure}_{_day}", models.IntegerField(default=0))


class RollupBuilt(models.Model):
    """A semester's rollups of one kind hold all its facts: built from them (``rollups_rebuild``,
    or the upkeep's first write into a semester it found unbuilt) and kept by every write since.
    The refresh reads rollups only of semesters marked so (decision 0050, "the guard"); a write of
    facts while ``PUMPURS_FACT_ROLLUPS`` is off removes every mark."""

    pk = models.CompositePrimaryKey("period_id", "kind")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10)
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("built rollup")
        verbose_name_plural = _("built rollups")

    def __str__(self) -> str:
        return f"{self.period_id} {self.kind}"
