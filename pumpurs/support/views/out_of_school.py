"""Children without a school: the page and its CSV export (``support.out_of_school``)."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pumpurs.audit.services import audit_record
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.support.out_of_school import out_of_school, out_of_school_rows

PAGE_SIZE = 100


@require_GET
def out_of_school_list(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_OUT_OF_SCHOOL):
        raise Http404
    today = timezone.localdate()
    page = Paginator(out_of_school(request.user, today=today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = out_of_school_rows(list(page), today=today)
    return render(request, "support/out_of_school.html", {"page": page, "rows": rows, "today": today})


@require_GET
def out_of_school_csv(request: HttpRequest) -> HttpResponse:
    if not access.has_perm(request.user, Perm.VIEW_OUT_OF_SCHOOL):
        raise Http404
    today = timezone.localdate()
    rows = out_of_school_rows(out_of_school(request.user, today=today), today=today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="out-of-school-{today.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8 (Latvian letters intact)
    writer = csv.writer(response, delimiter=";")
    case_text = {"open": _("open"), "closed": _("closed"), "": _("no")}
    writer.writerow(
        [
            _("Last name"),
            _("First name"),
            _("Last school"),
            _("Class"),
            _("Ended on"),
            _("Reason"),
            _("Days since"),
            _("Flag"),
            _("Support case"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.pupil.last_name,
                row.pupil.first_name,
                row.school.name,
                row.class_name,
                row.ended_on.isoformat(),
                row.reason,
                row.days,
                _("yes") if row.had_flag else _("no"),
                case_text[row.case],
            ]
        )
    # A list of names leaves the system: one event says who took it, and how many it named.
    with transaction.atomic():
        audit_record(actor=request_actor(request), action="support.out_of_school.exported", data={"rows": len(rows)})
    return response
