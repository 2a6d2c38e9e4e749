from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "pumpurs.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register

        nav_item_register(label=_("Scheduled jobs"), url_name="ops_jobs", visible=any_perm(Perm.VIEW_JOBS), order=200)
