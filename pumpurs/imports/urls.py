from django.urls import path

from pumpurs.imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_upload, name="import_upload"),
    path("<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("<uuid:public_id>/apply/", views.import_apply, name="import_apply"),
    path("<uuid:public_id>/errors.csv", views.import_errors, name="import_errors"),
]
