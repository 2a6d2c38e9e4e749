"""Monitoring pages: dashboards per scope, the programme's indicators, outcomes and effects."""

from django.urls import URLPattern, URLResolver, path

from pumpurs.reporting import views

app_name = "reporting"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="dashboard"),
    path("national/", views.national, name="national"),
    path("municipality/<uuid:public_id>/", views.municipality, name="municipality"),
    path("school/<uuid:public_id>/", views.school, name="school"),
    path("school/<uuid:public_id>/pupils/", views.school_pupils, name="school_pupils"),
]
