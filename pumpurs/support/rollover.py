"""The year-end rollover of one school (issue 12): ``people.rollover`` moves the classes and
enrolments; this layer adds what happens to support, so the preview and the command speak of both.

Open cases carry over as they are: a case belongs to the pupil, not to a school year, so it stays
open and moves with the pupil. Its plan for the old year's semester 2 is left for its semester
review, which drafts the plan for semester 1 of the new year (``plan_continue``) or closes the case;
the rollover writes nothing to support. The preview counts them so the coordinator sees what the
summer's reviews still owe, and names the open cases of pupils who complete or leave (the review
should close them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from pumpurs.people.actors import Actor
from pumpurs.people.models import Institution, SchoolYear
from pumpurs.people.rollover import YearMovePlan, year_move_apply, year_move_plan
from pumpurs.support.models import Case, Plan, PlanStatus


@dataclass
class RolloverPreview:
    """What a rollover changes (``moves``) and the support cases it carries."""

    moves: YearMovePlan
    cases_carried: int = 0  # open cases of pupils moving up: they stay open
    cases_of_leavers: list[Case] = field(default_factory=list)  # open cases of pupils completing or leaving
    plans_awaiting_review: int = 0  # plans of the old year's semester 2 not yet closed by a review
    plans_for_next: int = 0  # plans already drafted for the new year's semester 1

    def summary(self) -> dict[str, object]:
        m = self.moves
        return {
            "institution": m.institution.code,
            "from": m.from_year.name,
            "to": m.to_year.name,
            "classes_created": [c.target_name for c in m.classes_to_create] + sorted(m.repeat_classes_to_create),
            "classes": [
                {"from": c.source.name, "to": c.target_name or None, "pupils": c.pupils, "moving": c.moving}
                for c in m.classes
            ],
            "moved": len(m.moving),
            "repeating": len(m.repeating),
            "completed": len(m.completing),
            "not_continuing": len(m.leaving),
            "cases_carried": self.cases_carried,
            "cases_of_leavers": len(self.cases_of_leavers),
            "plans_awaiting_review": self.plans_awaiting_review,
            "plans_for_next_semester": self.plans_for_next,
        }


def _with_cases(moves: YearMovePlan) -> RolloverPreview:
    preview = RolloverPreview(moves=moves)
    moving = [e.pupil_id for e in [*moves.moving, *moves.repeating]]
    ending = [e.pupil_id for e in moves.completing] + [e.pupil_id for e, _reason in moves.leaving]
    open_cases = Case.objects.filter(institution=moves.institution, status=Case.Status.OPEN)
    preview.cases_carried = open_cases.filter(pupil_id__in=moving).count()
    preview.cases_of_leavers = list(open_cases.filter(pupil_id__in=ending).select_related("pupil"))
    plans = Plan.objects.filter(case__in=open_cases.filter(pupil_id__in=moving + ending), amends__isnull=True)
    preview.plans_awaiting_review = (
        plans.filter(period__school_year=moves.from_year, period__number=2).exclude(status=PlanStatus.CLOSED).count()
    )
    preview.plans_for_next = plans.filter(period__school_year=moves.to_year, period__number=1).count()
    return preview


def rollover_plan(
    *, actor: Actor, institution: Institution, to_year: SchoolYear, leaving: Mapping[UUID, str] | None = None
) -> RolloverPreview:
    """The preview: what ``rollover_apply`` would change, with the cases it carries; writes
    nothing. Refusals as ``people.rollover.year_move_plan``."""
    return _with_cases(year_move_plan(actor=actor, institution=institution, to_year=to_year, leaving=leaving))


def rollover_apply(
    *,
    actor: Actor,
    institution: Institution,
    to_year: SchoolYear,
    leaving: Mapping[UUID, str] | None = None,
    today: dt.date | None = None,
) -> RolloverPreview:
    """Apply the rollover (``people.rollover.year_move_apply``: one transaction, idempotent) and
    return what it did; cases are carried by leaving them as they are (module docstring)."""
    preview = rollover_plan(actor=actor, institution=institution, to_year=to_year, leaving=leaving)
    year_move_apply(actor=actor, institution=institution, to_year=to_year, leaving=leaving, today=today)
    return preview
