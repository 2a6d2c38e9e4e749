"""The audit event codes the api app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("api.token.created", _("Created an API token"), keep=("name",))
event_type_register("api.token.revoked", _("Revoked an API token"), keep=("name",))
