"""REST resources over the support services (issue 5, item 9; STYLE "One request, end to end").

Each view parses its input, fetches what it names through the scope selectors (out of scope is
404, exactly as missing), calls the same service as the web UI and renders the result. No view
writes to the database itself; errors are shaped by ``pumpurs.api.errors``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pumpurs.api import serializers as s
from pumpurs.audit.services import record_view
from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.people.actors import request_actor
from pumpurs.people.auth import client_address
from pumpurs.people.models import Institution, Period, User
from pumpurs.risk.models import Flag
from pumpurs.support import cases, delivery, plans
from pumpurs.support.catalogue import measures_in_force
from pumpurs.support.models import Case, Consent, Measure, Plan, PlanStatus
from pumpurs.support.prices import prices_in_force
from pumpurs.support.scope import cases_visible_to, deliveries_visible_to, history_until, plans_visible_to, plans_within
from pumpurs.support.selectors import plan_risks

# A semester as the API names it: the school year, a dash, its number ("2025/26-1").
PERIOD_PATTERN = r"^[0-9]{4}/[0-9]{2}-[1-9]$"


class Pages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        # DRF falls back to the default for a page_size that is not a positive whole number; an
        # integration that asked for one should hear that it was wrong (400), not get another size.
        asked = request.query_params.get(self.page_size_query_param)
        if asked is not None and not (asked.isascii() and asked.isdigit() and int(asked) >= 1):
            raise ValidationError({self.page_size_query_param: _("Give the page size as a whole number, 1 or more.")})
        return super().get_page_size(request) or self.page_size


def _audit_view(request: Request, pupil_id: int, target: Any) -> None:
    """A read of one pupil's record is logged as the pupil page logs it."""
    record_view(
        actor=request_actor(request), pupil_id=pupil_id, target=target, ip_address=client_address(request._request)
    )


