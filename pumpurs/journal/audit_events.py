"""The audit event codes the journal app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register(
    "journal.subject.added",
    _("Added a subject"),
    keep=(
        "code",
        "name",
    ),
)
event_type_register("journal.subject.activated", _("Activated a subject"), keep=("code",))
event_type_register("journal.subject.deactivated", _("Deactivated a subject"), keep=("code",))
