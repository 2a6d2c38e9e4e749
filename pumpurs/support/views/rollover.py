"""The school coordinator's year-end rollover page: preview, mark who does not continue, apply
with a confirmation (``support.rollover``). The school comes through ``people.access``: a school
the user may not move pupils of does not exist for them (404)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pumpurs.people import access
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import school_year_on, school_year_start_for, year_name
from pumpurs.people.models import Enrolment, Institution, SchoolYear
from pumpurs.people.perms import Perm
from pumpurs.people.rollover import LEAVING_REASONS, REPEATS, rollover_target
from pumpurs.support.rollover import RolloverPreview, rollover_apply, rollover_plan


def _schools(request: HttpRequest) -> QuerySet[Institution]:
    return access.institutions_visible_to(request.user, Perm.MANAGE_PUPILS).order_by("name")


@require_GET
def rollover_index(request: HttpRequest) -> HttpResponse:
    schools = list(_schools(request))
    if not schools:
        raise Http404
    if len(schools) == 1:
        return redirect("support_rollover", public_id=schools[0].public_id)
    return render(request, "support/rollover_index.html", {"schools": schools})


def _next_year_name(today: dt.date) -> str:
    current = school_year_on(today)
    start = int(current.name[:4]) if current is not None else school_year_start_for(today)
    return year_name(start + 1)


def _leaving(request: HttpRequest) -> dict[UUID, str]:
    out: dict[UUID, str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("leaving-") and value:
            try:
                out[UUID(key.removeprefix("leaving-"))] = value
            except ValueError:
                continue
    return out


@require_http_methods(["GET", "POST"])
def rollover(request: HttpRequest, public_id: UUID) -> HttpResponse:
    institution: Institution = get_object_or_404(_schools(request), public_id=public_id)
    today = timezone.localdate()
    context: dict[str, object] = {"institution": institution, "reasons": _reason_choices()}
    try:
        to_year = rollover_target(_next_year_name(today))
    except ValidationError as exc:
        return render(request, "support/rollover.html", context | {"errors": exc.messages})
    leaving = _leaving(request) if request.method == "POST" else {}
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("action") == "apply":
        errors = _apply(request, institution, to_year, leaving)
        if not errors:
            return redirect("support_rollover", public_id=institution.public_id)
    preview = rollover_plan(actor=request_actor(request), institution=institution, to_year=to_year, leaving=leaving)
    errors += [m for p in preview.moves.problems for m in p.messages]
    return render(request, "support/rollover.html", context | _preview_context(preview, today) | {"errors": errors})


def _apply(request: HttpRequest, institution: Institution, to_year: SchoolYear, leaving: dict[UUID, str]) -> list[str]:
    """Apply once confirmed; the refusals to show on the page, or none (and a success message)."""
    if not request.POST.get("confirm"):
        return [_("Tick the confirmation to apply the rollover.")]
    try:
        done = rollover_apply(actor=request_actor(request), institution=institution, to_year=to_year, leaving=leaving)
    except ValidationError as exc:
        return list(exc.messages)
    s = done.summary()
    message = _(
        "Rollover to %(year)s applied: %(moved)s moved up, %(completed)s completed, %(leaving)s not continuing."
    )
    if s["repeating"]:
        message = _(
            "Rollover to %(year)s applied: %(moved)s moved up, %(repeating)s repeat their grade, "
            "%(completed)s completed, %(leaving)s not continuing."
        )
    values = {"year": to_year.name, "moved": s["moved"], "completed": s["completed"], "leaving": s["not_continuing"]}
    values["repeating"] = s["repeating"]
    messages.success(request, message % values)
    return []


def _preview_context(preview: RolloverPreview, today: dt.date) -> dict[str, object]:
    """The pupils as rows of one table: their class, where they go and what is chosen for them."""
    moves = preview.moves
    target = {m.source.pk: m.target_name for m in moves.classes}
    rows = [(e, target[e.class_group_id], "") for e in moves.moving]
    rows += [(e, "", "completed") for e in moves.completing]
    rows += [(e, "", reason) for e, reason in moves.leaving]
    rows += [(e, "", REPEATS) for e in moves.repeating]
    rows.sort(
        key=lambda r: (r[0].class_group.grade, r[0].class_group.name, r[0].pupil.last_name, r[0].pupil.first_name)
    )
    return {"preview": preview, "rows": rows, "too_early": today < moves.from_year.ends_on}


def _reason_choices() -> list[tuple[str, str]]:
    labels = dict(Enrolment.EndReason.choices)
    return [(REPEATS, _("repeats the grade"))] + [(str(r), str(labels[r])) for r in LEAVING_REASONS]
