"""The audit event codes of the indicator report (decision 0025): who read or exported which
report. The report names no pupil, so the events carry no pupil, only what was asked for."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

KEEP = ("year", "semester", "municipality", "format")

event_type_register("reporting.indicators.viewed", _("Viewed the programme indicator report"), keep=KEEP)
event_type_register("reporting.indicators.exported", _("Exported the programme indicator report"), keep=KEEP)
