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


@register.simple_tag(takes_context=True)
def pupil_support(context: dict[str, Any], pupil: Pupil) -> Any:
    """``{% pupil_support pupil as support %}``: the pupil's open support case (if the reader may
    see support) and whether the reader may open one — for the "Open a support case" actions on
    the risk picture and the link on the profile. None without Perm.VIEW_SUPPORT."""
    request = context.get("request")
    if request is None:
        return None
    # Imported here: the risk picture offers the action, but risk does not depend on support.
    from pumpurs.support.selectors import pupil_support_link

    return pupil_support_link(request.user, pupil=pupil)
