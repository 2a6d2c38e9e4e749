"""Monitoring pages: dashboards per scope, the programme's indicators, outcomes and effects."""

from django.urls import URLPattern, URLResolver, path

from pumpurs.reporting import indicator_views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("indicators/", indicator_views.indicators, name="indicators"),
    path("indicators/print/", indicator_views.indicators_print, name="indicators_print"),
]
