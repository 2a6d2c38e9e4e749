from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "pumpurs.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from django.contrib.auth.signals import user_logged_in

        from pumpurs.people.access import Perm
        from pumpurs.people.idle import remember_sign_in
        from pumpurs.people.registry import any_perm, nav_item_register
        from pumpurs.people.work import total_for

        user_logged_in.connect(remember_sign_in, dispatch_uid="pumpurs-idle-sign-in")

        # "Mani darbi" is the home page; its count is what waits for the user (people.work).
        nav_item_register(
            label=_("Home"), url_name="home", visible=any_perm(Perm.VIEW_OVERVIEW), order=10, count=total_for
        )
        nav_item_register(
            label=_("Municipalities and schools"),
            url_name="municipality_list",
            visible=any_perm(Perm.VIEW_OVERVIEW),
            order=20,
        )
        nav_item_register(
            label=_("Find a pupil"), url_name="pupil_search", visible=any_perm(Perm.VIEW_PUPILS), order=30
        )
        nav_item_register(
            label=_("School calendar"), url_name="school_year_list", visible=any_perm(Perm.MANAGE_CALENDAR), order=35
        )
        nav_item_register(label=_("Staff"), url_name="staff_index", visible=any_perm(Perm.MANAGE_STAFF), order=125)
