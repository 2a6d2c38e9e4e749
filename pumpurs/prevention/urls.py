"""Trainings of the prevention system, mounted under ``trainings/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.prevention import views

app_name = "prevention"
urlpatterns = [
    path("", views.trainings, name="trainings"),
    path("new/", views.training_create, name="training_create"),
    path("<uuid:public_id>/", views.training_detail, name="training"),
    path("<uuid:public_id>/staff/", views.register_staff, name="register_staff"),
    path("<uuid:public_id>/external/", views.register_external, name="register_external"),
    path("<uuid:public_id>/attendance/", views.attendance, name="attendance"),
    path("<uuid:public_id>/certificates/", views.certificates, name="certificates"),
]
