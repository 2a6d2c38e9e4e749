"""The municipality's view: counts of flagged pupils per school, never a name."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import Viewer
from pumpurs.people.models import Institution, Municipality
from pumpurs.risk.models import Flag, FlagStatus, Level
from pumpurs.risk.selectors.common import current_enrolments, latest_level


@dataclass
class SchoolCounts:
    institution: Institution
    pupils: int
    flagged: int
    high_level: int
    by_rule: dict[str, int]


def municipality_counts(
    user: Viewer, *, municipality: Municipality, today: dt.date | None = None
) -> list[SchoolCounts]:
    """Per school of ``municipality`` the user may count: pupils now enrolled, pupils with an open
    flag, pupils per rule of their open flags, pupils whose latest questionnaire level is high."""
    today = today or timezone.localdate()
    schools = list(
        access.institutions_visible_to(user, Perm.VIEW_RISK_COUNTS).filter(municipality=municipality).order_by("name")
    )
    current = current_enrolments(today).filter(institution__in=schools)
    pupil = OuterRef("pupil_id")
    totals = (
        current.annotate(
            has_open_flag=Exists(Flag.objects.filter(pupil_id=pupil, status=FlagStatus.OPEN)),
            level=latest_level(pupil),
        )
        .values("institution_id")
        .annotate(
            pupils=Count("pupil_id", distinct=True),
            flagged=Count("pupil_id", distinct=True, filter=Q(has_open_flag=True)),
            high=Count("pupil_id", distinct=True, filter=Q(level=Level.HIGH)),
        )
        .order_by()
    )
    by_school = {t["institution_id"]: t for t in totals}
    rules: dict[int, dict[str, int]] = defaultdict(dict)
    per_rule = (
        current.filter(pupil__flags__status=FlagStatus.OPEN)
        .values("institution_id", "pupil__flags__rule")
        .annotate(n=Count("pupil_id", distinct=True))
        .order_by()
    )
    for r in per_rule:
        rules[r["institution_id"]][r["pupil__flags__rule"]] = r["n"]
    empty = {"pupils": 0, "flagged": 0, "high": 0}
    return [
        SchoolCounts(
            institution=school,
            pupils=by_school.get(school.pk, empty)["pupils"],
            flagged=by_school.get(school.pk, empty)["flagged"],
            high_level=by_school.get(school.pk, empty)["high"],
            by_rule=dict(sorted(rules[school.pk].items())),
        )
        for school in schools
    ]
