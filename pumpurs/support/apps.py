from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "pumpurs.support"
    verbose_name = _("individual support")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register, pupil_panel_register
        from pumpurs.risk.served import served_pupils_register
        from pumpurs.support.models import Case

        nav_item_register(
            label=_("Support"), url_name="support_case_list", visible=any_perm(Perm.VIEW_SUPPORT), order=60
        )
        nav_item_register(
            label=_("Approvals"),
            url_name="support_approvals",
            visible=any_perm(Perm.APPROVE_AS_DIRECTOR, Perm.APPROVE_AS_MUNICIPALITY, Perm.APPROVE_AS_NATIONAL),
            order=70,
        )
        nav_item_register(
            label=_("Measure catalogue"),
            url_name="support_catalogue:catalogue",
            visible=any_perm(Perm.VIEW_SUPPORT),
            order=80,
        )
        nav_item_register(
            label=_("Year-end rollover"),
            url_name="support_rollover_index",
            visible=any_perm(Perm.MANAGE_PUPILS),
            order=115,
        )
        nav_item_register(
            label=_("Children without a school"),
            url_name="support_out_of_school",
            visible=any_perm(Perm.VIEW_OUT_OF_SCHOOL),
            order=65,
        )
        pupil_panel_register(template="support/_pupil_support.html", order=20)
        # An accepted flag keeps a pupil on the watch list until a case serves them (risk.served).
        served_pupils_register(lambda: Case.objects.filter(status=Case.Status.OPEN).values("pupil_id"))
        from pumpurs.support import work

        work.register()
