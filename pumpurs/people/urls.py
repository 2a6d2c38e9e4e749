from django.urls import path

from pumpurs.people import views

urlpatterns = [
    path("", views.home, name="home"),
    path("municipalities/", views.municipality_list, name="municipality_list"),
    path("municipalities/<uuid:public_id>/", views.municipality_detail, name="municipality_detail"),
    path("institutions/<uuid:public_id>/", views.institution_detail, name="institution_detail"),
    path("classes/<uuid:public_id>/", views.class_detail, name="class_detail"),
    path("pupils/search/", views.pupil_search, name="pupil_search"),
    path("pupils/<uuid:public_id>/", views.pupil_detail, name="pupil_detail"),
]
