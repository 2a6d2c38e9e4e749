"""The pupils behind a school's dashboard number: the very definition that counted them
(``reporting.definitions``), within what the reader may see (``people.access``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from pumpurs.people import access
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Pupil
from pumpurs.people.perms import Perm
from pumpurs.reporting import definitions as d


def _definition(metric: str, schools: list[int], start: dt.date, end: dt.date) -> QuerySet[Pupil] | None:
    family, _sep, key = metric.partition(":")
    if family == "flagged":
        return d.flagged_pupils(schools, start, end, rule=key or None)
    if family == "assessed":
        return d.assessed_pupils(schools, start, end, level=key or None)
    if family == "group" and key:
        return d.assessed_pupils(schools, start, end, group=key)
    simple = {
        "at_risk": d.at_risk_pupils,
        "covered": d.at_risk_with_active_plan,
        "with_case": d.pupils_with_case,
        "active_plan": d.pupils_with_active_plan,
        "supported": d.supported_pupils,
    }
    if family in simple and not key:
        return simple[family](schools, start, end)
    return None


def counted_pupils(
    user: Viewer, institution_id: int, metric: str, start: dt.date, end: dt.date, *, perm: Perm
) -> QuerySet[Pupil] | None:
    """The pupils ``metric`` counts at the school for ``[start, end]`` that ``user`` may see under
    ``perm``, by name; ``None`` for a metric that counts no pupils (the caller answers 404)."""
    try:
        found = _definition(metric, [institution_id], start, end)
    except ValueError:  # not a risk group
        return None
    if found is None:
        return None
    visible = access.pupils_visible_to(user, perm, today=end).values("pk")
    return Pupil.objects.filter(pk__in=found.values("pk")).filter(pk__in=visible).order_by("last_name", "first_name")
