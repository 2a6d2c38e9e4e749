"""Support blocks that other apps' pages ask for:

* ``{% overdue_reviews_block institution %}``: late semester reviews and unconfirmed remote
  consultations, shown on the risk watch list;
* ``{% pupil_support pupil as support %}``: the pupil's open case and whether the reader may open
  one, for the pupil profile and the risk picture;
* ``{% low_income_block pupil plan %}``: the way to the pupil's low-income status, and a warning
  when a plan has a measure that needs it and the status is not recorded for the semester (trap 9
  of issue 13: the page was reachable only from the timeline, and the problem surfaced only when
  the plan was submitted).

A template tag keeps the dependency one way, as ``risk_tags`` does for the pupil profile: ``risk``
knows nothing of ``support``; its watch list asks for the block (empty when nothing is late).
"""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Institution, Pupil
from pumpurs.support.catalogue import low_income_overlaps
from pumpurs.support.selectors import pupil_support_link
from pumpurs.support.timeline import overdue_reviews, plan_url

register = template.Library()


@register.inclusion_tag("support/watch_overdue.html", takes_context=True)
def overdue_reviews_block(context: dict[str, Any], institution: Institution | None = None) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {"overdue": None}
    overdue = overdue_reviews(request.user, institution)
    return {
        "overdue": overdue,
        "plans": [(plan, plan_url(plan)) for plan in overdue.plans],
    }


@register.simple_tag(takes_context=True)
def pupil_support(context: dict[str, Any], pupil: Pupil) -> Any:
    """``{% pupil_support pupil as support %}``: the pupil's open support case (if the reader may
    see support) and whether the reader may open one — for the "Open a support case" actions on
    the risk picture and the link on the profile. None without Perm.VIEW_SUPPORT."""
    request = context.get("request")
    if request is None:
        return None
    return pupil_support_link(request.user, pupil=pupil)


@register.inclusion_tag("support/_low_income.html", takes_context=True)
def low_income_block(context: dict[str, Any], pupil: Pupil, plan: Any = None) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {}
    missing: list[str] = []
    if plan is not None:
        needing = [line.measure for line in plan.measures.all() if line.measure.requires_low_income]
        if needing and not low_income_overlaps(pupil, plan.period.starts_on, plan.period.ends_on):
            missing = [measure.label for measure in needing]
    return {
        "pupil": pupil,
        "missing": missing,
        "may_record": access.can_see_pupil(request.user, pupil, Perm.RECORD_LOW_INCOME),
        "with_link": plan is None,
    }
