from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "pumpurs.finance"
    verbose_name = _("money")

    def ready(self) -> None:
        # Here, not at the top: the guard reads the models, which exist only now.
        from pumpurs.finance.commitments import budget_guard
        from pumpurs.support.guards import approval_guard_register

        approval_guard_register(budget_guard)
