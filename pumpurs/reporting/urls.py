"""Monitoring pages: dashboards per scope, the programme's indicators, outcomes and effects."""

from django.urls import URLPattern, URLResolver, path

from pumpurs.reporting import effects_views, indicator_views, outcome_views, views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("effects/", effects_views.effects_page, name="effects"),
    path("effects.csv", effects_views.effects_csv, name="effects_csv"),
    path("outcomes/", outcome_views.outcomes, name="outcomes"),
    path("outcomes.csv", outcome_views.outcomes_csv, name="outcomes_csv"),
    path("rules/", outcome_views.rules, name="rules"),
    path("", views.index, name="dashboard"),
    path("national/", views.national, name="national"),
    path("municipality/<uuid:public_id>/", views.municipality, name="municipality"),
    path("school/<uuid:public_id>/", views.school, name="school"),
    path("school/<uuid:public_id>/pupils/", views.school_pupils, name="school_pupils"),
    path("indicators/", indicator_views.indicators, name="indicators"),
    path("indicators/print/", indicator_views.indicators_print, name="indicators_print"),
]
