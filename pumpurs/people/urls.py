from django.urls import path

from pumpurs.people import calendar_views, views, work_views

urlpatterns = [
    path("", work_views.home, name="home"),
    path("work/<slug:code>/", work_views.work_list, name="work_list"),
    path("municipalities/", views.municipality_list, name="municipality_list"),
    path("municipalities/<uuid:public_id>/", views.municipality_detail, name="municipality_detail"),
    path("institutions/<uuid:public_id>/", views.institution_detail, name="institution_detail"),
    path("classes/<uuid:public_id>/", views.class_detail, name="class_detail"),
    path("pupils/search/", views.pupil_search, name="pupil_search"),
    path("pupils/<uuid:public_id>/emergency-access/", views.emergency_access, name="emergency_access"),
    path("pupils/<uuid:public_id>/", views.pupil_detail, name="pupil_detail"),
    path("calendar/", calendar_views.school_year_list, name="school_year_list"),
    path("calendar/new/", calendar_views.school_year_new, name="school_year_new"),
    path("calendar/<int:start_year>/", calendar_views.school_year_edit, name="school_year_edit"),
    path("calendar/<int:start_year>/confirm/", calendar_views.school_year_confirm_view, name="school_year_confirm"),
]
