"""Read resources of the trainings (issue 16, activity 2): the trainings a caller may see with
their registered and present counts, and the share of staff trained per school and municipality
for the dashboards. No participant is named here; the pages show names to those who may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pumpurs.people import access
from pumpurs.people.access import Perm
from pumpurs.prevention.models import Audience
from pumpurs.prevention.scope import trainings_visible_to
from pumpurs.prevention.selectors import staff_trained, staff_trained_by_municipality


class TrainingOut(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    municipality = serializers.CharField(source="municipality.name", allow_null=True, default=None)
    organiser = serializers.CharField()
    audience = serializers.ChoiceField(choices=Audience.choices)
    remote = serializers.BooleanField()
    place = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    registered = serializers.IntegerField()
    present = serializers.IntegerField()


class StaffTrainedOut(serializers.Serializer[Any]):
    institution = serializers.CharField(help_text="empty on a municipality's line")
    municipality = serializers.CharField()
    staff = serializers.IntegerField()
    trained = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="per cent; null for a school without staff accounts")


class StaffTrainedReport(serializers.Serializer[Any]):
    schools = StaffTrainedOut(many=True)
    municipalities = StaffTrainedOut(many=True)


class TrainingList(APIView):
    @extend_schema(responses=TrainingOut(many=True))
    def get(self, request: Request) -> Response:
        rows = (
            trainings_visible_to(request.user)
            .select_related("municipality")
            .annotate(
                registered=Count("participants"), present=Count("participants", filter=Q(participants__attended=True))
            )
            .order_by("-starts_on", "pk")
        )
        return Response(TrainingOut(rows, many=True).data)


class StaffTrained(APIView):
    @extend_schema(responses=StaffTrainedReport)
    def get(self, request: Request) -> Response:
        schools = staff_trained(access.institutions_visible_to(request.user, Perm.VIEW_TRAININGS))
        return Response(
            StaffTrainedReport({"schools": schools, "municipalities": staff_trained_by_municipality(schools)}).data
        )
