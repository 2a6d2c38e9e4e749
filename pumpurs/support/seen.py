"""What changed in a plan since the approver last saw it (issue 13, decision 0034).

An approver who returned a plan, or approved the plan that is now being amended, opens it again
weeks later: this module remembers what each approver saw (``PlanSeen``, one row per user and
plan row, written when they open a plan waiting for a step they may approve) and tells the
difference — measures added and removed, quantities and costs changed, goals changed.

The baseline is, in this order: what the user saw of this plan row; for an amendment, what they
saw of the plan it amends; for an amendment never seen in either form, the plan in force as it
stands (the approved content the change would replace). A plan seen by nobody before has no
baseline: it is new to the reader, which is no change.

For "Mani darbi" a page of plans costs the same few queries whatever its length: one for what the
reader saw of them, two (four with amendments) for their lines and goals (``changes_for_page``);
the list's count statement is not touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from pumpurs.core.display import money_text, number_text
from pumpurs.support.models import Goal, Plan, PlanMeasure, PlanSeen

Content = dict[str, Any]


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def content_of(plan: Plan) -> Content:
    """The plan's lines and goals as plain data (what a snapshot keeps). Uses the plan's
    prefetched ``measures`` (with ``measure``) and ``goals`` when present."""
    lines = {
        line.measure.code: {
            "name": line.measure.name,
            "name_en": line.measure.name_en,
            "quantity": str(Decimal(line.planned_quantity).normalize()),
            "cost": _money(line.planned_cost),
        }
        for line in plan.measures.all()
    }
    goals = [[goal.text, goal.target] for goal in plan.goals.all()]
    return {"measures": lines, "goals": goals}


def _load(plans: Sequence[Plan]) -> None:
    """Two queries for any number of plans (and their amended plans): lines with their measure,
    and goals."""
    if not plans:
        return
    prefetch_related_objects(
        list(plans),
        Prefetch("measures", queryset=PlanMeasure.objects.select_related("measure").order_by("id")),
        Prefetch("goals", queryset=Goal.objects.order_by("order", "id")),
    )
    amended = [p.amends for p in plans if p.amends_id is not None and p.amends is not None]
    if amended:
        prefetch_related_objects(
            amended,
            Prefetch("measures", queryset=PlanMeasure.objects.select_related("measure").order_by("id")),
            Prefetch("goals", queryset=Goal.objects.order_by("order", "id")),
        )


@dataclass(frozen=True)
class LineChange:
    name: str
    before_quantity: str | None = None
    after_quantity: str | None = None
    before_cost: str | None = None
    after_cost: str | None = None

    @property
    def quantity_text(self) -> str:
        return _was_now(_number(self.before_quantity), _number(self.after_quantity), self)

    @property
    def cost_text(self) -> str:
        return _was_now(_eur(self.before_cost), _eur(self.after_cost), self)


def _was_now(before: str, after: str, line: LineChange) -> str:
    """ "3 → 5" for a changed line, the one value for a line added, removed, or unchanged in it."""
    if line.after_quantity is None:
        return before
    if line.before_quantity is None or before == after:
        return after
    return f"{before} → {after}"


def _number(value: str | None) -> str:
    return "—" if value is None else number_text(Decimal(value))


def _eur(value: str | None) -> str:
    return "—" if value is None else f"{money_text(Decimal(value))} EUR"


@dataclass(frozen=True)
class PlanChanges:
    """The difference between a baseline and the plan now. ``since`` is when the user saw the
    baseline (None: the baseline is the plan in force, never seen by them)."""

    since: dt.datetime | None
    added: list[LineChange] = field(default_factory=list)
    removed: list[LineChange] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    goals_added: list[str] = field(default_factory=list)
    goals_removed: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.goals_added or self.goals_removed)

    def text(self) -> str:
        """One line for a list: "changed since you last saw it: 1 measure added, 2 changed, goals changed"."""
        parts = []
        if self.added:
            parts.append(
                ngettext("%(n)s measure added", "%(n)s measures added", len(self.added)) % {"n": len(self.added)}
            )
        if self.removed:
            parts.append(
                ngettext("%(n)s measure removed", "%(n)s measures removed", len(self.removed))
                % {"n": len(self.removed)}
            )
        if self.changed:
            parts.append(
                ngettext("%(n)s measure changed", "%(n)s measures changed", len(self.changed))
                % {"n": len(self.changed)}
            )
        if self.goals_added or self.goals_removed:
            parts.append(_("goals changed"))
        if not parts:
            return ""
        lead = _("changed since you last saw it") if self.since else _("changes against the plan in force")
        return f"{lead}: {', '.join(parts)}"


def _name(line: dict[str, Any]) -> str:
    return str(line["name_en"] if get_language() == "en" and line.get("name_en") else line["name"])


def diff(before: Content, after: Content, since: dt.datetime | None) -> PlanChanges:
    old, new = before.get("measures", {}), after.get("measures", {})
    changes = PlanChanges(since=since)
    for code, line in new.items():
        if code not in old:
            changes.added.append(LineChange(_name(line), after_quantity=line["quantity"], after_cost=line["cost"]))
        elif (old[code]["quantity"], old[code]["cost"]) != (line["quantity"], line["cost"]):
            was = old[code]
            changes.changed.append(
                LineChange(_name(line), was["quantity"], line["quantity"], was["cost"], line["cost"])
            )
    for code, line in old.items():
        if code not in new:
            changes.removed.append(LineChange(_name(line), before_quantity=line["quantity"], before_cost=line["cost"]))
    old_goals = {tuple(g) for g in before.get("goals", [])}
    new_goals = {tuple(g) for g in after.get("goals", [])}
    changes.goals_added.extend(
        f"{t} — {target}" for t, target in after.get("goals", []) if (t, target) not in old_goals
    )
    changes.goals_removed.extend(
        f"{t} — {target}" for t, target in before.get("goals", []) if (t, target) not in new_goals
    )
    return changes


# --- Baselines ------------------------------------------------------------------------------------


def _changes(plan: Plan, seen: dict[int, PlanSeen]) -> PlanChanges | None:
    now = content_of(plan)
    if plan.pk in seen:
        return diff(seen[plan.pk].content, now, seen[plan.pk].seen_at)
    if plan.amends_id is not None and plan.amends_id in seen:
        return diff(seen[plan.amends_id].content, now, seen[plan.amends_id].seen_at)
    if plan.amends_id is not None and plan.amends is not None:
        return diff(content_of(plan.amends), now, None)
    return None


def changes_for_page(plans: Sequence[Plan], user_id: int) -> dict[int, PlanChanges]:
    """The changes of a page of plans for one reader, whatever the page's length: one query for
    what they saw of these plans and the plans they amend, two (four with amendments) for the
    plans' lines and goals. Only plans with a change are in the answer."""
    if not plans:
        return {}
    ids = {p.pk for p in plans} | {p.amends_id for p in plans if p.amends_id is not None}
    seen = {s.plan_id: s for s in PlanSeen.objects.filter(user_id=user_id, plan_id__in=ids)}
    _load(plans)
    result = {}
    for plan in plans:
        found = _changes(plan, seen)
        if found is not None and found.any:
            result[plan.pk] = found
    return result


def changes_for(user: Any, plan: Plan) -> PlanChanges | None:
    """What changed in ``plan`` since ``user`` last saw it (the plan page, before it records the
    new sight). None: no baseline, or nothing changed."""
    fresh = Plan.objects.select_related("amends").get(pk=plan.pk)
    return changes_for_page([fresh], user.pk).get(fresh.pk)


@transaction.atomic
def plan_seen_record(*, user: Any, plan: Plan, now: dt.datetime) -> PlanSeen:
    """Remember what ``user`` sees of ``plan`` now (one row per user and plan, replaced). A read
    marker, not a change of the plan: the plan page's own view record audits the read."""
    fresh = Plan.objects.get(pk=plan.pk)
    _load([fresh])
    seen, _created = PlanSeen.objects.update_or_create(
        user_id=user.pk,
        plan=fresh,
        defaults={"version": fresh.version, "content": content_of(fresh), "seen_at": now},
    )
    return seen
