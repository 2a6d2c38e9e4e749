"""Monitoring pages: dashboards per scope, the programme's indicators, outcomes and effects."""

from django.urls import URLPattern, URLResolver

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = []
