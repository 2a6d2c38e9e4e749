"""The audit event codes the privacy app writes (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register(
    "privacy.subject_access.exported",
    _("Exported everything held about a pupil (subject access)"),
    fields={"records": _("records"), "events": _("audit events")},
    keep=("records", "events"),
)
