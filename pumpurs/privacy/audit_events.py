"""The audit event codes the privacy app writes (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register(
    "privacy.subject_access.exported",
    _("Exported everything held about a pupil (subject access)"),
    fields={"records": _("records"), "events": _("audit events")},
    keep=("records", "events"),
)

event_type_register(
    "privacy.retention.applied",
    _("Records past their retention period removed, scrubbed or pseudonymised"),
    fields={"count": _("records"), "days": _("retention period, days"), "export": _("export file")},
    keep=("kind", "action", "count", "days", "export"),
)
event_type_register(
    "privacy.export_files.expired",
    _("Generated files past their period removed (retention exports, file mail)"),
    fields={"count": _("files"), "files": _("file names"), "days": _("retention period, days")},
    keep=("count", "files", "days"),
)
event_type_register(
    "privacy.pupil.erased",
    _("A pupil's record erased"),
    fields={"mode": _("how"), "records": _("records"), "events": _("audit events scrubbed")},
    keep=("mode", "reason", "records", "events"),
)
event_type_register(
    "privacy.emergency_access.reviewed",
    _("A data protection officer's emergency access reviewed by a second person"),
    fields={"opened_by": _("opened by"), "opened_at": _("opened"), "note": _("note")},
    keep=("opened_at",),
)
