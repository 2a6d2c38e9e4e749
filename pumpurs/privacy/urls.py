from django.urls import path

from pumpurs.privacy import retention_views, views

urlpatterns = [
    path("audit/", views.audit_events, name="audit_events"),
    path("subject-access/", views.subject_access, name="subject_access"),
    path("emergency-access/", views.emergency_accesses, name="emergency_accesses"),
    path("emergency-access/officers/", views.dpo_openings, name="dpo_openings"),
    path("retention/", retention_views.retention, name="retention"),
    path("erasure/", retention_views.erasure, name="pupil_erasure"),
]
