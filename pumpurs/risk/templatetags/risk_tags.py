"""``{% pupil_risk_picture pupil as risk %}``: the risk picture for the pupil profile.

A template tag keeps the dependency one way: ``people`` knows nothing of ``risk``; the profile
template asks for the picture (None without Perm.VIEW_RISK).
"""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people.models import Pupil
from pumpurs.risk import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def pupil_risk_picture(context: dict[str, Any], pupil: Pupil) -> Any:
    request = context.get("request")
    if request is None:
        return None
    return selectors.pupil_risk_picture(request.user, pupil=pupil)
