"""Support pages under ``support/`` (pumpurs/urls.py): objects by public UUID only."""

from django.urls import path

from pumpurs.support import views
from pumpurs.support.views import handovers, out_of_school, rollover, work

urlpatterns = [
    path("", views.case_list, name="support_case_list"),
    path("approvals/", views.approvals, name="support_approvals"),
    path("handovers/", handovers.handover_list, name="support_handovers"),
    path("out-of-school/", out_of_school.out_of_school_list, name="support_out_of_school"),
    path("out-of-school.csv", out_of_school.out_of_school_csv, name="support_out_of_school_csv"),
    path("handovers/<uuid:public_id>/accept/", handovers.handover_accept, name="support_handover_accept"),
    path("open/<uuid:public_id>/", views.case_open, name="support_case_open"),
    path("cases/<uuid:public_id>/", views.case_detail, name="support_case"),
    path("cases/<uuid:public_id>/consent/", views.consent_add, name="support_consent_add"),
    path("cases/<uuid:public_id>/team/", views.team_add, name="support_team_add"),
    path("cases/<uuid:public_id>/team/remove/", views.team_remove, name="support_team_remove"),
    path("cases/<uuid:public_id>/contacts/", views.contact_add, name="support_contact_add"),
    path("cases/<uuid:public_id>/close/", views.case_close, name="support_case_close"),
    path("cases/<uuid:public_id>/reopen/", views.case_reopen, name="support_case_reopen"),
    path("cases/<uuid:public_id>/plan/", views.plan_start, name="support_plan_start"),
    path("consents/<uuid:public_id>/withdraw/", views.consent_withdraw, name="support_consent_withdraw"),
    path("consents/<uuid:public_id>/document/", views.consent_document, name="support_consent_document"),
    path("plans/<uuid:public_id>/", views.plan_detail, name="support_plan"),
    path("plans/<uuid:public_id>/edit/", views.plan_edit, name="support_plan_edit"),
    path("plans/<uuid:public_id>/materials/", views.plan_materials, name="support_plan_materials"),
    path("plans/<uuid:public_id>/transition/", views.plan_transition, name="support_plan_transition"),
    path("plans/<uuid:public_id>/consultations/", views.consultation_add, name="support_consultation_add"),
    path("plans/<uuid:public_id>/compensations/", views.compensation_add, name="support_compensation_add"),
    path("plans/<uuid:public_id>/review/", views.review, name="support_review"),
    path("deliveries/<uuid:public_id>/confirm/", views.delivery_confirm, name="support_delivery_confirm"),
    path("deliveries/<uuid:public_id>/evidence/", views.delivery_evidence, name="support_delivery_evidence"),
    path("deliveries/<uuid:public_id>/void/", work.delivery_void, name="support_delivery_void"),
    path("rollover/", rollover.rollover_index, name="support_rollover_index"),
    path("rollover/<uuid:public_id>/", rollover.rollover, name="support_rollover"),
]
