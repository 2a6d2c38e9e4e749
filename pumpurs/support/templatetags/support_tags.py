"""``{% overdue_reviews_block institution %}``: late semester reviews and unconfirmed remote
consultations, shown on the risk watch list.

A template tag keeps the dependency one way, as ``risk_tags`` does for the pupil profile: ``risk``
knows nothing of ``support``; its watch list asks for the block (empty when nothing is late).
"""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people.models import Institution
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
