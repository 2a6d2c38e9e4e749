"""Read resources of the youth initiative calls (issue 16, activity 3): the calls a caller may
see, one call with its criteria, money and ranked applications, and the counts per municipality
the dashboards use. Scoped by ``youth.scope`` exactly as the pages: out of scope is 404.
Amounts are integer cents (``*_cents``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pumpurs.youth.models import Application, Call, CallStatus, Criterion
from pumpurs.youth.scope import calls_visible_to
from pumpurs.youth.selectors import COUNT_KEYS, application_counts, call_money, national_totals, ranked_applications


class CriterionOut(serializers.Serializer[Criterion]):
    name = serializers.CharField()
    weight = serializers.IntegerField(help_text="per cent; a call's weights add up to 100")


class CallOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    municipality = serializers.CharField(source="municipality.name", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=CallStatus.choices)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    total_cents = serializers.IntegerField()
    max_per_project_cents = serializers.IntegerField()
    eligibility = serializers.CharField()


class MoneyOut(serializers.Serializer[Any]):
    total_cents = serializers.IntegerField()
    awarded_cents = serializers.IntegerField()
    returned_cents = serializers.IntegerField()
    spent_cents = serializers.IntegerField()
    available_cents = serializers.IntegerField()


class BudgetLineOut(serializers.Serializer[Any]):
    item = serializers.CharField()
    amount_cents = serializers.IntegerField()


class ProjectReportOut(serializers.Serializer[Any]):
    status = serializers.CharField()
    participants_reached = serializers.IntegerField()
    spent_cents = serializers.IntegerField()


class ApplicationOut(serializers.Serializer[Application]):
    id = serializers.UUIDField(source="public_id")
    number = serializers.IntegerField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    registration_number = serializers.CharField()
    youth_group = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    participants_expected = serializers.IntegerField()
    age_from = serializers.IntegerField()
    age_to = serializers.IntegerField()
    requested_cents = serializers.IntegerField()
    status = serializers.CharField()
    awarded_cents = serializers.IntegerField(allow_null=True)
    budget = BudgetLineOut(source="budget_lines.all", many=True)


class RankedOut(serializers.Serializer[Any]):
    application = ApplicationOut()
    evaluations = serializers.IntegerField()
    points = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="mean of the evaluations, 0–100"
    )
    report = serializers.SerializerMethodField()

    @extend_schema_field(ProjectReportOut(allow_null=True))
    def get_report(self, row: Any) -> dict[str, Any] | None:
        report = getattr(row.application, "report", None)
        return ProjectReportOut(report).data if report is not None else None


class CallDetailOut(CallOut):
    criteria = CriterionOut(source="criteria.all", many=True)
    money = serializers.SerializerMethodField()
    applications = serializers.SerializerMethodField()

    @extend_schema_field(MoneyOut)
    def get_money(self, call: Call) -> dict[str, Any]:
        return dict(MoneyOut(call_money(call)).data)

    @extend_schema_field(RankedOut(many=True))
    def get_applications(self, call: Call) -> list[dict[str, Any]]:
        return list(RankedOut(ranked_applications(call), many=True).data)


class CountsRowOut(serializers.Serializer[Any]):
    municipality = serializers.CharField(allow_null=True, help_text="null: national calls")
    calls = serializers.IntegerField()
    applications = serializers.IntegerField()
    approved = serializers.IntegerField()
    requested_cents = serializers.IntegerField()
    awarded_cents = serializers.IntegerField()
    spent_cents = serializers.IntegerField()
    participants_expected = serializers.IntegerField()
    participants_reached = serializers.IntegerField()


class CountsOut(serializers.Serializer[Any]):
    municipalities = CountsRowOut(many=True)
    total = serializers.DictField(child=serializers.IntegerField(), help_text=", ".join(COUNT_KEYS))


class CallList(GenericAPIView[Call]):
    @extend_schema(parameters=[OpenApiParameter("status", enum=CallStatus.values)], responses=CallOut(many=True))
    def get(self, request: Request) -> Response:
        rows = calls_visible_to(request.user).select_related("municipality").order_by("-opens_on", "pk")
        if (state := request.query_params.get("status")) is not None:
            if state not in CallStatus.values:
                raise ValidationError(
                    {"status": _("Choose one of: %(values)s.") % {"values": ", ".join(CallStatus.values)}}
                )
            rows = rows.filter(status=state)
        return Response(CallOut(rows, many=True).data)


class CallDetail(APIView):
    @extend_schema(responses=CallDetailOut)
    def get(self, request: Request, public_id: UUID) -> Response:
        call = get_object_or_404(calls_visible_to(request.user).select_related("municipality"), public_id=public_id)
        return Response(CallDetailOut(call).data)


class Counts(APIView):
    @extend_schema(responses=CountsOut)
    def get(self, request: Request) -> Response:
        rows = application_counts(calls_visible_to(request.user))
        return Response(CountsOut({"municipalities": rows, "total": national_totals(rows)}).data)
