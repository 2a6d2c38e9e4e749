from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YouthConfig(AppConfig):
    name = "pumpurs.youth"
    verbose_name = _("youth initiative projects")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register
        from pumpurs.youth import work

        # Shown to those who run or read calls; the evaluators a call names find their
        # applications in "Mani darbi" (youth.work), so no page pays a query to ask who they are.
        nav_item_register(
            label=_("Youth projects"), url_name="youth:calls", visible=any_perm(Perm.VIEW_YOUTH), order=140
        )
        work.register()
