"""``{% may_assess pupil as ok %}``: whether the signed-in user may fill the pupil's questionnaire."""

from __future__ import annotations

from typing import Any

from django import template

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.models import Pupil

register = template.Library()


@register.simple_tag(takes_context=True)
def may_assess(context: dict[str, Any], pupil: Pupil) -> bool:
    request = context.get("request")
    return request is not None and access.can_see_pupil(request.user, pupil, Perm.ASSESS)
