"""/api/v1/: the REST API (decision 0007). Objects by public UUID, never integer keys."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from pumpurs.api import docs, finance, prevention, views, youth

app_name = "api"
urlpatterns = [
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<uuid:public_id>/", views.CaseDetail.as_view(), name="case"),
    path("cases/<uuid:public_id>/plans/", views.CasePlans.as_view(), name="case_plans"),
    path("plans/", views.PlanList.as_view(), name="plans"),
    path("plans/<uuid:public_id>/", views.PlanDetail.as_view(), name="plan"),
    path("plans/<uuid:public_id>/transitions/", views.PlanTransitions.as_view(), name="plan_transitions"),
    path("plans/<uuid:public_id>/deliveries/", views.PlanDeliveries.as_view(), name="plan_deliveries"),
    path("measures/", views.MeasureList.as_view(), name="measures"),
    path("youth/calls/", youth.CallList.as_view(), name="youth_calls"),
    path("youth/calls/<uuid:public_id>/", youth.CallDetail.as_view(), name="youth_call"),
    path("youth/counts/", youth.Counts.as_view(), name="youth_counts"),
    path("trainings/", prevention.TrainingList.as_view(), name="trainings"),
    path("trainings/staff-trained/", prevention.StaffTrained.as_view(), name="staff_trained"),
    path("budgets/", finance.BudgetList.as_view(), name="budgets"),
    path("commitments/", finance.CommitmentList.as_view(), name="commitments"),
    path("rates/", finance.RateList.as_view(), name="rates"),
    path("reports/", finance.ReportList.as_view(), name="reports"),
    path("reports/<uuid:public_id>/", finance.ReportDetail.as_view(), name="report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A browser page: without a session it goes to the sign-in page like every other page.
    path("docs/", login_required(docs.ApiDocs.as_view(url_name="api:schema")), name="docs"),
]
