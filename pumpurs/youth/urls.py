"""Youth initiative calls, mounted under ``youth/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.youth import views

app_name = "youth"
urlpatterns = [
    path("", views.calls, name="calls"),
    path("new/", views.call_create, name="call_create"),
    path("<uuid:public_id>/", views.call_detail, name="call"),
    path("<uuid:public_id>/evaluators/", views.call_evaluators, name="call_evaluators"),
    path("<uuid:public_id>/applications/new/", views.application_create, name="application_create"),
    path("<uuid:public_id>/open/", views.call_action, {"action": "open"}, name="call_open"),
    path("<uuid:public_id>/evaluate/", views.call_action, {"action": "evaluate"}, name="call_evaluate"),
    path("<uuid:public_id>/close/", views.call_action, {"action": "close"}, name="call_close"),
    path("applications/<uuid:public_id>/", views.application_detail, name="application"),
    path("applications/<uuid:public_id>/score/", views.application_score, name="application_score"),
    path("applications/<uuid:public_id>/conflict/", views.application_conflict, name="application_conflict"),
    path("applications/<uuid:public_id>/decision/", views.application_decide, name="application_decide"),
    path("applications/<uuid:public_id>/letter/", views.award_letter, name="award_letter"),
    path("applications/<uuid:public_id>/report/", views.report_create, name="report_create"),
    path("applications/<uuid:public_id>/report/approve/", views.report_approve, name="report_approve"),
]
