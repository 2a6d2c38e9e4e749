from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "pumpurs.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Each app declares the event codes it writes in its ``audit_events`` module (decision 0025);
        # importing them here keeps the trail free of imports of the apps above it.
        autodiscover_modules("audit_events")
