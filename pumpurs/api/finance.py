"""Money resources (issue 14): budgets with what is committed and spent, commitments, monthly
expense reports (read-only), and rates (read; set with ``MANAGE_RATES``) — scoped exactly as the
budget and report pages (``VIEW_FINANCE`` over the reader's schools; out of scope is 404). Amounts are whole cents (integers), never floats."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pumpurs.finance.commitments import delivered_cents_by_line
from pumpurs.finance.committed import COMMITTING
from pumpurs.finance.models import Commitment, ExpenseReport
from pumpurs.finance.rates import rate_set, rate_version, rates_visible_to
from pumpurs.finance.reports import month_start, report_actions_for, report_totals, reports_visible_to
from pumpurs.finance.selectors import budget_overview, finance_institutions
from pumpurs.people.access import Perm, municipalities_visible_to
from pumpurs.people.actors import request_actor
from pumpurs.people.calendar import school_year_on
from pumpurs.people.models import SchoolYear


class BudgetRowOut(serializers.Serializer[Any]):
    institution = serializers.UUIDField(source="key")
    name = serializers.CharField(source="label")
    budget_cents = serializers.IntegerField(source="budget", allow_null=True)
    planned_cents = serializers.IntegerField(source="planned")
    committed_cents = serializers.IntegerField(source="committed")
    spent_cents = serializers.IntegerField(source="spent")
    remaining_cents = serializers.IntegerField(source="remaining", allow_null=True)
    supported_pupils = serializers.IntegerField(source="pupils")
    cost_per_supported_pupil_cents = serializers.IntegerField(source="per_pupil", allow_null=True)


class CommitmentOut(serializers.Serializer[Any]):
    plan = serializers.UUIDField()
    line = serializers.UUIDField()
    institution = serializers.UUIDField()
    measure = serializers.CharField()
    plan_status = serializers.CharField()
    amount_cents = serializers.IntegerField()
    unit_cents = serializers.IntegerField(allow_null=True)
    example_rate = serializers.BooleanField()
    delivered_cents = serializers.IntegerField()
    open_cents = serializers.IntegerField()


class ReportOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    institution = serializers.UUIDField(source="institution.public_id")
    institution_code = serializers.CharField(source="institution.code")
    month = serializers.DateField()
    status = serializers.CharField()
    total_cents = serializers.IntegerField(allow_null=True)
    esf_cents = serializers.IntegerField(allow_null=True)
    state_cents = serializers.IntegerField(allow_null=True)


class ReportLineOut(serializers.Serializer[Any]):
    kind = serializers.CharField()
    delivered_on = serializers.DateField()
    measure = serializers.CharField(source="measure_code")
    amount_cents = serializers.IntegerField()
    evidence_required = serializers.BooleanField()
    has_evidence = serializers.BooleanField()


class ReportDetailOut(ReportOut):
    running_total_cents = serializers.IntegerField()
    missing_evidence = serializers.IntegerField()
    lines = ReportLineOut(many=True)
    actions = serializers.ListField(child=serializers.CharField())


def _year(request: Request) -> SchoolYear:
    name = request.query_params.get("year")
    if name is not None:
        return get_object_or_404(SchoolYear, name=name)
    year = school_year_on(timezone.localdate())
    if year is None:
        raise ValidationError({"year": _("Name the school year, e.g. 2026/27.")})
    return year


YEAR = OpenApiParameter(
    "year", str, pattern=r"^[0-9]{4}/[0-9]{2}$", description="The school year, e.g. 2026/27 (default: the current one)."
)


class BudgetList(APIView):
    @extend_schema(parameters=[YEAR], responses=BudgetRowOut(many=True))
    def get(self, request: Request) -> Response:
        """Each school in scope: budget, planned, committed, spent and remaining (activity 1)."""
        overview = budget_overview(finance_institutions(request_actor(request)), _year(request))
        return Response(BudgetRowOut(overview.schools, many=True).data)


class CommitmentList(APIView):
    @extend_schema(parameters=[YEAR], responses=CommitmentOut(many=True))
    def get(self, request: Request) -> Response:
        """What approved plans of the schools in scope commit, per plan line, and what is delivered."""
        year = _year(request)
        rows = (
            Commitment.objects.filter(institution__in=finance_institutions(request_actor(request)), school_year=year)
            .select_related("plan", "line__measure", "institution", "rate")
            .order_by("committed_at", "id")
        )
        delivered = delivered_cents_by_line_for(year, [r.line_id for r in rows])
        data = [
            {
                "plan": r.plan.public_id,
                "line": r.line.public_id,
                "institution": r.institution.public_id,
                "measure": r.line.measure.code,
                "plan_status": r.plan.status,
                "amount_cents": r.amount_cents,
                "unit_cents": r.unit_cents,
                "example_rate": bool(r.rate and r.rate.is_example),
                "delivered_cents": delivered.get(r.line_id, 0),
                "open_cents": max(r.amount_cents - delivered.get(r.line_id, 0), 0)
                if r.plan.status in COMMITTING
                else 0,
            }
            for r in rows
        ]
        return Response(CommitmentOut(data, many=True).data)


def delivered_cents_by_line_for(year: SchoolYear, line_ids: list[int]) -> dict[int, int]:
    return delivered_cents_by_line(Q(line_id__in=line_ids, line__plan__period__school_year=year)) if line_ids else {}


class ReportList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "month", str, pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM (default: every month)."
            )
        ],
        responses=ReportOut(many=True),
    )
    def get(self, request: Request) -> Response:
        """Monthly expense reports of the schools in scope, newest month first."""
        rows = reports_visible_to(request_actor(request)).select_related("institution").order_by("-month", "id")
        if (month := request.query_params.get("month")) is not None:
            try:
                rows = rows.filter(month=month_start(dt.date.fromisoformat(f"{month}-01")))
            except ValueError as exc:
                raise ValidationError({"month": _("Give the month as YYYY-MM.")}) from exc
        return Response(ReportOut(rows, many=True).data)


class ReportDetail(APIView):
    @extend_schema(responses=ReportDetailOut)
    def get(self, request: Request, public_id: UUID) -> Response:
        """One report with its lines (no pupil names), its running total and what the caller may do."""
        user = request_actor(request)
        report: ExpenseReport = get_object_or_404(
            reports_visible_to(user).select_related("institution"), public_id=public_id
        )
        totals = report_totals(report)
        data = ReportOut(report).data | {
            "running_total_cents": totals.total,
            "missing_evidence": totals.missing_evidence,
            "lines": ReportLineOut(report.lines.order_by("delivered_on", "id"), many=True).data,
            "actions": sorted(report_actions_for(user, report)),
        }
        return Response(data)


class RateOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    measure = serializers.CharField(source="measure_code")
    municipality = serializers.CharField(source="municipality.code", allow_null=True, default=None)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    unit_cents = serializers.IntegerField(allow_null=True, help_text="Empty: the actual cost counts, within the caps.")
    cap_unit_cents = serializers.IntegerField(allow_null=True)
    cap_semester_cents = serializers.IntegerField(allow_null=True)
    cap_month_cents = serializers.IntegerField(allow_null=True)
    is_example = serializers.BooleanField(help_text="A figure used to try the system, not the programme's.")
    note = serializers.CharField()


class RateIn(serializers.Serializer[Any]):
    measure = serializers.SlugField(max_length=40)
    municipality = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="Its code; empty: the national rate."
    )
    valid_from = serializers.DateField()
    unit_cents = serializers.IntegerField(allow_null=True, min_value=0)
    cap_unit_cents = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    cap_semester_cents = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    cap_month_cents = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    is_example = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    version = serializers.IntegerField(
        min_value=0, help_text="The measure's rate version you read (GET ?measure=…): 409 if anyone set one since."
    )


class RateListOut(serializers.Serializer[Any]):
    version = serializers.IntegerField(allow_null=True, help_text="With ?measure=: that measure's rate version.")
    rates = RateOut(many=True)


class RateList(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("measure", str, description="One measure's code (its history and version).")],
        responses=RateListOut,
    )
    def get(self, request: Request) -> Response:
        """National rates and the municipal ones in scope, newest first; with ``?measure=`` one
        measure's whole history and its rate version (send it back when setting a rate)."""
        rows = rates_visible_to(request_actor(request)).select_related("municipality")
        code = request.query_params.get("measure")
        if code:
            rows = rows.filter(measure_code=code)
        rows = rows.order_by("measure_code", "-valid_from", "-set_at")
        return Response({"version": rate_version(code) if code else None, "rates": RateOut(rows, many=True).data})

    @extend_schema(request=RateIn, responses={201: RateOut})
    def post(self, request: Request) -> Response:
        """Set a measure's rate from a date (``MANAGE_RATES``: national, or the caller's municipality
        where the measure allows it). The rate in force then ends the day before; audited."""
        serializer = RateIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request_actor(request)
        municipality = None
        if data["municipality"]:
            municipality = municipalities_visible_to(user, Perm.VIEW_FINANCE).filter(code=data["municipality"]).first()
            if municipality is None:
                raise ValidationError({"municipality": _("No such municipality.")})
        rate = rate_set(
            actor=user,
            measure_code=data["measure"],
            municipality=municipality,
            valid_from=data["valid_from"],
            unit_cents=data["unit_cents"],
            cap_unit_cents=data["cap_unit_cents"],
            cap_semester_cents=data["cap_semester_cents"],
            cap_month_cents=data["cap_month_cents"],
            is_example=data["is_example"],
            note=data["note"],
            expected_version=data["version"],
        )
        return Response(RateOut(rate).data, status=201)
