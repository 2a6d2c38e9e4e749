"""Semester risk questionnaire pages, mounted under ``risk/questionnaire/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.risk import questionnaire_views as views

urlpatterns = [
    path("pupils/<uuid:public_id>/", views.questionnaire_pupil, name="questionnaire_pupil"),
    path("assessments/<uuid:public_id>/", views.questionnaire_assessment, name="questionnaire_assessment"),
    path("instruments/", views.questionnaire_instrument_list, name="questionnaire_instrument_list"),
    path(
        "instruments/<uuid:public_id>/", views.questionnaire_instrument_detail, name="questionnaire_instrument_detail"
    ),
]
