"""Fairness: flag rates by gender and grade band, small cells suppressed (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pumpurs.people.calendar import semester_on
from pumpurs.people.models import Institution, Period, Pupil
from pumpurs.risk.models import Flag, FlagStatus
from pumpurs.risk.selectors.common import current_enrolments

GRADE_BANDS = ((1, 3), (4, 6), (7, 9), (10, 12))
SMALL_CELL = 5  # counts below this are shown as "< 5" and their shares are withheld

# The groups of the table are children: "girls" and "boys", not "women" and "men" (issue 13).
GENDER_GROUPS: dict[str, Any] = {Pupil.Gender.FEMALE: _("girls"), Pupil.Gender.MALE: _("boys")}


@dataclass(frozen=True)
class FairnessRow:
    """One group's pupils, flagged pupils (any flag this semester) and pupils with a dismissed flag.

    A count below ``SMALL_CELL`` is never shown, nor is a share computed from one.
    """

    label: str
    pupils: int
    flagged: int
    dismissed: int
    # Measures withheld although not small themselves: otherwise the total minus the other rows
    # would give away a suppressed neighbour (secondary suppression, see ``protect``).
    withheld: frozenset[str] = frozenset()

    def is_small(self, measure: str) -> bool:
        return getattr(self, measure) < SMALL_CELL or self.pupils < SMALL_CELL

    def _shown(self, measure: str) -> int | None:
        return None if self.is_small(measure) or measure in self.withheld else int(getattr(self, measure))

    @property
    def is_small_pupils(self) -> bool:
        return self.is_small("pupils")

    @property
    def is_small_flagged(self) -> bool:
        return self.is_small("flagged")

    @property
    def is_small_dismissed(self) -> bool:
        return self.is_small("dismissed")

    @property
    def pupils_shown(self) -> int | None:
        return self._shown("pupils")

    @property
    def flagged_shown(self) -> int | None:
        return self._shown("flagged")

    @property
    def dismissed_shown(self) -> int | None:
        return self._shown("dismissed")

    @property
    def flagged_share(self) -> Decimal | None:
        if self.flagged_shown is None:
            return None
        return Decimal(100 * self.flagged) / self.pupils

    @property
    def dismissed_share(self) -> Decimal | None:
        if self.dismissed_shown is None or self.flagged_shown is None:
            return None
        return Decimal(100 * self.dismissed) / self.flagged


MEASURES = ("pupils", "flagged", "dismissed")


def protect(rows: list[FairnessRow]) -> list[FairnessRow]:
    """Rows of one breakdown whose counts add up to a total that is shown.

    Groups without pupils are left out. Where exactly one row of a measure is suppressed, the
    smallest other row of that measure is withheld too: two unknowns and one total cannot be
    solved, so no suppressed count can be worked out by subtraction.
    """
    rows = [r for r in rows if r.pupils > 0]
    for measure in MEASURES:
        small = [r for r in rows if r.is_small(measure) or measure in r.withheld]
        if len(small) != 1:
            continue
        others = sorted((r for r in rows if r not in small), key=lambda r: getattr(r, measure))
        if others:
            partner = others[0]
            rows = [replace(r, withheld=r.withheld | {measure}) if r is partner else r for r in rows]
    return rows


@dataclass
class Fairness:
    period: Period | None
    by_gender: list[FairnessRow]
    by_band: list[FairnessRow]
    total: FairnessRow


def fairness(institutions: QuerySet[Institution], *, today: dt.date | None = None) -> Fairness:
    """Flag rates among the pupils now enrolled in ``institutions`` (already scoped by the caller).

    Gender is read here only to audit the flags; no rule ever takes it as an input (DESIGN §7).
    """
    today = today or timezone.localdate()
    period = semester_on(today)
    empty = FairnessRow(str(_("All pupils")), 0, 0, 0)
    if period is None:
        return Fairness(None, [], [], empty)
    pupil = OuterRef("pupil_id")
    band = Case(
        *(When(class_group__grade__lte=high, then=Value(low)) for low, high in GRADE_BANDS),
        output_field=IntegerField(),
    )
    cells = (
        current_enrolments(today)
        .filter(institution__in=institutions)
        .annotate(
            band=band,
            flagged=Exists(Flag.objects.filter(pupil_id=pupil, period=period)),
            dismissed=Exists(Flag.objects.filter(pupil_id=pupil, period=period, status=FlagStatus.DISMISSED)),
        )
        .values("pupil__gender", "band")
        .annotate(
            pupils=Count("pupil_id", distinct=True),
            n_flagged=Count("pupil_id", distinct=True, filter=Q(flagged=True)),
            n_dismissed=Count("pupil_id", distinct=True, filter=Q(dismissed=True)),
        )
        .order_by()
    )
    by_gender: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_band: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for cell in cells:
        for totals in (by_gender[cell["pupil__gender"]], by_band[cell["band"]]):
            totals[0] += cell["pupils"]
            totals[1] += cell["n_flagged"]
            totals[2] += cell["n_dismissed"]

    def row(label: str, counts: list[int]) -> FairnessRow:
        return FairnessRow(label, pupils=counts[0], flagged=counts[1], dismissed=counts[2])

    all_ = [sum(t[i] for t in by_gender.values()) for i in range(3)]
    return Fairness(
        period=period,
        by_gender=protect(
            [row(str(GENDER_GROUPS.get(value, label)), by_gender[value]) for value, label in Pupil.Gender.choices]
        ),
        by_band=protect([row(f"{low}–{high}", by_band[low]) for low, high in GRADE_BANDS]),
        total=row(str(_("All pupils")), all_),
    )
