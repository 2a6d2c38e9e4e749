from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "pumpurs.privacy"
    label = "privacy"

    def ready(self) -> None:
        # Each app declares its record kinds in its own retention.py (decision 0040); privacy composes.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("retention")
        # Here, not at the top: the registry reads access, and access the models, which exist only now.
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register

        nav_item_register(label=_("Audit trail"), url_name="audit_events", visible=any_perm(Perm.VIEW_AUDIT), order=130)
        nav_item_register(
            label=_("Subject access"), url_name="subject_access", visible=any_perm(Perm.EXPORT_SUBJECT), order=131
        )
        nav_item_register(
            label=_("Emergency accesses"), url_name="emergency_accesses", visible=any_perm(Perm.VIEW_AUDIT), order=132
        )
        nav_item_register(
            label=_("Data protection officer's emergency accesses"),
            url_name="dpo_openings",
            visible=any_perm(Perm.REVIEW_DPO_OPENINGS),
            order=134,
        )
        nav_item_register(
            label=_("Retention and erasure"), url_name="retention", visible=any_perm(Perm.ERASE_PUPIL), order=133
        )