def _choice(request: Request, name: str, allowed: list[str]) -> str | None:
    # Present but empty is a wrong value too (400), not "no filter".
    value = request.query_params.get(name)
    if value is not None and value not in allowed:
        raise ValidationError({name: _("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}})
    return value or None


def _period(key: str, field: str = "period") -> Period:
    """ "2025/26-1" → that semester (400 when there is none)."""
    year, _sep, number = key.rpartition("-")
    period = Period.objects.filter(school_year__name=year, number=number if number.isdigit() else -1).first()
    if period is None:
        raise ValidationError({field: _("No semester “%(key)s” (write it as 2025/26-1).") % {"key": key}})
    return period


def _staff_of(plan: Plan, public_id: UUID | None, field: str) -> User | None:
    """A member of the plan's school's staff named by public id (400 when not one)."""
    if public_id is None:
        return None
    user = access.staff_of(plan.case.institution_id).filter(public_id=public_id).first()
    if user is None:
        raise ValidationError({field: _("Choose a member of the pupil's school's staff.")})
    return user


PLAN_RELATED = ("case__pupil", "case__institution", "period__school_year", "amends")


def _plan(request: Request, public_id: UUID) -> Plan:
    return get_object_or_404(plans_visible_to(request.user).select_related(*PLAN_RELATED), public_id=public_id)


def _plan_detail(request: Request, plan: Plan) -> dict[str, Any]:
    plan = (
        Plan.objects.select_related(*PLAN_RELATED, "prepared_by", "submitted_by", "previous")
        .prefetch_related("risks", "goals", "measures__measure", "measures__provider")
        .get(pk=plan.pk)
    )
    sensitive = access.pupils_visible_to(request.user, Perm.VIEW_SENSITIVE).filter(pk=plan.case.pupil_id).exists()
    restricted = {row.risk.pk for row in plan_risks(plan, may_sensitive=sensitive) if row.restricted}
    context = {
        "delivered": plans.delivered_by_line(plan),
        "restricted_risks": restricted,
        "actions": plans.plan_actions_for(request.user, plan),
    }
    return s.PlanDetailOut(plan, context=context).data


# --- Cases -----------------------------------------------------------------------------------------


class CaseList(GenericAPIView[Case]):
    pagination_class = Pages

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=Case.Status.values),
            OpenApiParameter("institution", UUID),
            OpenApiParameter("page", int),
        ],
        responses=s.CaseOut(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = cases_visible_to(request.user).select_related("pupil", "institution", "opened_by")
        if state := _choice(request, "status", Case.Status.values):
            rows = rows.filter(status=state)
        if (institution := request.query_params.get("institution")) is not None:
            rows = rows.filter(institution__in=_institutions(institution))
        return _paginated(request, self, rows.order_by("-opened_at", "-id"), s.CaseOut)

    @extend_schema(request=s.CaseOpenIn, responses={201: s.CaseDetailOut})
    def post(self, request: Request) -> Response:
        data = _valid(s.CaseOpenIn, request)
        visible = access.pupils_visible_to(request.user, Perm.VIEW_SUPPORT)
        flag = None
        if data.get("flag"):
            flag = Flag.objects.filter(pupil__in=visible, public_id=data["flag"]).select_related("pupil").first()
            if flag is None:
                raise ValidationError({"flag": _("No such flag.")})
        pupil = flag.pupil if flag else visible.filter(public_id=data["pupil"]).first()
        if pupil is None:
            raise ValidationError({"pupil": _("No such pupil.")})
        case = cases.case_open(actor=request_actor(request), pupil=pupil, flag=flag, reason=data["reason"])
        return Response(s.CaseDetailOut(case).data, status=status.HTTP_201_CREATED)


def _institutions(value: str) -> QuerySet[Institution]:
    try:
        return Institution.objects.filter(public_id=UUID(value))
    except ValueError as exc:
        raise ValidationError({"institution": _("Give the institution's id (a UUID).")}) from exc


class CaseDetail(APIView):
    @extend_schema(responses=s.CaseDetailOut)
    def get(self, request: Request, public_id: UUID) -> Response:
        case = get_object_or_404(cases_visible_to(request.user), public_id=public_id)
        # A school that handed the case over reads it as it stood then (decision 0020).
        until = history_until(request.user, case)
        consents = Consent.objects.all() if until is None else Consent.objects.filter(recorded_at__lt=until)
        case = (
            Case.objects.select_related("pupil", "institution", "opened_by")
            .prefetch_related(
                "team__user",
                Prefetch("consents", queryset=consents),
                Prefetch(
                    "plans", queryset=plans_within(Plan.objects.all(), until).select_related("period__school_year")
                ),
            )
            .get(pk=case.pk)
        )
        _audit_view(request, case.pupil_id, case)
        return Response(s.CaseDetailOut(case).data)


class CasePlans(APIView):
    @extend_schema(responses=s.PlanOut(many=True))
    def get(self, request: Request, public_id: UUID) -> Response:
        case = get_object_or_404(cases_visible_to(request.user), public_id=public_id)
        _audit_view(request, case.pupil_id, case)
        rows = plans_visible_to(request.user).filter(case=case).select_related(*PLAN_RELATED)
        return Response(s.PlanOut(rows.order_by("-period__starts_on"), many=True).data)

    @extend_schema(request=s.PlanCreateIn, responses={201: s.PlanDetailOut})
    def post(self, request: Request, public_id: UUID) -> Response:
        case = get_object_or_404(cases_visible_to(request.user), public_id=public_id)
        data = _valid(s.PlanCreateIn, request)
        plan = plans.plan_create(
            actor=request_actor(request),
            case=case,
            period=_period(data["period"]),
            contact_person=data["contact_person"],
        )
        return Response(_plan_detail(request, plan), status=status.HTTP_201_CREATED)


# --- Plans -----------------------------------------------------------------------------------------


class PlanList(GenericAPIView[Plan]):
    pagination_class = Pages

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=PlanStatus.values),
            OpenApiParameter("period", str, pattern=PERIOD_PATTERN, description='A semester, e.g. "2025/26-1".'),
            OpenApiParameter("page", int),
        ],
        responses=s.PlanOut(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = plans_visible_to(request.user).select_related(*PLAN_RELATED)
        if state := _choice(request, "status", PlanStatus.values):
            rows = rows.filter(status=state)
        if (key := request.query_params.get("period")) is not None:
            rows = rows.filter(period=_period(key))
        return _paginated(request, self, rows.order_by("-created_at", "-id"), s.PlanOut)


class PlanDetail(APIView):
    @extend_schema(responses=s.PlanDetailOut)
    def get(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        _audit_view(request, plan.case.pupil_id, plan)
        return Response(_plan_detail(request, plan))

    @extend_schema(request=s.PlanContentIn, responses=s.PlanDetailOut)
    def put(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        data = _valid(s.PlanContentIn, request)
        plans.plan_save(
            actor=request_actor(request),
            plan=plan,
            expected_version=data["version"],
            contact_person=data["contact_person"],
            risks=[plans.RiskInput(group=r["group"], description=r["description"]) for r in data["risks"]],
            goals=[plans.GoalInput(text=g["text"], target=g["target"]) for g in data["goals"]],
            measures=[_line(plan, index, line) for index, line in enumerate(data["measures"])],
        )
        return Response(_plan_detail(request, plan))


def _line(plan: Plan, index: int, line: dict[str, Any]) -> plans.MeasureInput:
    field = f"measures.{index}"
    measure = _measure_for(plan, line["code"], f"{field}.code")
    return plans.MeasureInput(
        measure=measure,
        planned_quantity=line["planned_quantity"],
        planned_cost=line.get("planned_cost"),
        provider=_staff_of(plan, line.get("provider"), f"{field}.provider"),
        provider_name=line["provider_name"],
        note=line["note"],
    )


def _measure_for(plan: Plan, code: str, field: str) -> Measure:
    """The catalogue version of ``code`` in force when the semester starts (or today)."""
    for day in (plan.period.starts_on, timezone.localdate()):
        measure = measures_in_force(day).filter(code=code).first()
        if measure is not None:
            return measure
    raise ValidationError({field: _("No measure “%(code)s” in the catalogue in force.") % {"code": code}})


class PlanTransitions(APIView):
    @extend_schema(responses=s.TransitionOut(many=True))
    def get(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        _audit_view(request, plan.case.pupil_id, plan)
        return Response(s.TransitionOut(plan.transitions.select_related("actor"), many=True).data)

    @extend_schema(request=s.TransitionIn, responses=s.PlanDetailOut)
    def post(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        data = _valid(s.TransitionIn, request)
        result = plans.plan_transition(
            actor=request_actor(request),
            plan=plan,
            action=data["action"],
            expected_version=data.get("version"),
            comment=data["comment"],
        )
        # "amend" answers with the new amendment (decision 0022): its ``amends`` names this plan.
        return Response(_plan_detail(request, result))


# --- Deliveries ------------------------------------------------------------------------------------


class PlanDeliveries(APIView):
    @extend_schema(responses=s.DeliveryOut(many=True))
    def get(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        _audit_view(request, plan.case.pupil_id, plan)
        rows = deliveries_visible_to(request.user).filter(line__plan=plan)
        rows = rows.select_related("line__measure", "specialist", "recorded_by")
        return Response(s.DeliveryOut(rows, many=True).data)

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="DeliveryIn",
            serializers=[s.ConsultationIn, s.CompensationIn],
            resource_type_field_name=None,
        ),
        responses={201: s.DeliveryOut},
    )
    def post(self, request: Request, public_id: UUID) -> Response:
        plan = _plan(request, public_id)
        code = request.data.get("measure") if isinstance(request.data, dict) else None
        line = plan.measures.filter(measure__code=code).select_related("measure").first()
        # A code the plan lacks still goes to the service, which explains how to add it.
        measure = line.measure if line else Measure.objects.filter(code=code or "").first()
        if measure is None:
            raise ValidationError({"measure": _("Give the code of a measure of the catalogue.")})
        if measure.is_consultation:
            data = _valid(s.ConsultationIn, request)
            specialist = _staff_of(plan, data.get("specialist"), "specialist") or request_actor(request)
            made = delivery.consultation_record(
                actor=request_actor(request),
                plan=plan,
                measure=measure,
                held_on=data["held_on"],
                minutes=data["minutes"],
                specialist=specialist,
                mode=data["mode"],
                topic=data["topic"],
                confirmed_at=data.get("confirmed_at"),
            )
        else:
            data = _valid(s.CompensationIn, request)
            made = delivery.compensation_record(
                actor=request_actor(request),
                plan=plan,
                measure=measure,
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
                quantity=data["quantity"],
                amount=data.get("amount"),
            )
        return Response(s.DeliveryOut(made).data, status=status.HTTP_201_CREATED)


# --- Catalogue -------------------------------------------------------------------------------------


class MeasureList(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("on", dt.date, description="The day (default today).")],
        responses=s.MeasureOut(many=True),
    )
    def get(self, request: Request) -> Response:
        day = timezone.localdate()
        if (on := request.query_params.get("on")) is not None:
            try:
                day = dt.date.fromisoformat(on)
            except ValueError as exc:
                raise ValidationError({"on": _("Give the day as YYYY-MM-DD.")}) from exc
        rows = list(measures_in_force(day).order_by("category", "code"))
        prices = prices_in_force([m.code for m in rows], None, day)  # one look-up for the whole list
        return Response(s.MeasureOut(rows, many=True, context={"prices": prices}).data)


# --- Helpers ---------------------------------------------------------------------------------------


def _valid(serializer_class: type[Any], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(
    request: Request, view: GenericAPIView[Any], rows: QuerySet[Any], serializer_class: type[Any]
) -> Response:
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(serializer_class(page, many=True).data)
