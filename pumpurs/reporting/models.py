"""The monitoring app's own rows: pre-aggregates written by its services, read by its pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pumpurs.people.models import Municipality, Period


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
