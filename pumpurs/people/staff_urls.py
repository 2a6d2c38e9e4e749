from django.urls import path

from pumpurs.people import staff_views as views

urlpatterns = [
    path("", views.staff_index, name="staff_index"),
    path("school/<uuid:public_id>/", views.staff_list, {"kind": "school"}, name="staff_school"),
    path("municipality/<uuid:public_id>/", views.staff_list, {"kind": "municipality"}, name="staff_municipality"),
    path("school/<uuid:public_id>/invite/", views.staff_invite, {"kind": "school"}, name="staff_school_invite"),
    path(
        "municipality/<uuid:public_id>/invite/",
        views.staff_invite,
        {"kind": "municipality"},
        name="staff_municipality_invite",
    ),
    path("national/", views.staff_list, {"kind": "national"}, name="staff_national"),
    path("national/invite/", views.staff_invite, {"kind": "national"}, name="staff_national_invite"),
    path("people/<uuid:public_id>/", views.staff_person, name="staff_person"),
    path("people/<uuid:public_id>/revoke/", views.staff_grant_revoke, name="staff_revoke"),
    path("people/<uuid:public_id>/phone/", views.staff_phone, name="staff_phone"),
    path("people/<uuid:public_id>/reinvite/", views.staff_reinvite, name="staff_reinvite"),
    path("people/<uuid:public_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("classes/<uuid:public_id>/teacher/", views.class_teacher, name="class_teacher"),
]
