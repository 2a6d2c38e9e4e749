from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Read-only monitoring: dashboards, the programme's indicators, outcomes and effects (issue 15).

    It reads every app below it and writes only its own pre-aggregates; nothing below imports it.
    """

    name = "pumpurs.reporting"
    verbose_name = _("monitoring")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.perms import Perm
        from pumpurs.people.registry import any_perm, nav_item_register
        from pumpurs.reporting.indicators import audit_events  # noqa: F401  # registers the event codes

        effects = any_perm(Perm.VIEW_EFFECTS)
        nav_item_register(label=_("Outcomes"), url_name="reporting:outcomes", visible=effects, order=92)
        nav_item_register(label=_("Rule quality"), url_name="reporting:rules", visible=effects, order=94)
        nav_item_register(
            label=_("Cost and effect of measures"), url_name="reporting:effects", visible=effects, order=96
        )
        nav_item_register(
            label=_("Dashboard"), url_name="reporting:dashboard", visible=any_perm(Perm.VIEW_DASHBOARD), order=145
        )
        nav_item_register(
            label=_("Indicators"), url_name="reporting:indicators", visible=any_perm(Perm.VIEW_INDICATORS), order=155
        )
