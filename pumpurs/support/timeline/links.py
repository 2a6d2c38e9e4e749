"""Links from the timeline and the watch list to the case and plan pages."""

from __future__ import annotations

from django.urls import reverse

from pumpurs.support.models import Case, Plan


def plan_url(plan: Plan) -> str | None:
    return reverse("support_plan", args=[plan.public_id])


def case_url(case: Case) -> str | None:
    return reverse("support_case", args=[case.public_id])
