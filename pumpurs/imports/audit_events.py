"""The audit event codes the imports app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("imports.batch.queued", _("Uploaded a file for import"))
event_type_register("imports.batch.dry_run", _("Checked an import file without applying it"))
event_type_register("imports.batch.applied", _("Applied an import"))
event_type_register("imports.batch.rejected", _("Import rejected: the file has errors"))
event_type_register("imports.batch.failed", _("Import failed"))
event_type_register("imports.batch.confirmed", _("Confirmed a checked import"))
event_type_register("imports.batch.files_purged", _("Deleted import files past their retention"))
event_type_register("imports.report.downloaded", _("Downloaded an import's error report"))
event_type_register("imports.batch.interrupted", _("An import was interrupted (its worker stopped)"))
