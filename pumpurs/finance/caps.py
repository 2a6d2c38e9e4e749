"""The rate's cap per pupil per month, enforced on deliveries (issue 14; decision 0033).

Registered with support as its delivery guard: a delivery that would take what a pupil received of
one measure in a calendar month above the cap of the rate in force that day is refused with the
numbers (cap, already this month, this entry, over by) and the field to change. "Already this month"
is read from the delivered-cents rollup: every counted delivery of the pupil's plan lines of the
same measure (by catalogue code) in that month, whatever the plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from pumpurs.core.display import money_text
from pumpurs.finance.models import Commitment, DeliveredMonth
from pumpurs.finance.money import cents_of, euros, round_cents
from pumpurs.finance.rates import rate_in_force
from pumpurs.support.models import PlanMeasure


def entry_cents(line: PlanMeasure, quantity: Decimal, amount: Decimal | None, unit_cents: int | None) -> int:
    """What one delivery costs, as its report line will: its amount, else quantity × unit price."""
    if amount is not None:
        return cents_of(amount)
    if unit_cents is None:
        return 0
    return round_cents(Decimal(quantity) * unit_cents)


def month_cap_guard(line: PlanMeasure, day: dt.date, quantity: Decimal, amount: Decimal | None) -> None:
    """Refuse a delivery of ``line`` on ``day`` that goes over the rate's cap per pupil per month."""
    case = line.plan.case
    code = line.measure.code
    rate = rate_in_force(code, case.institution.municipality_id, day)
    if rate is None or rate.cap_month_cents is None:
        return
    committed = Commitment.objects.filter(line=line).values_list("unit_cents", flat=True).first()
    this = entry_cents(line, quantity, amount, committed if committed is not None else rate.unit_cents)
    month = day.replace(day=1)
    already = int(
        DeliveredMonth.objects.filter(
            month=month, line__plan__case__pupil_id=case.pupil_id, line__measure__code=code
        ).aggregate(total=Sum("cents"))["total"]
        or 0
    )
    if already + this <= rate.cap_month_cents:
        return
    # The field the person changes: a consultation's duration, else the amount or the quantity.
    field = "minutes" if line.measure.is_consultation else ("amount" if amount is not None else "quantity")
    message = ValidationError(
        _(
            "“%(name)s” has a cap of %(cap)s per pupil per month: already %(already)s in %(month)s, this entry "
            "%(this)s — over by %(over)s."
        )
        % {
            "name": str(line.measure),
            "cap": money_text(euros(rate.cap_month_cents)),
            "already": money_text(euros(already)),
            "month": f"{month:%m.%Y}",
            "this": money_text(euros(this)),
            "over": money_text(euros(already + this - rate.cap_month_cents)),
        },
        code="over_month_cap",
    )
    raise ValidationError({field: message})
