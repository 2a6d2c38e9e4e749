from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "pumpurs.risk"
    label = "risk"
    verbose_name = _("Early identification")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people import access
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register, pupil_panel_register

        def counts_only(user: Any) -> bool:
            # Whoever sees the watch list goes there; the counts are for those who see no pupil.
            return access.has_perm(user, Perm.VIEW_RISK_COUNTS) and not access.has_perm(user, Perm.VIEW_RISK)

        def watches(user: Any) -> bool:
            # The DPO reads a pupil's risk record only through break-the-glass: no list of pupils.
            return access.has_perm_by_grant(user, Perm.VIEW_RISK)

        nav_item_register(label=_("Watch list"), url_name="watch_list", visible=watches, order=40)
        nav_item_register(
            label=_("Pupils at risk by school"), url_name="risk_municipality_index", visible=counts_only, order=50
        )
        nav_item_register(label=_("Fairness"), url_name="risk_fairness", visible=any_perm(Perm.VIEW_FAIRNESS), order=90)
        nav_item_register(
            label=_("Questionnaires"),
            url_name="questionnaire_instrument_list",
            visible=any_perm(Perm.MANAGE_INSTRUMENTS),
            order=100,
        )
        nav_item_register(label=_("Notices"), url_name="notice_outbox", visible=any_perm(Perm.VIEW_OUTBOX), order=120)
        pupil_panel_register(template="risk/questionnaire/_pupil_link.html", order=10)
        pupil_panel_register(template="risk/_pupil_risk.html", order=30)
        from pumpurs.risk import work

        work.register()
