"""The monitoring app's own rows: pre-aggregates written by its services, read by its pages."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Municipality, Period, SchoolYear


class ErrorRateRecord(models.Model):
    """A flag rule's four counts (flagged/not × left/stayed) for one semester, one municipality
    and one group of pupils — the history of the fairness error rates (decision 0030).

    Written by ``reporting.error_rates.error_rates_record`` (the scheduled ``error_rates`` job)
    once the semester's outcomes are known; true counts, suppressed only when shown. The
    national figure is the sum over municipalities (each pupil is counted in one place)."""

    class Dimension(models.TextChoices):
        GENDER = "gender", _("gender")
        GRADE_BAND = "grade_band", _("grade band")
        MUNICIPALITY_KIND = "municipality_kind", _("municipality type")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=40)  # a risk rule's code, or "any"
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    group = models.CharField(max_length=20)  # "F", "7–9", "novads" …
    tp = models.PositiveIntegerField()  # flagged, left without completing
    fp = models.PositiveIntegerField()  # flagged, stayed
    fn = models.PositiveIntegerField()  # not flagged, left
    tn = models.PositiveIntegerField()  # not flagged, stayed
    horizon_on = models.DateField()  # the day the outcomes were read
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("error-rate record")
        verbose_name_plural = _("error-rate records")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "municipality", "rule", "dimension", "group"], name="error_rate_record_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.municipality_id} {self.rule} {self.dimension}={self.group}"


# The dashboards' pre-aggregate (decision 0029): every number a dashboard shows, per school, per
# municipality and for the country, per bucket (a week, a semester or a school year), computed
# set-based by ``reporting.refresh.dashboards_refresh`` after the indicator refresh, so that a
# national page reads a few hundred small rows instead of the facts of 250 000 pupils.
#
# A row holds a true count (never suppressed): the small-cell rule is applied when a page or an
# export shows the rows, since suppression depends on what is shown beside a cell.


class Level(models.TextChoices):
    SCHOOL = "school", "school"
    MUNICIPALITY = "municipality", "municipality"
    NATIONAL = "national", "national"


class Bucket(models.TextChoices):
    WEEK = "week", "week"
    SEMESTER = "semester", "semester"
    YEAR = "year", "school year"


class DashboardCell(models.Model):
    """One number: ``metric`` (``flagged``, ``flagged:<rule>``, ``plans:<status>``,
    ``wait:<step>:<days>``, ``cents:<measure>`` …; see ``reporting.dashboard``) of one unit — a
    school (``unit_id`` = the institution), a municipality (= the municipality) or the country
    (0) — over the bucket ``starts_on``–``ends_on`` (a week from Monday, a semester, a school year).
    ``municipality_id`` is the school's municipality, so that a municipality's page reads its
    schools' rows by one index."""

    level = models.CharField(max_length=12, choices=Level.choices)
    unit_id = models.BigIntegerField()
    municipality_id = models.BigIntegerField(null=True, blank=True)
    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    metric = models.CharField(max_length=80)
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "unit_id", "bucket", "starts_on", "metric"], name="dashboardcell_key"
            )
        ]
        indexes = [
            models.Index(fields=["level", "municipality_id", "bucket", "starts_on"], name="dashboardcell_schools")
        ]

    def __str__(self) -> str:
        return f"{self.level}:{self.unit_id} {self.bucket} {self.starts_on} {self.metric}={self.value}"


class DashboardRefresh(models.Model):
    """When the pre-aggregate was last computed, for which day and how long it took (the page
    says how fresh its numbers are)."""

    computed_at = models.DateTimeField()
    # Names this refresh in the keys of the rendered pages kept until the next one (never reused,
    # unlike a primary key after a rollback or a time under a pinned test clock).
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    for_day = models.DateField()
    cells = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.for_day} {self.cells} cells"


# The effect page's pre-aggregates (issue 15, decision 0038): written by
# ``reporting.effects_refresh.effects_refresh`` with the dashboards' cells (the ``indicators`` job),
# read by ``/monitoring/effects/`` instead of the pupils' rows. True counts and sums, never
# suppressed: the page applies the minimum sample and the small-cell rule when it shows them.


