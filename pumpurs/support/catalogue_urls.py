"""The national measure catalogue, mounted under ``support/catalogue/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.support import catalogue_views

app_name = "support_catalogue"
urlpatterns = [
    path("", catalogue_views.catalogue, name="catalogue"),
    path("new/", catalogue_views.measure_create, name="measure_create"),
    path("<uuid:public_id>/change/", catalogue_views.measure_change, name="measure_change"),
]
