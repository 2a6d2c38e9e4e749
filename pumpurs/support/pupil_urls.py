"""Support pages about one pupil, mounted under ``support/pupil/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.support import pupil_views as views

app_name = "support_pupil"
urlpatterns = [
    path("<uuid:public_id>/timeline/", views.timeline, name="timeline"),
    path("<uuid:public_id>/low-income/", views.low_income, name="low_income"),
    path("plan/<uuid:public_id>/print/", views.plan_print, name="plan_print"),
]