class EffectCell(models.Model):
    """Sufficient statistics of one comparison cell: for one semester, one municipality (``NULL``:
    the whole country), one stratum (decision 0031) and one measure's receivers (``treated``) or
    the others, the pupils, and for each outcome the pupils measured, Σ outcome and Σ outcome². The
    row with ``measure`` ``""`` holds every pupil of the cell (``treated`` false). ``as_of`` is the
    day the outcomes were read (the last attendance window ends on it)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", null=True)
    stratum = models.IntegerField()
    measure = models.CharField(max_length=40, blank=True)
    treated = models.BooleanField()
    pupils = models.PositiveIntegerField()
    attendance_n = models.PositiveIntegerField()
    attendance_sum = models.FloatField()
    attendance_sumsq = models.FloatField()
    left_n = models.PositiveIntegerField()
    left_sum = models.FloatField()
    left_sumsq = models.FloatField()
    as_of = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "municipality", "stratum", "measure", "treated"],
                name="effectcell_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.municipality_id} {self.stratum} {self.measure} {self.treated}"


class CostCell(models.Model):
    """The costs of one window (a semester, or a school year's semesters) for one municipality
    (``NULL``: the whole country) and one measure: the pupils who received it, the quantity, the
    cents spent and the deliveries without a price. The row with ``measure`` ``""`` holds the
    supported pupils and the spending of all measures (``reporting.costs``)."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", null=True)
    measure = models.CharField(max_length=40, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    pupils = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    spent = models.BigIntegerField()  # cents
    unpriced = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["starts_on", "ends_on", "municipality", "measure", "unit"], name="costcell_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on} {self.municipality_id} {self.measure}"


class MonitoringRefresh(models.Model):
    """When the monitoring pre-aggregates (effect, cost and indicator cells) were last written, for
    which day and in how long (the pages say how fresh their numbers are)."""

    computed_at = models.DateTimeField()
    for_day = models.DateField()
    effect_cells = models.PositiveIntegerField()
    cost_cells = models.PositiveIntegerField()
    indicator_cells = models.PositiveIntegerField()
    rule_groups = models.PositiveIntegerField()
    # The outcome cells held after this refresh; NULL: written before the outcome cells existed
    # (the outcomes page counts live until a refresh has written them).
    outcome_cells = models.PositiveIntegerField(null=True)
    seconds = models.FloatField()

    class Meta:
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.for_day} {self.effect_cells}+{self.cost_cells}+{self.indicator_cells}+{self.rule_groups} rows"


class IndicatorCell(models.Model):
    """One raw figure of the programme indicators (``reporting.indicators.compute``) for a report's
    window (``report.window_of``: a school year or a semester): a school's (``institution``), or a
    municipality's own — its youth calls and trainings — (``municipality``), or the national
    programme's own (both ``NULL``). True values: the report adds them up and protects small cells
    when it reads them, exactly as when it counts live. Written by
    ``reporting.indicators.refresh.indicators_cells_refresh`` with the dashboards' cells."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    institution_id = models.BigIntegerField(null=True)
    municipality_id = models.BigIntegerField(null=True)
    code = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=24, decimal_places=4)

    class Meta:
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="indicatorcell_window")]

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on} {self.institution_id or self.municipality_id} {self.code}"


class RuleGroupCell(models.Model):
    """One group of the rule-quality population (``rule_quality.population_groups``) of a school
    year: the pupils of one municipality, gender and grade with one outcome (left without
    completing or not) whom the same rules flagged (``rules``: their codes, comma-separated).
    Written by ``rule_quality.rule_groups_refresh`` with the other monitoring cells; the page adds
    the groups up and protects small cells as it does when it counts live."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    municipality_id = models.BigIntegerField()
    municipality_kind = models.CharField(max_length=20)
    gender = models.CharField(max_length=10)
    grade = models.IntegerField(null=True)
    left = models.BooleanField()
    rules = models.CharField(max_length=400, blank=True)
    pupils = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.school_year_id} {self.municipality_id} {self.gender} {self.grade} {self.rules}: {self.pupils}"


class OutcomeCell(models.Model):
    """The outcomes page's pre-aggregate (decision 0056): how many pupils of one cohort (the school
    year of their first flag or support), whose school on that first day was ``institution_id``,
    supported or not by the horizon, had ``outcome`` at one horizon — one year after the first day
    (``horizon_year`` ``NULL``) or the end of the school year ``horizon_year``. Exactly the rows of
    ``outcomes.outcome_counts(per_school=True)`` on the refresh's day: each pupil and horizon is
    counted at one school, so a municipality's or the country's counts are sums of these. Written
    by ``outcome_cells.outcome_cells_refresh`` with the other monitoring cells (only the cells that
    changed); true counts, suppressed when shown."""

    cohort = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    horizon = models.CharField(max_length=12)  # outcomes.Horizon
    horizon_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+", null=True)
    institution_id = models.BigIntegerField()
    municipality_id = models.BigIntegerField()
    supported = models.BooleanField()
    outcome = models.CharField(max_length=16)  # outcomes.OutcomeKind
    pupils = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("cohort"),
                F("horizon"),
                Coalesce(F("horizon_year"), Value(0)),  # NULLs would be distinct in a plain key
                F("institution_id"),
                F("supported"),
                F("outcome"),
                name="outcomecell_key",
            )
        ]
        indexes = [models.Index(fields=["horizon", "institution_id"], name="outcomecell_read")]

    def __str__(self) -> str:
        return f"{self.cohort_id} {self.horizon} {self.horizon_year_id} {self.institution_id} {self.outcome}"


class DashboardWindow(models.Model):
    """A window (a week, a semester, a school year) whose cells ``DashboardCell`` holds, with the
    signature of the facts they were computed from (``reporting.signatures``, decision 0039): the
    refresh recomputes a past window only when its signature has changed, and drops the cells of
    a window that has left the dashboards (the thirteenth week back)."""

    bucket = models.CharField(max_length=8, choices=Bucket.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    signature = models.CharField(max_length=64)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "starts_on"], name="dashboardwindow_key")]

    def __str__(self) -> str:
        return f"{self.bucket} {self.starts_on}–{self.ends_on}"
