"""The audit event codes the finance app writes, with their readable text (decision 0025)."""

from django.utils.translation import gettext_lazy as _

from pumpurs.audit.registry import event_type_register

event_type_register("finance.rate.set", _("Set a measure's rate"), keep=("measure", "unit_cents", "valid_from"))
event_type_register("finance.budget.set", _("Set a budget"), keep=("amount_cents", "activity"))
event_type_register("finance.budget.moved", _("Moved money between budgets"), keep=("amount_cents",))
event_type_register("finance.budget.reversed", _("Reversed a movement of money"), keep=("amount_cents",))
event_type_register("finance.plan.committed", _("Committed a plan's costs"), keep=("total_cents", "before_cents"))
event_type_register(
    "finance.plan.recommitted", _("Committed a changed plan's costs again"), keep=("total_cents", "before_cents")
)
event_type_register("finance.report.assembled", _("Assembled a monthly expense report"))
event_type_register("finance.report.assembled_all", _("Assembled the monthly expense reports"))
event_type_register("finance.report.prepared", _("Prepared a monthly expense report"))
event_type_register("finance.report.director_approved", _("Approved a monthly expense report as the director"))
event_type_register("finance.report.approved", _("Approved and locked a monthly expense report"))
event_type_register("finance.report.returned", _("Returned a monthly expense report for changes"))
event_type_register("finance.delivered.rebuilt", _("Rebuilt the delivered-cents rollup"), keep=("rows",))
