"""Support blocks that other apps' pages ask for:

* ``{% overdue_reviews_block institution %}``: late semester reviews and unconfirmed remote
  consultations, shown on the risk watch list;
* ``{% pupil_support pupil as support %}``: the pupil's open case and whether the reader may open
  one, for the pupil profile and the risk picture.

A template tag keeps the dependency one way, as ``risk_tags`` does for the pupil profile: ``risk``
knows nothing of ``support``; its watch list asks for the block (empty when nothing is late).
"""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people.models import Institution, Pupil
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
