from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Read-only monitoring: dashboards, the programme's indicators, outcomes and effects (issue 15).

    It reads every app below it and writes only its own pre-aggregates; nothing below imports it.
    """

    name = "pumpurs.reporting"
    verbose_name = _("monitoring")

    def ready(self) -> None:
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register
        from pumpurs.reporting.indicators import audit_events  # noqa: F401  # registers the event codes

        nav_item_register(
            label=_("Indicators"), url_name="reporting:indicators", visible=any_perm(Perm.VIEW_INDICATORS), order=155
        )
