"""Monitoring pages: dashboards per scope, the programme's indicators, outcomes and effects."""

from django.urls import URLPattern, URLResolver, path

from pumpurs.reporting import outcome_views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("outcomes/", outcome_views.outcomes, name="outcomes"),
    path("outcomes.csv", outcome_views.outcomes_csv, name="outcomes_csv"),
    path("rules/", outcome_views.rules, name="rules"),
]
