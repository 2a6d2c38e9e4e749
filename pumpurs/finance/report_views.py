"""Monthly expense report pages (issue 14): the list and the assembly, one report with its lines,
its missing evidence and the actions the reader may take, its exports and printable copy, and the
municipality's monthly claim. Views parse and render; ``finance.reports`` decides and writes."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pumpurs.finance.exports import as_csv, as_xlsx, claim_rows, report_rows
from pumpurs.finance.models import ExpenseReport
from pumpurs.finance.reports import (
    MISSING_EVIDENCE,
    month_start,
    municipality_claim,
    report_actions_for,
    report_approve,
    report_assemble,
    report_prepare,
    report_return,
    report_totals,
    reports_visible_to,
)
from pumpurs.people.access import Perm, has_perm, institutions_visible_to, municipalities_visible_to
from pumpurs.people.actors import request_actor
from pumpurs.people.models import Municipality


def _months_back(today: dt.date, n: int = 3) -> list[dt.date]:
    months, month = [], month_start(today)
    for _i in range(n):
        months.append(month)
        month = month_start(month - dt.timedelta(days=1))
    return months


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    if not has_perm(user, Perm.VIEW_FINANCE):
        raise Http404
    today = timezone.localdate()
    context = {
        "reports": reports_visible_to(user).select_related("institution").order_by("-month", "institution__name")[:200],
        "schools": institutions_visible_to(user, Perm.PREPARE_EXPENSES).order_by("name"),
        "months": _months_back(today),
        "claims": [
            (m, month)
            for m in municipalities_visible_to(user, Perm.APPROVE_AS_MUNICIPALITY).order_by("name")
            for month in _months_back(today)
        ],
    }
    return render(request, "finance/report_list.html", context)


@require_POST
def report_assemble_view(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    school = get_object_or_404(
        institutions_visible_to(user, Perm.PREPARE_EXPENSES), public_id=request.POST.get("school")
    )
    try:
        month = dt.date.fromisoformat(request.POST.get("month", ""))
    except ValueError:
        messages.error(request, _("Choose a month."))
        return redirect("finance_reports")
    try:
        report = report_assemble(actor=user, institution=school, month=month)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        existing = ExpenseReport.objects.filter(institution=school, month=month_start(month)).first()
        return redirect("finance_report", public_id=existing.public_id) if existing else redirect("finance_reports")
    messages.success(request, _("The report is assembled from the month's deliveries."))
    return redirect("finance_report", public_id=report.public_id)


def _report(request: HttpRequest, public_id: UUID) -> ExpenseReport:
    return get_object_or_404(
        reports_visible_to(request_actor(request)).select_related("institution__municipality"), public_id=public_id
    )


@require_GET
def report_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    report = _report(request, public_id)
    return render(request, "finance/report_detail.html", _report_context(request, report))


def _report_context(request: HttpRequest, report: ExpenseReport) -> dict[str, object]:
    title, rows = report_rows(report)
    lines = list(report.lines.select_related("delivery", "reverses__report").order_by("delivered_on", "id"))
    names = dict(zip([line.pk for line in lines], [r[1] for r in rows[1 : len(lines) + 1]], strict=True))
    return {
        "report": report,
        "title": title,
        "lines": [(line, names[line.pk]) for line in lines],
        "totals": report_totals(report),
        "missing": [
            (line, names[line.pk]) for line in report.lines.filter(MISSING_EVIDENCE).order_by("delivered_on", "id")
        ],
        "actions": report_actions_for(request_actor(request), report),
    }


@require_POST
def report_action(request: HttpRequest, public_id: UUID) -> HttpResponse:
    user = request_actor(request)
    report = _report(request, public_id)
    action = request.POST.get("action", "")
    try:
        match action:
            case "assemble":
                report_assemble(actor=user, institution=report.institution, month=report.month)
                messages.success(request, _("The report is assembled from the month's deliveries."))
            case "prepare":
                report_prepare(actor=user, report=report)
                messages.success(request, _("The report is sent to the director."))
            case "approve":
                report = report_approve(actor=user, report=report)
                messages.success(
                    request,
                    _("The report is approved and locked.") if report.is_locked else _("The report is approved."),
                )
            case "return":
                report_return(actor=user, report=report, comment=request.POST.get("comment", ""))
                messages.success(request, _("The report is returned to the school."))
            case _:
                raise ValidationError(_("Unknown action."))
    except PermissionDenied as refused:
        messages.error(request, str(refused) or _("You may not do this."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("finance_report", public_id=report.public_id)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report_export(request: HttpRequest, public_id: UUID, fmt: str) -> HttpResponse:
    report = _report(request, public_id)
    title, rows = report_rows(report)
    name = f"parskats-{report.institution.code}-{report.month:%Y-%m}"
    if fmt == "xlsx":
        return _download(as_xlsx(title, rows), f"{name}.xlsx", XLSX)
    return _download(as_csv(rows), f"{name}.csv", "text/csv; charset=utf-8")


@require_GET
def report_xlsx(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _report_export(request, public_id, "xlsx")


@require_GET
def report_csv(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _report_export(request, public_id, "csv")


@require_GET
def report_print(request: HttpRequest, public_id: UUID) -> HttpResponse:
    report = _report(request, public_id)
    return render(request, "finance/report_print.html", _report_context(request, report))


def _claim(request: HttpRequest, code: str, month: str) -> tuple[Municipality, dt.date]:
    user = request_actor(request)
    municipality = get_object_or_404(
        municipalities_visible_to(user, Perm.VIEW_FINANCE).filter(
            pk__in=municipalities_visible_to(user, Perm.APPROVE_AS_MUNICIPALITY).values("pk")
        )
        | municipalities_visible_to(user, Perm.MANAGE_BUDGETS),
        code=code,
    )
    try:
        return municipality, dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None


@require_GET
def claim_detail(request: HttpRequest, code: str, month: str) -> HttpResponse:
    municipality, first = _claim(request, code, month)
    return render(request, "finance/claim.html", {"claim": municipality_claim(municipality, first)})


@require_GET
def claim_export(request: HttpRequest, code: str, month: str, fmt: str) -> HttpResponse:
    municipality, first = _claim(request, code, month)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    title, rows = claim_rows(municipality_claim(municipality, first))
    name = f"pieprasijums-{municipality.code}-{first:%Y-%m}"
    if fmt == "xlsx":
        return _download(as_xlsx(title, rows), f"{name}.xlsx", XLSX)
    return _download(as_csv(rows), f"{name}.csv", "text/csv; charset=utf-8")
