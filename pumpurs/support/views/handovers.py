"""Cases handed over to us: the receiving school's list of the open cases of pupils who moved to
it, and accepting one (decision 0020)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.support.handover import case_handover_accept, handovers_waiting_for, sending_schools
from pumpurs.support.views.common import flash, not_post


@require_GET
def handover_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.MANAGE_CASES):
        raise Http404
    cases = list(handovers_waiting_for(request.user).select_related("pupil").order_by("opened_at", "pk"))
    schools = sending_schools(cases)
    rows = [(case, schools[case.institution_id], schools[case.receiving_id]) for case in cases]  # type: ignore[attr-defined]
    return render(request, "support/handover_list.html", {"rows": rows})


def handover_accept(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # Only a case waiting for one of the reader's schools exists here: anything else is a 404.
    case = get_object_or_404(handovers_waiting_for(request.user), public_id=public_id)
    if refused := not_post(request):
        return refused
    try:
        case_handover_accept(actor=request_actor(request), case=case)
    except ValidationError as error:
        flash(request, _("The case was not taken over."), error)
        return redirect("support_handovers")
    messages.success(request, _("The case is now your school's. Its plans and contact log came with it."))
    return redirect("support_case", public_id=case.public_id)
