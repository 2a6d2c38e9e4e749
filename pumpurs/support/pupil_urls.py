from django.urls import URLPattern

app_name = "support_pupil"
urlpatterns: list[URLPattern] = []
