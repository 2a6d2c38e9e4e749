"""The audit event codes the monitoring app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register(
    "reporting.error_rates.recorded",
    _("Recorded the flag rules' error rates of a semester"),
    keep=("semester", "rows"),
)
event_type_register("reporting.pupils.listed", _("Listed the pupils behind a dashboard number"), keep=("metric",))
event_type_register(
    "reporting.dashboard.exported", _("Exported a dashboard's tables"), keep=("level", "place", "format")
)
