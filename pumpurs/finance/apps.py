from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "pumpurs.finance"
    verbose_name = _("money")

    def ready(self) -> None:
        # Here, not at the top: the guard reads the models, which exist only now.
        from pumpurs.finance import work
        from pumpurs.finance.caps import month_cap_guard
        from pumpurs.finance.commitments import budget_guard, plan_changed_commit
        from pumpurs.finance.committed import plan_moved_refresh
        from pumpurs.finance.delivered import delivered_refresh
        from pumpurs.finance.rates import prices_in_force
        from pumpurs.people.access import Perm
        from pumpurs.people.registry import any_perm, nav_item_register
        from pumpurs.support.guards import (
            approval_guard_register,
            deliveries_changed_register,
            delivery_guard_register,
            plan_changed_register,
            plan_moved_register,
            plan_panel_register,
        )
        from pumpurs.support.prices import price_source_register

        approval_guard_register(budget_guard)
        delivery_guard_register(month_cap_guard)
        deliveries_changed_register(delivered_refresh)
        plan_changed_register(plan_changed_commit)
        plan_moved_register(plan_moved_refresh)
        price_source_register(prices_in_force, rates_url="finance_rates")
        work.register()  # "Mani darbi": the monthly reports to prepare or approve
        plan_panel_register(template="finance/_plan_money.html", order=10)
        nav_item_register(label=_("Budget"), url_name="finance_budget", visible=any_perm(Perm.VIEW_FINANCE), order=85)
        nav_item_register(label=_("Rates"), url_name="finance_rates", visible=any_perm(Perm.VIEW_FINANCE), order=87)
        nav_item_register(
            label=_("Expense reports"), url_name="finance_reports", visible=any_perm(Perm.VIEW_FINANCE), order=86
        )
