"""The materials library, mounted under ``materials/`` (pumpurs/urls.py)."""

from django.urls import path

from pumpurs.prevention import materials_views as views

app_name = "materials"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.material_create, name="material_create"),
    path("<uuid:public_id>/", views.material_detail, name="material"),
    path("<uuid:public_id>/versions/", views.version_add, name="version_add"),
    path("files/<uuid:public_id>/", views.version_file, name="version_file"),
]
