from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "pumpurs.prevention"
    verbose_name = _("prevention system")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import (
            any_perm,
            nav_item_register,
            plan_line_materials_register,
            plan_panel_register,
        )
        from pumpurs.prevention.materials import plan_line_materials_set

        nav_item_register(
            label=_("Trainings"), url_name="prevention:trainings", visible=any_perm(Perm.VIEW_TRAININGS), order=150
        )
        # The library is for everyone signed in (issue 16): only those who add materials hold a permission.
        nav_item_register(
            label=_("Materials"), url_name="materials:library", visible=lambda user: user.is_authenticated, order=160
        )
        # A plan line names the materials it used (issue 16); support calls the setter (decision 0027).
        plan_line_materials_register(plan_line_materials_set)
        plan_panel_register(template="prevention/_plan_materials.html", order=20)
