"""Links from the timeline and the watch list to the case and plan pages."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from pumpurs.support.models import Case, Plan


def _try_reverse(names: tuple[str, ...], public_id: Any) -> str | None:
    """The address of another helper's page under the first of ``names`` that exists (the case
    and plan pages are built elsewhere and may not be mounted yet); otherwise no link."""
    for name in names:
        try:
            return reverse(name, args=[public_id])
        except NoReverseMatch:
            continue
    return None


def plan_url(plan: Plan) -> str | None:
    return _try_reverse(("support_plan", "support:plan"), plan.public_id)


def case_url(case: Case) -> str | None:
    return _try_reverse(("support_case", "support:case"), case.public_id)
