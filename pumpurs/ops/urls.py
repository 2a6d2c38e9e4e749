from django.urls import path

from pumpurs.ops import views

urlpatterns = [
    path("jobs/", views.jobs, name="ops_jobs"),
]
