"""The outbox: notices sent to guardians and the municipality, and the school's same-day switch."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.risk.models import Notice
from pumpurs.risk.notices import pupils_missing_guardian_contacts, same_day_notices_set

PAGE = 50


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_OUTBOX):
        raise Http404
    pupils = access.pupils_visible_to(request.user, Perm.VIEW_OUTBOX)
    status = request.GET.get("status", "")
    notices = Notice.objects.filter(pupil__in=pupils).select_related("pupil", "guardian", "recipient_user")
    if status in Notice.Status.values:
        notices = notices.filter(status=status)
    page = Paginator(notices.order_by("-created_at"), PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": Notice.Status.choices,
        "missing_contacts": pupils_missing_guardian_contacts(pupils).order_by("last_name", "first_name")[:100],
        "schools": access.institutions_visible_to(request.user, Perm.MANAGE_PUPILS),
    }
    return render(request, "risk/notices/outbox.html", context)


def same_day_setting(request: HttpRequest, public_id: str) -> HttpResponse:
    """A school coordinator switches the same-day absence notices of their school on or off."""
    # The school is looked up first: another school answers 404 whatever the method.
    school = get_object_or_404(access.institutions_visible_to(request.user, Perm.MANAGE_PUPILS), public_id=public_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    enabled = request.POST.get("enabled") == "1"
    same_day_notices_set(actor=request_actor(request), institution=school, enabled=enabled)
    messages.success(
        request, _("Same-day absence notices are now on.") if enabled else _("Same-day absence notices are now off.")
    )
    return redirect("notice_outbox")
