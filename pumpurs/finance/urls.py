"""Money pages under ``finance/`` (pumpurs/urls.py): objects by public UUID only."""

from django.urls import path

from pumpurs.finance import rate_views, report_views, views

urlpatterns = [
    path("", views.budget_page, name="finance_budget"),
    path("set/", views.budget_save, name="finance_budget_set"),
    path("move/", views.budget_move_view, name="finance_budget_move"),
    path("movements/<uuid:public_id>/reverse/", views.movement_reverse, name="finance_movement_reverse"),
    path("rates/", rate_views.rates_page, name="finance_rates"),
    path("rates/set/", rate_views.rate_save, name="finance_rate_set"),
    path("reports/", report_views.report_list, name="finance_reports"),
    path("reports/assemble/", report_views.report_assemble_view, name="finance_report_assemble"),
    path("reports/<uuid:public_id>/", report_views.report_detail, name="finance_report"),
    path("reports/<uuid:public_id>/action/", report_views.report_action, name="finance_report_action"),
    path("reports/<uuid:public_id>/print/", report_views.report_print, name="finance_report_print"),
    path("reports/<uuid:public_id>/export.xlsx", report_views.report_xlsx, name="finance_report_xlsx"),
    path("reports/<uuid:public_id>/export.csv", report_views.report_csv, name="finance_report_csv"),
    path("claims/<slug:code>/<str:month>/", report_views.claim_detail, name="finance_claim"),
    path("claims/<slug:code>/<str:month>/export.<str:fmt>", report_views.claim_export, name="finance_claim_export"),
]
