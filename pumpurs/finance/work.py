"""What money gives people to do ("Mani darbi", people/work.py; decision 0021): the monthly
expense reports the user prepares or approves, oldest month first (``reports_waiting_for``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy

from pumpurs.finance.models import ExpenseReport
from pumpurs.finance.plan_cost import plan_total_eur
from pumpurs.finance.reports import month_text
from pumpurs.finance.selectors import reports_waiting_for
from pumpurs.people.access import Perm
from pumpurs.people.registry import any_perm
from pumpurs.people.work import WorkKind, WorkRow, since_date, work_kind_register
from pumpurs.support.work import plan_cost_register


def reports_to_act_on(user: Any, today: dt.date) -> QuerySet[ExpenseReport]:
    """Reports waiting for the user, since their last step (assembled, prepared, approved by the director)."""
    return reports_waiting_for(user).annotate(
        work_since=Coalesce(F("director_at"), F("prepared_at"), F("assembled_at"))
    )


def _report_rows(reports: Sequence[ExpenseReport], today: dt.date) -> list[WorkRow]:
    return [
        WorkRow(
            subject=month_text(r.month),
            school=r.institution.name,
            what=str(r.get_status_display()),
            since=since_date(r.work_since) or today,  # type: ignore[attr-defined]  # annotated
            url=reverse("finance_report", args=[r.public_id]),
        )
        for r in reports
    ]


def register() -> None:
    """Called from ``FinanceConfig.ready()``: the reports kind, and each waiting plan's cost at the
    rates in force in the approvals kind (``plan_cost.plan_total_eur``)."""
    plan_cost_register(plan_total_eur)
    work_kind_register(
        WorkKind(
            code="expense-reports",
            label=gettext_lazy("Monthly expense reports"),
            help=gettext_lazy("Prepare the month's report of your school, or approve it at your step."),
            order=55,
            applies=any_perm(Perm.PREPARE_EXPENSES, Perm.APPROVE_AS_DIRECTOR, Perm.APPROVE_AS_MUNICIPALITY),
            items=reports_to_act_on,
            in_school=lambda items, school, today: items.filter(institution=school),
            rows=_report_rows,
        )
    )
