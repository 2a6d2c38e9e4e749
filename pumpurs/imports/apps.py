from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "pumpurs.imports"
    label = "imports"
    verbose_name = _("Data imports")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register

        nav_item_register(
            label=_("Data imports"), url_name="import_list", visible=any_perm(Perm.IMPORT_DATA), order=110
        )
        from pumpurs.imports import work

        work.register()
