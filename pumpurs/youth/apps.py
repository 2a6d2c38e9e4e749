from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YouthConfig(AppConfig):
    name = "pumpurs.youth"
    verbose_name = _("youth initiative projects")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.registry import nav_item_register
        from pumpurs.youth.scope import may_see_any_call

        # Shown to those who run or read calls and to the evaluators a call names.
        nav_item_register(label=_("Youth projects"), url_name="youth:calls", visible=may_see_any_call, order=140)
